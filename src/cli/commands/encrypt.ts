/**
 * `keyward encrypt`: FILE to FILE.keyward, and the escrow blob for the backup
 * authority. With `--sign`, a signed v2 file (keyward-v2.md §3) and, for an
 * authority identity, a signed v2 escrow blob (§4), or for a council, a
 * council escrow blob (§8.3); without it, v1 (spec v1 §3–§5).
 */
import { basename, resolve } from 'node:path';
import {
  DEFAULT_CHUNK_SIZE,
  type EscrowBlobV2,
  type EncryptedFile,
  type KeyBlob,
  MAX_CHUNK_SIZE,
  MIN_CHUNK_SIZE,
  encryptFile,
  encryptSource,
  isValidChunkSize,
  serializeBlob,
  serializeSigned,
} from '../../core/index.ts';
import { AtomicFile, commitAll } from '../atomic-file.ts';
import { outputExists, usageError, withContext } from '../errors.ts';
import { loadPrivateKeyFile, loadPublicKeyFile, loadPublicKeyOrCouncil, needIdentity } from '../key-files.ts';
import { guessType } from '../mime.ts';
import { nodeChunkCrypto } from '../node-chunk-crypto.ts';
import { READ_SIZE, openInput, pathExists } from '../node-io.ts';
import { type CliContext, type Command, argsOrHelp } from './command.ts';

const SPEC = {
  positionals: ['FILE'],
  flags: {
    owner: { type: 'string', required: true },
    sign: { type: 'string' },
    authority: { type: 'string', required: true },
    description: { type: 'string' },
    'owner-name': { type: 'string' },
    'authority-name': { type: 'string' },
    'chunk-size': { type: 'string' },
    out: { type: 'string' },
    'escrow-out': { type: 'string' },
    force: { type: 'boolean' },
  },
} as const;

const USAGE = `Usage: keyward encrypt FILE --owner OWNER.pub.pem [--sign OWNER.pem] --authority AUTH.pub.pem|COUNCIL.json
        [--description TEXT] [--owner-name TEXT] [--authority-name TEXT]
        [--chunk-size BYTES] [--out PATH] [--escrow-out PATH] [--force]

Encrypts FILE with a fresh file key, wrapped for the owner inside the file,
and again for the backup authority in a separate escrow blob.
  FILE.keyward               the encrypted file (name, type, size and time are inside, encrypted)
  FILE.keyward-escrow.json   the escrow blob: send it to the backup authority

With --sign, the file is signed by the owner's identity (format 2): anyone can
check who wrote it (keyward verify) and no byte of it can change unnoticed. If
the authority's key is an identity too, the escrow blob is signed and
carries what the authority needs to check on receipt that it opens this very
file (keyward escrow check). Without --sign, the file and blob are format 1,
as before.

With a council as --authority (COUNCIL.json, keyward council create), the
file key is split so that any K of its members together recover it, and each
member's share is wrapped for that member in the escrow blob; this needs
--sign. Confirm the council ID (keyward id COUNCIL.json) before you use it.

Options:
  --owner PATH           the owner's public key or public identity (PEM or JWK) (required)
  --sign PATH            the owner's private identity (NAME.pem of keyward keygen): sign the file;
                         it must be the private half of --owner (an encrypted one takes
                         KEYWARD_PASSPHRASE, else asks on the terminal)
  --authority PATH       the backup authority's public key or public identity, or a
                         council file (required)
  --description TEXT     a description of the key, for the authority (default empty)
  --owner-name TEXT      the owner's name in the escrow blob (default: the "Name:" line of
                         the --sign or --owner file, else empty)
  --authority-name TEXT  the authority's name in the escrow blob (default: the "Name:" line of
                         the --authority file, else empty; a council's name is its own)
  --chunk-size BYTES     plaintext bytes per chunk: a power of two from ${MIN_CHUNK_SIZE} to ${MAX_CHUNK_SIZE}
                         (default ${DEFAULT_CHUNK_SIZE})
  --out PATH             the encrypted file (default FILE.keyward)
  --escrow-out PATH      the escrow blob (default: the encrypted file's path + "-escrow.json")
  --force                replace existing output files

Both outputs appear only when complete; on any failure neither is left behind.
`;

function parseChunkSize(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const size = /^\d{1,9}$/.test(value) ? Number(value) : Number.NaN;
  if (!isValidChunkSize(size)) {
    throw usageError(`--chunk-size must be a power of two from ${MIN_CHUNK_SIZE} to ${MAX_CHUNK_SIZE} bytes, not ${JSON.stringify(value)}`, USAGE);
  }
  return size;
}

async function run(argv: readonly string[], ctx: CliContext): Promise<void> {
  const args = argsOrHelp(SPEC, argv, USAGE, ctx);
  if (!args) return;
  const { flags } = args;
  const inputPath = args.positionals.FILE;
  const chunkSize = parseChunkSize(flags['chunk-size']);
  const outPath = flags.out ?? `${inputPath}.keyward`;
  const escrowPath = flags['escrow-out'] ?? `${outPath}-escrow.json`;
  if (resolve(outPath) === resolve(escrowPath)) throw usageError('--out and --escrow-out name the same file', USAGE);
  // Refuse before the work, not after encrypting gigabytes.
  if (!flags.force) {
    for (const path of [outPath, escrowPath]) if (await pathExists(path)) throw outputExists(path);
  }

  const input = await openInput(inputPath);
  const files: AtomicFile[] = [];
  let encrypted: EncryptedFile | undefined;
  let escrowBlob: KeyBlob | EscrowBlobV2;
  let signerId: string | undefined;
  try {
    const owner = await loadPublicKeyFile(flags.owner, '--owner');
    const authority = await loadPublicKeyOrCouncil(flags.authority, '--authority');
    const signFile = flags.sign === undefined ? undefined : await loadPrivateKeyFile(flags.sign, '--sign', ctx.env);
    const signer = signFile && flags.sign !== undefined ? needIdentity(signFile, '--sign', flags.sign, 'cannot sign') : undefined;
    // §3.1: the file's single owner stanza is the signer's RSA key; a signature by someone else would name another author.
    if (signer && (owner.identity ? owner.identity.id !== signer.id : owner.key.keyId !== signer.encryption.keyId)) {
      throw withContext(usageError('--sign is not the private identity of --owner: a file is signed by its owner', USAGE), `--sign ${flags.sign ?? ''}`);
    }
    signerId = signer?.id;
    if (authority.kind === 'council') {
      // §8.3: a council's escrow blob is signed by the owner, who must be able to sign.
      if (!signer) throw usageError('--authority is a council: its escrow blob is signed by the owner, so --sign is needed', USAGE);
      if (flags['authority-name'] !== undefined) throw usageError("--authority-name cannot rename a council: its name is part of the council ID", USAGE);
    }
    const options = {
      // Whole milliseconds, as a browser's File.lastModified gives. Rounded, not floored:
      // mtimeMs is a float, and a time set to ...123 ms can read back as ...122.9999.
      meta: { name: basename(inputPath), type: guessType(inputPath), size: input.size, lastModified: Math.round(input.mtimeMs) },
      owner: owner.key,
      // An authority identity gets a v2 escrow blob when the file is signed; a v1 key a v1 blob; a council a council blob.
      authority: authority.kind === 'council' ? authority.council : (authority.file.identity ?? authority.file.key),
      ...(signer ? { signer } : {}),
      ownerName: flags['owner-name'] ?? signFile?.name ?? owner.name ?? '',
      authorityName: authority.kind === 'council' ? authority.council.name : (flags['authority-name'] ?? authority.file.name ?? ''),
      description: flags.description ?? '',
      ...(chunkSize === undefined ? {} : { chunkSize }),
      chunkCrypto: nodeChunkCrypto,
    };
    // A regular file is read in pieces of known size; a pipe as a stream.
    const source = input.source();
    encrypted = source ? await encryptSource(source, options, { pieceBytes: READ_SIZE }) : await encryptFile(input.stream(), options);
    const escrowFile = await AtomicFile.create(escrowPath, { force: flags.force });
    files.push(escrowFile);
    const keywardFile = await AtomicFile.create(outPath, { force: flags.force });
    files.push(keywardFile);
    // Errors with SIZE_MISMATCH (from the core) if the file changed while it was read.
    await keywardFile.writeStream(encrypted.stream);
    // A v2 escrow blob carries the payload digest and the file's signature: it is complete only now.
    escrowBlob = (await encrypted.done).escrowBlob;
    escrowFile.write(Buffer.from('mac' in escrowBlob ? serializeBlob(escrowBlob) : serializeSigned(escrowBlob), 'utf8'));
    // The escrow blob first: a blob without its file is harmless, a file whose escrow was lost is not.
    await commitAll([escrowFile, keywardFile]);
  } catch (error) {
    await encrypted?.stream.cancel().catch(() => undefined);
    await Promise.all(files.map((file) => file.discard()));
    throw error;
  } finally {
    await input.close().catch(() => undefined);
  }

  ctx.print(`encrypted   ${inputPath} -> ${outPath}  (${encrypted.encryptedSize} bytes)`);
  ctx.print(`escrow      ${escrowPath}  (send it to your backup authority)`);
  ctx.print(`serial      ${encrypted.serial}`);
  ctx.print(`file ID     ${encrypted.fileId}`);
  if ('mac' in escrowBlob) {
    ctx.print(`owner       ${escrowBlob.owner.keyId}`);
    ctx.print(`authority   ${escrowBlob.authority.keyId}`);
  } else {
    ctx.print(`owner       ${escrowBlob.owner.id}`);
    const { authority } = escrowBlob;
    ctx.print(`authority   ${authority.id}${authority.kind === 'council' ? `  (council, ${authority.threshold} of ${authority.members.length} members recover the file)` : ''}`);
  }
  ctx.print(`signed by   ${signerId ?? 'nobody: unsigned (v1) file'}`);
}

/** `keyward encrypt`. */
export const encryptCommand: Command = { name: 'encrypt', summary: 'encrypt a file and write its escrow blob', usage: USAGE, run };
