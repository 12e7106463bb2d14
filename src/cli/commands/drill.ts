/**
 * `keyward drill`: k or more council members prove, on a sample of escrow
 * blobs, that their shares combine to a key that opens each file's header
 * (keyward-v2.md §8.5, §8.3 "with k or more member keys together"), without
 * any file and without decrypting any payload; the result is a report signed
 * by every member who took part.
 */
import {
  type Bytes,
  type Council,
  ERROR_CODES,
  type ErrorCode,
  type PrivateIdentity,
  KeywardError,
  escapeUnsafeChars,
  drillPassed,
  runDrill,
  serializeSigned,
} from '../../core/index.ts';
import { AtomicFile } from '../atomic-file.ts';
import { readBlobBytes } from '../blob-files.ts';
import { outputExists, usageError, withContext } from '../errors.ts';
import { loadCouncilFile, loadPrivateKeyFile } from '../key-files.ts';
import { pathExists } from '../node-io.ts';
import { sampleInOrder } from '../sample.ts';
import { type CliContext, type Command, argsOrHelp } from './command.ts';

const SPEC = {
  positionals: ['BLOB.json'],
  variadic: true,
  flags: {
    'authority-key': { type: 'list', required: true },
    council: { type: 'string' },
    sample: { type: 'string' },
    'report-out': { type: 'string' },
    force: { type: 'boolean' },
  },
} as const;

const USAGE = `Usage: keyward drill BLOB.json... --authority-key KEY.pem --authority-key KEY2.pem ...
        [--council COUNCIL.json] [--sample N] [--report-out REPORT.json] [--force]

A recovery drill for a council, run together by at least as many members as
its threshold (one --authority-key each): for each escrow blob, checks the
owner's signature and the file it names, unwraps every present member's share
and proves that every K of them combine to the key that opens the file's
header. No encrypted file is needed and no payload is decrypted. This is the
only check that proves a council blob's shares combine: one member's
"keyward escrow check" cannot.

Prints one line per blob on stdout, in the order given:
  GOOD file SERIAL  BLOB.json
  CODE: BLOB.json: what is wrong with it
then a summary line. Exits 0 only if every blob is GOOD; otherwise 1, with the
first failing blob's "CODE: sentence" as the first line on stderr. A key that
is not a member's (NO_MATCHING_KEY), or fewer members than the threshold
(QUORUM_NOT_MET), stops the drill before any blob is checked: no report.

Options:
  --authority-key PATH   a member's private identity, once per member taking part (an
                         encrypted one takes KEYWARD_PASSPHRASE, else asks on the terminal,
                         once per file)
  --council PATH         the council to drill (COUNCIL.json); a blob for any other council is
                         NO_MATCHING_KEY (default: the council of the first blob given whose
                         council has every key given as a member)
  --sample N             drill N of the blobs given, picked at random (a cryptographic random
                         choice, so nobody can predict which); all of them if N is larger
  --report-out PATH      write the drill report (keyward-drill.json, format keyward-drill/2),
                         signed by every member taking part. It is written when the drill
                         fails too, as evidence of what failed; the exit status still says
                         whether it passed
  --force                replace an existing report
`;

/** `--sample N`: a whole number, 1 or more. */
function parseSample(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = /^\d{1,9}$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= 1)) throw usageError(`--sample must be a whole number of blobs, 1 or more, not ${JSON.stringify(value)}`, USAGE);
  return n;
}

/** The code of a result, as a KeywardError (its one sentence); `INTERNAL` for anything not a code. */
export function resultError(result: string): KeywardError {
  const code = (ERROR_CODES as readonly string[]).includes(result) ? (result as ErrorCode) : 'INTERNAL';
  return new KeywardError(code);
}

async function run(argv: readonly string[], ctx: CliContext): Promise<void> {
  const args = argsOrHelp(SPEC, argv, USAGE, ctx);
  if (!args) return;
  const given = [args.positionals['BLOB.json'], ...args.more];
  const sample = parseSample(args.flags.sample);
  const reportPath = args.flags['report-out'];
  const { force } = args.flags;
  // Refuse before any work, and before any passphrase.
  if (reportPath !== undefined && !force && (await pathExists(reportPath))) throw outputExists(reportPath);

  const councilPath = args.flags.council;
  const council: Council | undefined = councilPath === undefined ? undefined : await loadCouncilFile(councilPath, '--council');
  const paths = sample === undefined ? given : sampleInOrder(given, sample);
  // Every blob is read before any key is asked for: a wrong path fails at once.
  const blobs: { bytes: Bytes }[] = [];
  for (const path of paths) {
    try {
      blobs.push({ bytes: await readBlobBytes(path) });
    } catch (error) {
      throw withContext(error, path);
    }
  }
  // One prompt per encrypted key file, naming it.
  const members: PrivateIdentity[] = [];
  for (const path of args.flags['authority-key']) {
    const file = await loadPrivateKeyFile(path, '--authority-key', ctx.env);
    // §8.1: members are identities; a v1 key is never one (§8.5: a key that is not a member's stops the drill).
    if (!file.identity) throw withContext(new KeywardError('NO_MATCHING_KEY', { reason: 'a v1 key is not a council member' }), `--authority-key ${path}`);
    members.push(file.identity);
  }

  const report = await runDrill(blobs, members, council === undefined ? {} : { council });
  if (reportPath !== undefined) await AtomicFile.writeText(reportPath, serializeSigned(report), { force });

  let firstFailure: KeywardError | undefined;
  report.results.forEach((result, i) => {
    const path = paths[i] ?? '';
    if (result.result === 'GOOD') {
      ctx.print(escapeUnsafeChars(`GOOD file ${result.serial}  ${path}`));
      return;
    }
    const error = resultError(result.result);
    ctx.print(escapeUnsafeChars(`${result.result}: ${path}: ${error.message}`));
    if (!firstFailure) firstFailure = withContext(error, path) as KeywardError;
  });
  const good = report.results.filter((r) => r.result === 'GOOD').length;
  const passed = drillPassed(report);
  const who = `members ${report.members.map((m) => m.index).join(', ')} of council ${report.council.id} (${report.council.threshold} needed)`;
  ctx.print(`drill       ${passed ? 'PASSED' : 'FAILED'}: ${good} of ${report.results.length} blobs GOOD${sample === undefined ? '' : ` (a random sample of ${paths.length} of the ${given.length} given)`}, ${who}`);
  if (reportPath !== undefined) ctx.print(`report      ${reportPath}  (signed by the ${report.members.length} members; keep it as evidence)`);
  if (firstFailure) throw firstFailure;
  // drillPassed also needs at least one result; a run with blobs always has one per blob.
  if (!passed) throw new KeywardError('INTERNAL', { reason: 'the drill report has no result' });
}

/** `keyward drill`. */
export const drillCommand: Command = {
  name: 'drill',
  summary: 'council: k members prove their shares open each blob, signed report',
  usage: USAGE,
  run,
};
