/** `keyward encrypt`: FILE to FILE.keyward, and the escrow blob for the backup authority (spec §3–§5). */
import { basename, resolve } from 'node:path';
import { DEFAULT_CHUNK_SIZE, MAX_CHUNK_SIZE, MIN_CHUNK_SIZE, type UnsignedEncryptedFile, encryptFile, encryptSource, isValidChunkSize, serializeBlob } from '../../core/index.ts';
import { AtomicFile, commitAll } from '../atomic-file.ts';
import { outputExists, usageError } from '../errors.ts';
import { loadPublicKey } from '../key-files.ts';
import { guessType } from '../mime.ts';
import { READ_SIZE, openInput, pathExists } from '../node-io.ts';
import { type CliContext, type Command, argsOrHelp } from './command.ts';

const SPEC = {
  positionals: ['FILE'],
  flags: {
    owner: { type: 'string', required: true },
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

const USAGE = `Usage: keyward encrypt FILE --owner OWNER.pub.pem --authority AUTH.pub.pem
        [--description TEXT] [--owner-name TEXT] [--authority-name TEXT]
        [--chunk-size BYTES] [--out PATH] [--escrow-out PATH] [--force]

Encrypts FILE with a fresh file key, wrapped for the owner inside the file,
and again for the backup authority in a separate escrow blob.
  FILE.keyward               the encrypted file (name, type, size and time are inside, encrypted)
  FILE.keyward-escrow.json   the escrow blob: send it to the backup authority

Options:
  --owner PATH           the owner's public key (SPKI or PKCS#1 PEM, or JWK) (required)
  --authority PATH       the backup authority's public key (required)
  --description TEXT     a description of the key, for the authority (default empty)
  --owner-name TEXT      the owner's name in the escrow blob (default empty)
  --authority-name TEXT  the authority's name in the escrow blob (default empty)
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
  let encrypted: UnsignedEncryptedFile | undefined;
  try {
    const owner = await loadPublicKey(flags.owner, '--owner');
    const authority = await loadPublicKey(flags.authority, '--authority');
    const options = {
      // Whole milliseconds, as a browser's File.lastModified gives. Rounded, not floored:
      // mtimeMs is a float, and a time set to ...123 ms can read back as ...122.9999.
      meta: { name: basename(inputPath), type: guessType(inputPath), size: input.size, lastModified: Math.round(input.mtimeMs) },
      owner,
      authority,
      ownerName: flags['owner-name'] ?? '',
      authorityName: flags['authority-name'] ?? '',
      description: flags.description ?? '',
      ...(chunkSize === undefined ? {} : { chunkSize }),
    };
    // A regular file is read in pieces of known size; a pipe as a stream.
    const source = input.source();
    encrypted = source ? await encryptSource(source, options, { pieceBytes: READ_SIZE }) : await encryptFile(input.stream(), options);
    const escrowFile = await AtomicFile.create(escrowPath, { force: flags.force });
    files.push(escrowFile);
    escrowFile.write(Buffer.from(serializeBlob(encrypted.escrowBlob), 'utf8'));
    const keywardFile = await AtomicFile.create(outPath, { force: flags.force });
    files.push(keywardFile);
    // Errors with SIZE_MISMATCH (from the core) if the file changed while it was read.
    await keywardFile.writeStream(encrypted.stream);
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
  ctx.print(`owner       ${encrypted.escrowBlob.owner.keyId}`);
  ctx.print(`authority   ${encrypted.escrowBlob.authority.keyId}`);
}

/** `keyward encrypt`. */
export const encryptCommand: Command = { name: 'encrypt', summary: 'encrypt a file and write its escrow blob', usage: USAGE, run };
