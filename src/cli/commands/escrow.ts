/**
 * `keyward escrow check`: the backup authority checks escrow blobs on
 * receipt (keyward-v2.md §4, checks 1–8 in order) and answers each good one
 * with a signed receipt (§5). A v1 blob cannot be checked against its file,
 * so it fails the run (`SIGNER_UNTRUSTED`: not signed at all) unless
 * `--accept-v1` says the authority takes such blobs on their MAC check alone.
 */
import { stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import {
  type PrivateIdentity,
  type PrivateKeyInfo,
  KeywardError,
  checkEscrowBlob,
  escapeUnsafeChars,
  isKeywardError,
  issueReceipt,
  openBlob,
  serializeSigned,
} from '../../core/index.ts';
import { AtomicFile } from '../atomic-file.ts';
import { loadEscrowBlob } from '../blob-files.ts';
import { outputExists, usageError, withContext } from '../errors.ts';
import { loadPrivateKeyFile, loadPublicKeyFile, needIdentity } from '../key-files.ts';
import { pathExists } from '../node-io.ts';
import { type CliContext, type Command, argsOrHelp } from './command.ts';

const SPEC = {
  positionals: ['check', 'BLOB.json'],
  variadic: true,
  flags: {
    'authority-key': { type: 'string', required: true },
    'receipt-out': { type: 'string' },
    'accept-v1': { type: 'boolean' },
    owner: { type: 'string' },
    force: { type: 'boolean' },
  },
} as const;

const USAGE = `Usage: keyward escrow check BLOB.json... --authority-key AUTH.pem [--owner OWNER.pub.pem] [--receipt-out DIR] [--accept-v1] [--force]

For the backup authority, when escrow blobs arrive: checks that each blob
really opens the file its owner signed (format 2: the owner's signature, the
file's header and signature, and the wrapped key against the header's MAC),
so a forged, swapped or evading blob is caught now, not on the day of recovery.
Prints one line per blob on stdout, in the order given:
  GOOD file SERIAL from OWNER-ID  BLOB.json
  CODE: BLOB.json: what is wrong with it
  unsigned (v1) file SERIAL from OWNER-KEY-ID  BLOB.json  (with --accept-v1)
Exits 0 only if every blob is GOOD; otherwise 1, with the first failure's
"CODE: sentence" as the first line on stderr. A format 1 blob is unsigned and
cannot be checked against its file, so it is a failure (SIGNER_UNTRUSTED)
unless --accept-v1 is given; then its MAC is checked and its line says
"unsigned (v1)".

Options:
  --authority-key PATH   the authority's private identity (a v1 key checks v1 blobs only;
                         an encrypted one takes KEYWARD_PASSPHRASE, else asks on the terminal)
  --receipt-out DIR      write a receipt signed by the authority's identity for each GOOD
                         blob: DIR/NAME.keyward-receipt.json for NAME.keyward-escrow.json;
                         give it back to the owner
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
  key: PrivateKeyInfo;
  identity: PrivateIdentity | null;
  /** `--owner`: the identity ID every blob must be signed by. */
  expectOwner: string | undefined;
  /** The key file's `Name:` line: the name in receipts (default: the blob's name for the authority). */
  name: string | undefined;
}

/** One blob's line; throws its failure. */
async function checkOne(path: string, authority: Authority, receiptDir: string | undefined, force: boolean, acceptV1: boolean): Promise<string> {
  const escrow = await loadEscrowBlob(path, '');
  if (escrow.version === 1) {
    const { blob } = await openBlob(escrow.blob, authority.key);
    if (!acceptV1) throw new KeywardError('SIGNER_UNTRUSTED', { reason: 'a format 1 blob is unsigned and cannot be checked against its file (its MAC did check; --accept-v1 takes it)' });
    return `unsigned (v1) file ${blob.serial} from ${blob.owner.keyId}  ${path}  (MAC checked; a v1 blob cannot be checked against its file)`;
  }
  // §4 check 7 needs the authority's identity ID: a v1 key is never the authority of a v2 blob.
  if (!authority.identity) throw new KeywardError('NO_MATCHING_KEY', { keyIds: [escrow.blob.authority.id] });
  const checked = await checkEscrowBlob(escrow.blob, authority.identity, authority.expectOwner === undefined ? {} : { expectOwner: authority.expectOwner });
  let line = `GOOD file ${checked.blob.serial} from ${checked.owner.id}  ${path}`;
  if (receiptDir !== undefined) {
    // §5: a receipt only for a blob that passed every check.
    const receipt = await issueReceipt(checked.blob, authority.identity, authority.name === undefined ? {} : { name: authority.name });
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
  const keyPath = args.flags['authority-key'];
  // A missing receipt folder is the command line's mistake, not every blob's.
  if (receiptDir !== undefined && !(await isDirectory(receiptDir))) throw new KeywardError('FILE_NOT_FOUND', { path: receiptDir, action: 'write' });
  const file = await loadPrivateKeyFile(keyPath, '--authority-key', ctx.env);
  const ownerPath = args.flags.owner;
  const owner = ownerPath === undefined ? undefined : needIdentity(await loadPublicKeyFile(ownerPath, '--owner'), '--owner', ownerPath, 'cannot sign, so no blob is signed by one');
  const authority: Authority = { key: file.key, identity: file.identity, name: file.name, expectOwner: owner?.id };

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
