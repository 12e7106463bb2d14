/**
 * `keyward escrow check`: the backup authority checks escrow blobs on
 * receipt (keyward-v2.md §4, checks 1–8 in order) and answers each good one
 * with a signed receipt (§5). A v1 blob cannot be checked against its file,
 * so it fails the run (`SIGNER_UNTRUSTED`: not signed at all) unless
 * `--accept-v1` says the authority takes such blobs on their MAC check alone.
 *
 * A council's blob (§8.3) is checked by one member (checks 1–8: the owner's
 * signature and that member's own share; the line says what only a drill
 * proves), or by k or more members together (every k of their shares
 * combine to the key that opens the file).
 */
import { stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import {
  type Council,
  type EscrowBlobV2,
  type PrivateIdentity,
  KeywardError,
  checkAnyEscrow,
  escapeUnsafeChars,
  isKeywardError,
  issueReceipt,
  openBlob,
  openWithMembers,
  serializeSigned,
} from '../../core/index.ts';
import { AtomicFile } from '../atomic-file.ts';
import { loadEscrowBlob } from '../blob-files.ts';
import { outputExists, usageError, withContext } from '../errors.ts';
import { type PrivateKeyFile, loadCouncilFile, loadPrivateKeyFile, loadPublicKeyFile, needIdentity } from '../key-files.ts';
import { pathExists } from '../node-io.ts';
import { type CliContext, type Command, argsOrHelp } from './command.ts';

const SPEC = {
  positionals: ['check', 'BLOB.json'],
  variadic: true,
  flags: {
    'authority-key': { type: 'list', required: true },
    council: { type: 'string' },
    'receipt-out': { type: 'string' },
    'accept-v1': { type: 'boolean' },
    owner: { type: 'string' },
    force: { type: 'boolean' },
  },
} as const;

const USAGE = `Usage: keyward escrow check BLOB.json... --authority-key AUTH.pem [--authority-key KEY2.pem ...]
        [--council COUNCIL.json] [--owner OWNER.pub.pem] [--receipt-out DIR] [--accept-v1] [--force]

For the backup authority, when escrow blobs arrive: checks that each blob
really opens the file its owner signed (format 2: the owner's signature, the
file's header and signature, and the wrapped key against the header's MAC),
so a forged, swapped or evading blob is caught now, not on the day of recovery.
Prints one line per blob on stdout, in the order given:
  GOOD file SERIAL from OWNER-ID  BLOB.json
  CODE: BLOB.json: what is wrong with it
  unsigned (v1) file SERIAL from OWNER-KEY-ID  BLOB.json  (with --accept-v1)
For a council's blob, checked with one member's key, the line goes on:
  ...  member I of council ID (K of N): your share is good; only a drill with
       K members (keyward drill) proves the shares combine to the file key
because one member can check the owner's signature and its own share, but
not the others' (an owner could sign a blob whose shares are random). For a
council of threshold 1 the one share is the key, and the check is complete.
With the keys of K or more members (--authority-key once each), every K of
their shares must combine to the key that opens the file, and the line says
so: that is the check a drill makes. Several keys of fewer than K distinct
members are QUORUM_NOT_MET.
Exits 0 only if every blob is GOOD; otherwise 1, with the first failure's
"CODE: sentence" as the first line on stderr. A format 1 blob is unsigned and
cannot be checked against its file, so it is a failure (SIGNER_UNTRUSTED)
unless --accept-v1 is given; then its MAC is checked and its line says
"unsigned (v1)".

Options:
  --authority-key PATH   the authority's private identity (a v1 key checks v1 blobs only;
                         an encrypted one takes KEYWARD_PASSPHRASE, else asks on the terminal,
                         once per file); for a council, a member's, or once per member
  --council PATH         the council the blobs must be escrowed to (COUNCIL.json): a blob for
                         any other council is SIGNER_UNTRUSTED
  --receipt-out DIR      write a receipt signed by the authority's identity (or the member's)
                         for each GOOD blob: DIR/NAME.keyward-receipt.json for
                         NAME.keyward-escrow.json; give it back to the owner (one
                         --authority-key only)
  --owner PATH           the owner's public identity: a blob signed by anyone else is
                         SIGNER_UNTRUSTED (format 2, check 4)
  --accept-v1            take format 1 blobs on their MAC check alone (they get no receipt)
  --force                replace existing receipts
`;

/** §5's name for the receipt of `NAME.keyward-escrow.json`. */
export function receiptNameFor(blobPath: string): string {
  const name = basename(blobPath);
  const stem = name.endsWith('.keyward-escrow.json') ? name.slice(0, -'.keyward-escrow.json'.length) : name.replace(/\.json$/i, '');
  return `${stem}.keyward-receipt.json`;
}

interface Authority {
  /** Every --authority-key, in order. */
  keys: PrivateKeyFile[];
  /** `--owner`: the identity ID every blob must be signed by. */
  expectOwner: string | undefined;
  /** `--council`: the council every council blob must be escrowed to. */
  expectCouncil: Council | undefined;
}

/** The options of a check, as the core takes them. */
function expectations(authority: Authority): { expectOwner?: string; expectCouncil?: string } {
  return {
    ...(authority.expectOwner === undefined ? {} : { expectOwner: authority.expectOwner }),
    ...(authority.expectCouncil === undefined ? {} : { expectCouncil: authority.expectCouncil.id }),
  };
}

/** Of several keys, the one a single authority's blob names, else the first (whose check then names the blob's). */
function keyFor(keys: readonly PrivateKeyFile[], matches: (file: PrivateKeyFile) => boolean): PrivateKeyFile {
  return keys.find(matches) ?? keys[0]!;
}

/** The share check's note for one member, k > 1: §8.3 says the checker says what only a drill proves. */
export function memberNote(index: number, council: { id: string; threshold: number; members: readonly unknown[] }): string {
  const of = `member ${index} of council ${council.id} (${council.threshold} of ${council.members.length})`;
  if (council.threshold === 1) return `${of}: your share alone is the file key, and it opens the file`;
  return `${of}: your share is good; only a drill with ${council.threshold} members (keyward drill) proves the shares combine to the file key`;
}

/** A council blob checked by several members together (§8.3, "with k or more member keys together"). */
async function checkTogether(blob: EscrowBlobV2, authority: Authority, path: string): Promise<string> {
  const members: PrivateIdentity[] = [];
  for (const file of authority.keys) {
    // A v1 key is never a council member (§8.1: members are identities).
    if (!file.identity) throw new KeywardError('NO_MATCHING_KEY', { keyIds: [blob.authority.id], reason: 'a v1 key is not a council member' });
    members.push(file.identity);
  }
  const { owner, council, present } = await openWithMembers(blob, members, expectations(authority));
  const who = `members ${present.join(', ')} of council ${council.id} (${council.threshold} of ${council.members.length})`;
  return `GOOD file ${blob.serial} from ${owner.id}  ${path}  ${who}: every ${council.threshold} of these shares combine to the key that opens the file`;
}

/** One blob's line; throws its failure. */
async function checkOne(path: string, authority: Authority, receiptDir: string | undefined, force: boolean, acceptV1: boolean): Promise<string> {
  const escrow = await loadEscrowBlob(path, '');
  if (escrow.version === 1) {
    const file = keyFor(authority.keys, (f) => f.key.keyId === escrow.blob.authority.keyId);
    const { blob } = await openBlob(escrow.blob, file.key);
    if (!acceptV1) throw new KeywardError('SIGNER_UNTRUSTED', { reason: 'a format 1 blob is unsigned and cannot be checked against its file (its MAC did check; --accept-v1 takes it)' });
    return `unsigned (v1) file ${blob.serial} from ${blob.owner.keyId}  ${path}  (MAC checked; a v1 blob cannot be checked against its file)`;
  }
  const { blob } = escrow;
  if (blob.authority.kind === 'council' && authority.keys.length > 1) return checkTogether(blob, authority, path);
  const file = keyFor(authority.keys, (f) => f.identity?.id === blob.authority.id);
  // §4 check 7 needs the authority's identity ID: a v1 key is never the authority of a v2 blob.
  if (!file.identity) throw new KeywardError('NO_MATCHING_KEY', { keyIds: [blob.authority.id] });
  const checked = await checkAnyEscrow(blob, file.identity, expectations(authority));
  // §8.3 check 7: told which council to expect, a blob for one identity is not for it.
  if (authority.expectCouncil !== undefined && !('index' in checked)) {
    throw new KeywardError('SIGNER_UNTRUSTED', { reason: 'the blob is escrowed to one identity, not to the --council given' });
  }
  let line = `GOOD file ${checked.blob.serial} from ${checked.owner.id}  ${path}`;
  if ('index' in checked) line += `  ${memberNote(checked.index, checked.council)}`;
  if (receiptDir !== undefined) {
    // §5, §8.3: a receipt only for a blob that passed every check this key can make.
    const receipt = await issueReceipt(checked.blob, file.identity, file.name === undefined ? {} : { name: file.name });
    const receiptPath = join(receiptDir, receiptNameFor(path));
    await writeReceipt(receiptPath, serializeSigned(receipt), force);
    line += `  receipt ${receiptPath}`;
  }
  return line;
}

async function writeReceipt(path: string, text: string, force: boolean): Promise<void> {
  if (!force && (await pathExists(path))) throw outputExists(path);
  await AtomicFile.writeText(path, text, { force });
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** `CODE: PATH: sentence (reason)`, one line: the blob's result when it failed. */
function failureLine(error: KeywardError, path: string): string {
  const { reason } = error.details;
  const extra = reason && !error.message.toLowerCase().includes(reason.toLowerCase()) ? ` (${reason})` : '';
  return escapeUnsafeChars(`${error.code}: ${path}: ${error.message}${extra}`);
}

async function run(argv: readonly string[], ctx: CliContext): Promise<void> {
  const args = argsOrHelp(SPEC, argv, USAGE, ctx);
  if (!args) return;
  if (args.positionals.check !== 'check') throw usageError(`unknown escrow command ${JSON.stringify(args.positionals.check)} (only "check")`, USAGE);
  const blobs = [args.positionals['BLOB.json'], ...args.more];
  const receiptDir = args.flags['receipt-out'];
  const { force } = args.flags;
  const keyPaths = args.flags['authority-key'];
  if (receiptDir !== undefined && keyPaths.length > 1) throw usageError('--receipt-out takes one --authority-key: a receipt is signed by one authority or member', USAGE);
  // A missing receipt folder is the command line's mistake, not every blob's.
  if (receiptDir !== undefined && !(await isDirectory(receiptDir))) throw new KeywardError('FILE_NOT_FOUND', { path: receiptDir, action: 'write' });
  const councilPath = args.flags.council;
  const expectCouncil = councilPath === undefined ? undefined : await loadCouncilFile(councilPath, '--council');
  const ownerPath = args.flags.owner;
  const owner = ownerPath === undefined ? undefined : needIdentity(await loadPublicKeyFile(ownerPath, '--owner'), '--owner', ownerPath, 'cannot sign, so no blob is signed by one');
  // One prompt per encrypted key file, naming it.
  const keys: PrivateKeyFile[] = [];
  for (const path of keyPaths) keys.push(await loadPrivateKeyFile(path, '--authority-key', ctx.env));
  const authority: Authority = { keys, expectOwner: owner?.id, expectCouncil };

  let firstFailure: KeywardError | undefined;
  for (const path of blobs) {
    try {
      ctx.print(await checkOne(path, authority, receiptDir, force, args.flags['accept-v1']));
    } catch (error) {
      // Anything but a blob's own failure (a bug, Ctrl-C) stops the run.
      if (!isKeywardError(error) || error.code === 'INTERRUPTED' || error.code === 'INTERNAL') throw error;
      ctx.print(failureLine(error, path));
      if (!firstFailure) {
        withContext(error, path);
        firstFailure = error;
      }
    }
  }
  if (firstFailure !== undefined) throw firstFailure;
}

/** `keyward escrow`. */
export const escrowCommand: Command = {
  name: 'escrow',
  summary: 'authority: check escrow blobs on receipt, and sign receipts',
  usage: USAGE,
  run,
};
