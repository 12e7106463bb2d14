/** `keyward recover`: the backup authority opens FILE.keyward with the escrow blob and its own key (spec §5). */
import { ESCROW_FORMAT } from '../../core/index.ts';
import { loadBlob } from '../blob-files.ts';
import { loadPrivateKey } from '../key-files.ts';
import { type CliContext, type Command, argsOrHelp } from './command.ts';
import { printWritten, writePlaintext } from './write-plaintext.ts';

const SPEC = {
  positionals: ['FILE.keyward'],
  flags: {
    escrow: { type: 'string', required: true },
    'authority-key': { type: 'string', required: true },
    out: { type: 'string' },
    force: { type: 'boolean' },
  },
} as const;

const USAGE = `Usage: keyward recover FILE.keyward --escrow ESCROW.json --authority-key AUTH.pem [--out PATH] [--force]

For the backup authority: decrypts a file with its escrow blob and the
authority's private key. (To let the owner decrypt it instead, without ever
seeing the file, use "keyward reissue".)

Options:
  --escrow PATH          the file's escrow blob (keyward-escrow/1)
  --authority-key PATH   the authority's private key (any format "decrypt --key" takes)
  --out PATH             where to save the plaintext (default: the file's original
                         name next to FILE.keyward, cleaned, as for decrypt; it
                         never replaces an existing file)
  --force                replace an existing --out file (it keeps its permissions)

The output appears only after every chunk verified and the size matched.
`;

async function run(argv: readonly string[], ctx: CliContext): Promise<void> {
  const args = argsOrHelp(SPEC, argv, USAGE, ctx);
  if (!args) return;
  const { escrow, out, force } = args.flags;
  const keyPath = args.flags['authority-key'];
  const inputPath = args.positionals['FILE.keyward'];
  let keyId = '';
  const written = await writePlaintext(ctx, {
    inputPath,
    out,
    force,
    unlock: async () => {
      const blob = await loadBlob(escrow, '--escrow', ESCROW_FORMAT);
      const key = await loadPrivateKey(keyPath, '--authority-key', ctx.env);
      keyId = key.keyId;
      return { blob, key };
    },
  });
  printWritten(ctx, inputPath, written, `escrow blob ${escrow}, authority key ${keyId}`);
}

/** `keyward recover`. */
export const recoverCommand: Command = { name: 'recover', summary: 'authority: decrypt a file with its escrow blob', usage: USAGE, run };
