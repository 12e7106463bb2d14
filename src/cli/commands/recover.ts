/**
 * `keyward recover`: the backup authority opens FILE.keyward with the escrow
 * blob and its own key (spec v1 §5). A v2 blob is checked fully first
 * (keyward-v2.md §4), and the file must be signed by the blob's owner.
 */
import { KeywardError, type Unlock } from '../../core/index.ts';
import { loadEscrowBlob } from '../blob-files.ts';
import { withContext } from '../errors.ts';
import { loadPrivateKeyFile } from '../key-files.ts';
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
  --escrow PATH          the file's escrow blob; a signed one (keyward-escrow/2) is first
                         checked as "keyward escrow check" does, and the file must then
                         be signed by the blob's owner
  --authority-key PATH   the authority's private identity or key (any format "decrypt --key" takes)
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
    unlock: async (): Promise<{ unlock: Unlock; expectSigner?: string }> => {
      const escrowBlob = await loadEscrowBlob(escrow, '--escrow');
      const file = await loadPrivateKeyFile(keyPath, '--authority-key', ctx.env);
      keyId = file.key.keyId;
      if (escrowBlob.version === 1) return { unlock: { blob: escrowBlob.blob, key: file.key } };
      const { blob } = escrowBlob;
      // §4 check 7 names the authority's identity: a v1 key is never the authority of a v2 blob.
      const authority = file.identity;
      if (!authority) throw withContext(new KeywardError('NO_MATCHING_KEY', { keyIds: [blob.authority.id] }), `--authority-key ${keyPath}`);
      // The core runs all eight checks of §4 first, then requires the file to be the one the blob names (its
      // prefix byte for byte, so its signer is the blob's owner) and checks the file's signature to its end.
      return { unlock: { escrow: blob, authority }, expectSigner: blob.owner.id };
    },
  });
  printWritten(ctx, inputPath, written, `escrow blob ${escrow}, authority key ${keyId}`);
}

/** `keyward recover`. */
export const recoverCommand: Command = { name: 'recover', summary: 'authority: decrypt a file with its escrow blob', usage: USAGE, run };
