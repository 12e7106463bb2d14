/** `keyward decrypt`: open FILE.keyward with one's own key, or with a recovery blob and one's new key (spec §3–§5). */
import { RECOVERY_FORMAT, type Unlock } from '../../core/index.ts';
import { loadBlob } from '../blob-files.ts';
import { loadPrivateKey } from '../key-files.ts';
import { type CliContext, type Command, argsOrHelp } from './command.ts';
import { printWritten, writePlaintext } from './write-plaintext.ts';

const SPEC = {
  positionals: ['FILE.keyward'],
  flags: {
    key: { type: 'string', required: true },
    recovery: { type: 'string' },
    out: { type: 'string' },
    force: { type: 'boolean' },
  },
} as const;

const USAGE = `Usage: keyward decrypt FILE.keyward --key KEY.pem [--recovery RECOVERY.json] [--out PATH] [--force]

Decrypts a file with your private key, or with a recovery blob from your
backup authority and the new key it was issued for.

Options:
  --key PATH            your private key: PKCS#8, PKCS#1, encrypted PKCS#8 PEM, or JWK
                        (an encrypted key takes KEYWARD_PASSPHRASE, else asks on the terminal)
  --recovery PATH       a recovery blob (keyward-recovery/1) issued for --key
  --out PATH            where to save the plaintext (default: the file's original
                        name, next to FILE.keyward; see "Without --out" below)
  --force               replace an existing --out file (it keeps its permissions)

Without --out, the name stored in the file is used, cleaned: control, bidi and
zero-width characters removed, / and \\ made _, and leading dots, dashes and
spaces removed (so never a path, a hidden file or an option). If nothing is
left, FILE without .keyward (cleaned the same way), else "decrypted". A stored
name never replaces an existing file, even with --force: OUTPUT_EXISTS, and
--out chooses the path instead.

The output appears only after every chunk verified and the size matched.
`;

async function run(argv: readonly string[], ctx: CliContext): Promise<void> {
  const args = argsOrHelp(SPEC, argv, USAGE, ctx);
  if (!args) return;
  const { key: keyPath, recovery, out, force } = args.flags;
  const inputPath = args.positionals['FILE.keyward'];
  let how = '';
  const written = await writePlaintext(ctx, {
    inputPath,
    out,
    force,
    unlock: async (): Promise<Unlock> => {
      const key = await loadPrivateKey(keyPath, '--key', ctx.env);
      if (recovery === undefined) return { keys: [key] };
      how = `recovery blob ${recovery}, key ${key.keyId}`;
      return { blob: await loadBlob(recovery, '--recovery', RECOVERY_FORMAT), key };
    },
  });
  const stanza = written.opened.stanza;
  printWritten(ctx, inputPath, written, stanza ? `${stanza.role} key ${stanza.keyId}` : how);
}

/** `keyward decrypt`. */
export const decryptCommand: Command = { name: 'decrypt', summary: 'decrypt a file with your key (or a recovery blob)', usage: USAGE, run };
