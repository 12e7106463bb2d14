/** `keyward reissue`: the backup authority turns an escrow blob into a recovery blob for the owner's new key (spec §5). */
import { ESCROW_FORMAT, issueRecoveryBlob, serializeBlob } from '../../core/index.ts';
import { AtomicFile } from '../atomic-file.ts';
import { loadBlob } from '../blob-files.ts';
import { outputExists } from '../errors.ts';
import { loadPrivateKey, loadPublicKey } from '../key-files.ts';
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
then runs "keyward decrypt FILE.keyward --key NEW.pem --recovery RECOVERY.json";
the authority never needs the encrypted file.

Options:
  --authority-key PATH   the authority's private key (any format "decrypt --key" takes)
  --to PATH              the owner's new public key (SPKI or PKCS#1 PEM, or JWK)
  --owner-name TEXT      the owner's name in the recovery blob (default: the escrow blob's)
  --out PATH             the recovery blob to write (required)
  --force                replace an existing file
`;

async function run(argv: readonly string[], ctx: CliContext): Promise<void> {
  const args = argsOrHelp(SPEC, argv, USAGE, ctx);
  if (!args) return;
  const { to, out, force } = args.flags;
  const escrowPath = args.positionals['ESCROW.json'];
  if (!force && (await pathExists(out))) throw outputExists(out);

  const escrowBlob = await loadBlob(escrowPath, '', ESCROW_FORMAT);
  const newOwner = await loadPublicKey(to, '--to');
  const authority = await loadPrivateKey(args.flags['authority-key'], '--authority-key', ctx.env);
  const ownerName = args.flags['owner-name'];
  const recovery = await issueRecoveryBlob(escrowBlob, authority, { newOwner, ...(ownerName === undefined ? {} : { ownerName }) });

  const file = await AtomicFile.create(out, { force });
  try {
    file.write(Buffer.from(serializeBlob(recovery), 'utf8'));
    await file.commit();
  } catch (error) {
    await file.discard();
    throw error;
  }
  ctx.print(`recovery    ${out}  (give it to the owner with the encrypted file)`);
  ctx.print(`serial      ${recovery.serial}`);
  ctx.print(`file ID     ${recovery.fileId}`);
  ctx.print(`new owner   ${recovery.owner.keyId}`);
}

/** `keyward reissue`. */
export const reissueCommand: Command = {
  name: 'reissue',
  summary: "authority: issue a recovery blob for the owner's new key",
  usage: USAGE,
  run,
};
