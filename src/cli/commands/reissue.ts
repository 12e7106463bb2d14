/**
 * `keyward reissue`: the backup authority turns an escrow blob into a
 * recovery blob for the owner's new key: a v1 one for a v1 blob (spec v1 §5),
 * a signed v2 one for a v2 blob, issued only after the blob passed every
 * check of keyward-v2.md §4 (§6); for a council's blob and a member's key, a
 * partial recovery blob (§8.4), issued only after the member's check (§8.3).
 */
import { KeywardError, issuePartialRecovery, issueRecoveryBlob, issueRecoveryV2, serializeBlob, serializeSigned } from '../../core/index.ts';
import { AtomicFile } from '../atomic-file.ts';
import { loadEscrowBlob } from '../blob-files.ts';
import { outputExists, withContext } from '../errors.ts';
import { loadPrivateKeyFile, loadPublicKeyFile, needIdentity } from '../key-files.ts';
import { pathExists } from '../node-io.ts';
import { type CliContext, type Command, argsOrHelp } from './command.ts';

const SPEC = {
  positionals: ['ESCROW.json'],
  flags: {
    'authority-key': { type: 'string', required: true },
    to: { type: 'string', required: true },
    'owner-name': { type: 'string' },
    out: { type: 'string', required: true },
    force: { type: 'boolean' },
  },
} as const;

const USAGE = `Usage: keyward reissue ESCROW.json --authority-key AUTH.pem --to NEW.pub.pem [--owner-name TEXT] --out RECOVERY.json [--force]

For the backup authority: opens an escrow blob with the authority's private
key and wraps the file key again for the owner's new public key. The owner
then runs "keyward decrypt FILE.keyward --key NEW.pem --recovery RECOVERY.json"
(with --trust AUTH.pub.pem for a signed one); the authority never needs the
encrypted file.

A format 2 escrow blob is first checked as "keyward escrow check" does, and the
recovery blob is signed by the authority's identity and names the new owner's
identity (--to must be an identity). A format 1 blob gives a format 1
(unsigned) recovery blob, as before.

For a council's escrow blob, AUTH.pem is one member's private identity: the
blob is checked as "keyward escrow check" does with that key, and the result
is a partial recovery blob, signed by the member, that carries only that
member's share, wrapped for the new key. It opens nothing alone: the owner
needs partials from as many distinct members as the council's threshold
("keyward decrypt ... --recovery P1.json --recovery P2.json --trust COUNCIL.json").

Options:
  --authority-key PATH   the authority's private identity or key (any format "decrypt --key" takes),
                         or a council member's private identity
  --to PATH              the owner's new public identity (or, for a format 1 blob, public key)
  --owner-name TEXT      the owner's name in the recovery blob (default: the escrow blob's)
  --out PATH             the recovery blob to write (required)
  --force                replace an existing file
`;

async function run(argv: readonly string[], ctx: CliContext): Promise<void> {
  const args = argsOrHelp(SPEC, argv, USAGE, ctx);
  if (!args) return;
  const { to, out, force } = args.flags;
  const keyPath = args.flags['authority-key'];
  const escrowPath = args.positionals['ESCROW.json'];
  if (!force && (await pathExists(out))) throw outputExists(out);

  const escrow = await loadEscrowBlob(escrowPath, '');
  const newOwner = await loadPublicKeyFile(to, '--to');
  const authority = await loadPrivateKeyFile(keyPath, '--authority-key', ctx.env);
  const ownerName = args.flags['owner-name'];
  const named = ownerName === undefined ? {} : { ownerName };
  let text: string;
  let what = 'recovery';
  const lines: string[] = [];
  if (escrow.version === 1) {
    const recovery = await issueRecoveryBlob(escrow.blob, authority.key, { newOwner: newOwner.key, ...named });
    text = serializeBlob(recovery);
    lines.push(`serial      ${recovery.serial}`, `file ID     ${recovery.fileId}`, `new owner   ${recovery.owner.keyId}`, 'signed by   nobody: unsigned (v1) recovery blob');
  } else {
    // §4 check 7 names the authority's identity: a v1 key is never the authority of a v2 blob.
    if (!authority.identity) throw withContext(new KeywardError('NO_MATCHING_KEY', { keyIds: [escrow.blob.authority.id] }), `--authority-key ${keyPath}`);
    const owner = needIdentity(newOwner, '--to', to, 'cannot be named in a signed recovery blob');
    const council = escrow.blob.authority.kind === 'council' ? escrow.blob.authority : undefined;
    const issuerName = authority.name === undefined ? {} : { name: authority.name };
    try {
      if (council) {
        // §8.4: issued only from a blob the member's check (§8.3 checks 1–8) passes; the core runs it first.
        const partial = await issuePartialRecovery(escrow.blob, authority.identity, { newOwner: owner, ...named, ...issuerName });
        text = serializeSigned(partial);
        const { issuer } = partial;
        what = 'partial ';
        lines.push(
          `serial      ${partial.serial}`,
          `file ID     ${partial.fileId}`,
          `new owner   ${partial.owner.id}`,
          `signed by   ${issuer.id}, member ${issuer.index} of council ${issuer.council}`,
          `quorum      the owner needs partials from ${council.threshold} distinct members of the ${council.members.length}; this is one`,
        );
      } else {
        // §6: issued only from a good blob: issueRecoveryV2 runs all eight checks of §4 first.
        const recovery = await issueRecoveryV2(escrow.blob, authority.identity, { newOwner: owner, ...named, ...issuerName });
        text = serializeSigned(recovery);
        lines.push(`serial      ${recovery.serial}`, `file ID     ${recovery.fileId}`, `new owner   ${recovery.owner.id}`, `signed by   ${recovery.issuer.id}`);
      }
    } catch (error) {
      throw withContext(error, escrowPath);
    }
  }

  await AtomicFile.writeText(out, text, { force });
  ctx.print(`${what}    ${out}  (give it to the owner with the encrypted file)`);
  for (const line of lines) ctx.print(line);
}

/** `keyward reissue`. */
export const reissueCommand: Command = {
  name: 'reissue',
  summary: "authority: issue a recovery blob for the owner's new key",
  usage: USAGE,
  run,
};
