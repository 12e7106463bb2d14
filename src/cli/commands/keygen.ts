/**
 * `keyward keygen`: a new identity (keyward-v2.md §2) as NAME.pem (the
 * private identity, mode 0600) and NAME.pub.pem (the public identity).
 */
import {
  KeywardError,
  MIN_PASSPHRASE_LENGTH,
  exportPrivateIdentity,
  exportPublicIdentity,
  formatKeyIdForHumans,
  generateIdentity,
  isPassphraseLongEnough,
} from '../../core/index.ts';
import { AtomicFile, commitAll } from '../atomic-file.ts';
import { outputExists, usageError } from '../errors.ts';
import { pathExists } from '../node-io.ts';
import { newPassphrase } from '../passphrase.ts';
import { type Command, argsOrHelp } from './command.ts';

const SPEC = {
  positionals: [],
  flags: {
    out: { type: 'string', required: true },
    name: { type: 'string' },
    bits: { type: 'string' },
    passphrase: { type: 'boolean' },
    force: { type: 'boolean' },
  },
} as const;

const USAGE = `Usage: keyward keygen --out NAME [--name TEXT] [--bits 3072|4096] [--passphrase] [--force]

Creates a new identity and prints its identity ID: an RSA-OAEP-256 key pair
(public exponent 65537) that files are encrypted for, and an Ed25519 key pair
that signs files, escrow blobs, receipts and recovery blobs.
  NAME.pem      the private identity: two PRIVATE KEY blocks (PKCS#8, RSA
                first, then Ed25519), file mode 0600: keep it secret
  NAME.pub.pem  the public identity: two PUBLIC KEY blocks (SPKI, RSA first):
                give it to whoever encrypts for you or checks your signature
Both files are read wherever keyward takes a key. Whoever receives
NAME.pub.pem confirms its identity ID with you (keyward id NAME.pub.pem).

Options:
  --out NAME      where to write the two files (required)
  --name TEXT     your name, written above the keys in both files ("Name: ..."
                  line, not part of the keys); encrypt, escrow check and
                  reissue use it as the name in blobs and receipts
  --bits N        RSA key size: 3072 (default) or 4096
  --passphrase    encrypt both private keys under one passphrase (two ENCRYPTED
                  PRIVATE KEY blocks, PBES2 with PBKDF2-SHA256 and
                  AES-256-CBC); the passphrase comes from KEYWARD_PASSPHRASE,
                  else it is asked twice on the terminal; it needs
                  ${MIN_PASSPHRASE_LENGTH} characters or more (spaces at either end do not count)
  --force         replace existing files
`;

/** Mode of the private key file: readable by its owner only. */
const PRIVATE_KEY_MODE = 0o600;

/** The app's rule for a backup passphrase: a shorter one is refused before any key is made. */
function checkPassphrase(passphrase: string): void {
  if (!isPassphraseLongEnough(passphrase)) {
    throw new KeywardError('PASSPHRASE_SHORT', { minLength: MIN_PASSPHRASE_LENGTH });
  }
}

function parseBits(value: string | undefined): 3072 | 4096 {
  if (value === undefined || value === '3072') return 3072;
  if (value === '4096') return 4096;
  throw usageError(`--bits must be 3072 or 4096, not ${JSON.stringify(value)}`, USAGE);
}

async function run(argv: readonly string[], ctx: Parameters<Command['run']>[1]): Promise<void> {
  const args = argsOrHelp(SPEC, argv, USAGE, ctx);
  if (!args) return;
  const { out, force, name, passphrase: encrypt } = args.flags;
  const bits = parseBits(args.flags.bits);
  const privatePath = `${out}.pem`;
  const publicPath = `${out}.pub.pem`;
  if (!force) {
    for (const path of [privatePath, publicPath]) if (await pathExists(path)) throw outputExists(path);
  }
  // Asked before the slow part, so a mistyped confirmation costs nothing.
  const passphrase = encrypt ? await newPassphrase(ctx.env, privatePath, checkPassphrase) : undefined;

  // Extractable: it is written out once, below, and this process then ends.
  const identity = await generateIdentity({ bits, extractable: true });
  const nameLine = name === undefined ? '' : `Name: ${JSON.stringify(name)}\n`;
  const privatePem =
    nameLine +
    (passphrase === undefined
      ? await exportPrivateIdentity(identity, 'pem')
      : await exportPrivateIdentity(identity, 'encrypted-pem', { passphrase }));
  const publicPem = nameLine + (await exportPublicIdentity(identity, 'pem'));

  const files: AtomicFile[] = [];
  try {
    const privateFile = await AtomicFile.create(privatePath, { force, mode: PRIVATE_KEY_MODE });
    files.push(privateFile);
    privateFile.write(Buffer.from(privatePem, 'utf8'));
    const publicFile = await AtomicFile.create(publicPath, { force });
    files.push(publicFile);
    publicFile.write(Buffer.from(publicPem, 'utf8'));
    await commitAll([publicFile, privateFile]);
  } catch (error) {
    await Promise.all(files.map((file) => file.discard()));
    throw error;
  }

  ctx.print(`private identity  ${privatePath}  (${passphrase === undefined ? 'PKCS#8' : 'encrypted PKCS#8'}, mode 0600: keep it secret)`);
  ctx.print(`public identity   ${publicPath}  (give it out; confirm the identity ID with whoever receives it)`);
  if (name !== undefined) ctx.print(`name              ${name}`);
  ctx.print(`bits              ${identity.encryption.modulusBits}`);
  ctx.print(`identity ID       ${identity.id}`);
  ctx.print(`read aloud        ${formatKeyIdForHumans(identity.id)}`);
  ctx.print(`RSA key ID        ${identity.encryption.keyId}  (its v1 key ID)`);
}

/** `keyward keygen`. */
export const keygenCommand: Command = { name: 'keygen', summary: 'create an identity: NAME.pem and NAME.pub.pem', usage: USAGE, run };
