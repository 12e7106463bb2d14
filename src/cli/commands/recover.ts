/**
 * `keyward recover`: the backup authority opens FILE.keyward with the escrow
 * blob and its own key (spec v1 §5). A v2 blob is checked fully first
 * (keyward-v2.md §4), and the file must be signed by the blob's owner. A
 * council's blob needs k or more members' keys together, a ceremony (§8.3,
 * §8.4 "Recovery by decryption").
 */
import { KeywardError, type PrivateIdentity, type Unlock } from '../../core/index.ts';
import { loadEscrowBlob } from '../blob-files.ts';
import { usageError, withContext } from '../errors.ts';
import { type PrivateKeyFile, loadPrivateKeyFile } from '../key-files.ts';
import { type CliContext, type Command, argsOrHelp } from './command.ts';
import { printWritten, writePlaintext } from './write-plaintext.ts';

const SPEC = {
  positionals: ['FILE.keyward'],
  flags: {
    escrow: { type: 'string', required: true },
    'authority-key': { type: 'list', required: true },
    out: { type: 'string' },
    force: { type: 'boolean' },
  },
} as const;

const USAGE = `Usage: keyward recover FILE.keyward --escrow ESCROW.json --authority-key AUTH.pem
        [--authority-key KEY2.pem ...] [--out PATH] [--force]

For the backup authority: decrypts a file with its escrow blob and the
authority's private key. (To let the owner decrypt it instead, without ever
seeing the file, use "keyward reissue".)

For a council's blob, a ceremony: give the private identities of at least as
many distinct members as the council's threshold, one --authority-key each
(an encrypted one takes KEYWARD_PASSPHRASE, else asks on the terminal, once
per file). Every K of their shares must combine to the key that opens the
file (else ESCROW_INVALID); fewer members is QUORUM_NOT_MET, and a key that
is not a member's is NO_MATCHING_KEY. Nothing is written unless the file
opens and its owner's signature verifies.

Options:
  --escrow PATH          the file's escrow blob; a signed one (keyward-escrow/2) is first
                         checked as "keyward escrow check" does, and the file must then
                         be signed by the blob's owner
  --authority-key PATH   the authority's private identity or key (any format "decrypt --key" takes);
                         for a council, once per member
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
  const keyPaths = args.flags['authority-key'];
  const inputPath = args.positionals['FILE.keyward'];
  let keyId = '';
  let how = '';
  const written = await writePlaintext(ctx, {
    inputPath,
    out,
    force,
    unlock: async (): Promise<{ unlock: Unlock; expectSigner?: string }> => {
      const escrowBlob = await loadEscrowBlob(escrow, '--escrow');
      const council = escrowBlob.version === 2 && escrowBlob.blob.authority.kind === 'council';
      if (!council && keyPaths.length > 1) throw usageError('this blob is escrowed to one authority: give one --authority-key (several are for a council)', USAGE);
      // One prompt per encrypted key file, naming it.
      const files: PrivateKeyFile[] = [];
      for (const path of keyPaths) files.push(await loadPrivateKeyFile(path, '--authority-key', ctx.env));
      const [file] = files;
      const keyPath = keyPaths[0] ?? '';
      if (!file) throw usageError('missing --authority-key', USAGE);
      keyId = file.key.keyId;
      if (escrowBlob.version === 1) return { unlock: { blob: escrowBlob.blob, key: file.key } };
      const { blob } = escrowBlob;
      if (council) {
        // §8.1: members are identities; a v1 key is never one.
        const members: PrivateIdentity[] = [];
        files.forEach((f, i) => {
          if (!f.identity) throw withContext(new KeywardError('NO_MATCHING_KEY', { keyIds: [blob.authority.id], reason: 'a v1 key is not a council member' }), `--authority-key ${keyPaths[i] ?? ''}`);
          members.push(f.identity);
        });
        how = `escrow blob ${escrow}, council ${blob.authority.id}, member keys ${members.map((m) => m.id).join(', ')}`;
        // The core checks the blob with every member present (§8.3: quorum, every k-subset combines), requires the
        // file to be the one the blob names (its prefix byte for byte) and checks the file's signature to its end.
        return { unlock: { escrow: blob, members }, expectSigner: blob.owner.id };
      }
      // §4 check 7 names the authority's identity: a v1 key is never the authority of a v2 blob.
      const authority = file.identity;
      if (!authority) throw withContext(new KeywardError('NO_MATCHING_KEY', { keyIds: [blob.authority.id] }), `--authority-key ${keyPath}`);
      // The core runs all eight checks of §4 first, then requires the file to be the one the blob names (its
      // prefix byte for byte, so its signer is the blob's owner) and checks the file's signature to its end.
      return { unlock: { escrow: blob, authority }, expectSigner: blob.owner.id };
    },
  });
  printWritten(ctx, inputPath, written, how || `escrow blob ${escrow}, authority key ${keyId}`);
}

/** `keyward recover`. */
export const recoverCommand: Command = { name: 'recover', summary: 'authority: decrypt a file with its escrow blob', usage: USAGE, run };
