/** `keyward keygen`: a new RSA-OAEP-256 key pair as PREFIX.pem (PKCS#8, mode 0600) and PREFIX.pub.pem (SPKI). */
import { KeywardError, MIN_PASSPHRASE_LENGTH, exportPrivateKey, exportPublicKey, generateKeyPair, isPassphraseLongEnough } from '../../core/index.ts';
import { AtomicFile, commitAll } from '../atomic-file.ts';
import { outputExists, usageError } from '../errors.ts';
import { pathExists } from '../node-io.ts';
import { newPassphrase } from '../passphrase.ts';
import { type Command, argsOrHelp } from './command.ts';

const SPEC = {
  positionals: [],
  flags: {
    out: { type: 'string', required: true },
    bits: { type: 'string' },
    passphrase: { type: 'boolean' },
    force: { type: 'boolean' },
  },
} as const;

const USAGE = `Usage: keyward keygen --out PREFIX [--bits 3072|4096] [--passphrase] [--force]

Creates a new RSA-OAEP-256 key pair (public exponent 65537) and prints its key ID.
  PREFIX.pem      the private key, PKCS#8 PEM, file mode 0600: keep it secret
  PREFIX.pub.pem  the public key, SPKI PEM: give it to whoever encrypts for you

Options:
  --out PREFIX    where to write the two files (required)
  --bits N        3072 (default) or 4096
  --passphrase    encrypt the private key (ENCRYPTED PRIVATE KEY, PBES2 with
                  PBKDF2-SHA256 and AES-256-CBC); the passphrase comes from
                  KEYWARD_PASSPHRASE, else it is asked twice on the terminal;
                  it needs ${MIN_PASSPHRASE_LENGTH} characters or more (spaces at either end do
                  not count)
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
  const { out, force, passphrase: encrypt } = args.flags;
  const bits = parseBits(args.flags.bits);
  const privatePath = `${out}.pem`;
  const publicPath = `${out}.pub.pem`;
  if (!force) {
    for (const path of [privatePath, publicPath]) if (await pathExists(path)) throw outputExists(path);
  }
  // Asked before the slow part, so a mistyped confirmation costs nothing.
  const passphrase = encrypt ? await newPassphrase(ctx.env, privatePath, checkPassphrase) : undefined;

  // Extractable: it is written out once, below, and this process then ends.
  const pair = await generateKeyPair({ bits, extractable: true });
  const privatePem =
    passphrase === undefined
      ? await exportPrivateKey(pair.privateKey, 'pkcs8-pem')
      : await exportPrivateKey(pair.privateKey, 'encrypted-pkcs8-pem', { passphrase });
  const publicPem = await exportPublicKey(pair.publicKey, 'spki-pem');

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

  ctx.print(`private key  ${privatePath}  (${passphrase === undefined ? 'PKCS#8' : 'encrypted PKCS#8'}, mode 0600: keep it secret)`);
  ctx.print(`public key   ${publicPath}  (SPKI)`);
  ctx.print(`bits         ${pair.modulusBits}`);
  ctx.print(`key ID       ${pair.keyId}`);
}

/** `keyward keygen`. */
export const keygenCommand: Command = { name: 'keygen', summary: 'create a key pair: PREFIX.pem and PREFIX.pub.pem', usage: USAGE, run };
