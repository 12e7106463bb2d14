/**
 * `keyward verify`: who wrote a `.keyward` file, checked without any private
 * key (keyward-v2.md §3.4, "Verifying without a private key"): the header,
 * the signer, the digest of every stored chunk and the signature. With
 * `--council`, a council's drill report instead (§8.5): who signed it, and
 * whether the drill passed.
 */
import { KeywardError, drillPassed, escapeUnsafeChars, parseDrillReport, verifyDrillReport, verifySource } from '../../core/index.ts';
import { readBlobText } from '../blob-files.ts';
import { usageError, withContext } from '../errors.ts';
import { loadCouncilFile, loadPublicKeyFile, needIdentity } from '../key-files.ts';
import { nodeChunkCrypto } from '../node-chunk-crypto.ts';
import { READ_SIZE, openInput } from '../node-io.ts';
import { type CliContext, type Command, argsOrHelp } from './command.ts';
import { resultError } from './drill.ts';

const SPEC = {
  positionals: ['FILE.keyward'],
  flags: {
    signer: { type: 'string' },
    council: { type: 'string' },
  },
} as const;

const USAGE = `Usage: keyward verify FILE.keyward [--signer OWNER.pub.pem]
       keyward verify keyward-drill.json --council COUNCIL.json

Checks who wrote a file and that not a byte of it changed since it was signed,
without decrypting it and without any private key. On success prints one line,
"signed by IDENTITY-ID  FILE.keyward  (serial SERIAL)", and exits 0.

Options:
  --signer PATH   the public identity the file must be signed by (keyward keygen's
                  NAME.pub.pem): any other signer is SIGNER_UNTRUSTED, and so is
                  an unsigned (format 1) file. Without it, the file's own signer is
                  checked and printed: confirm that identity ID before trusting it.

A file signed by the expected identity but changed since is SIGNATURE_INVALID.
Without --signer, a format 1 file prints "unsigned (v1)  FILE.keyward" and exits 0:
there is nothing to check.

With --council, checks a drill report (keyward drill --report-out) against the
council's file: it must be signed by at least K distinct members of that
council, each at their place (SIGNER_UNTRUSTED, QUORUM_NOT_MET,
SIGNATURE_INVALID). Prints who ran the drill and one line per blob, and exits
0 only if the report verifies and every blob was GOOD; a report that verifies
but records a failure exits 1 with that blob's code.
`;

async function run(argv: readonly string[], ctx: CliContext): Promise<void> {
  const args = argsOrHelp(SPEC, argv, USAGE, ctx);
  if (!args) return;
  const path = args.positionals['FILE.keyward'];
  if (args.flags.council !== undefined) {
    if (args.flags.signer !== undefined) throw usageError('--signer is for files; a drill report is checked against --council', USAGE);
    await verifyReport(path, args.flags.council, ctx);
    return;
  }
  const signerPath = args.flags.signer;
  const expected =
    signerPath === undefined ? undefined : needIdentity(await loadPublicKeyFile(signerPath, '--signer'), '--signer', signerPath, 'cannot sign, so nothing is signed by one');

  const input = await openInput(path);
  try {
    const source = input.source();
    if (!source) throw new KeywardError('IO_ERROR', { path, action: 'read', reason: 'verify reads a regular file, not a pipe' });
    // §3.4: a reader told whom to expect refuses a v1 file (SIGNER_UNTRUSTED); one not told reports it.
    const result = await verifySource(source, { chunkCrypto: nodeChunkCrypto, ...(expected ? { expectSigner: expected.id } : {}) }, { pieceBytes: READ_SIZE });
    ctx.print(result.signer ? `signed by ${result.signer.id}  ${path}  (serial ${result.serial})` : `unsigned (v1)  ${path}  (serial ${result.serial})`);
  } catch (error) {
    throw withContext(error, path);
  } finally {
    await input.close().catch(() => undefined);
  }
}

/** §8.5: a drill report, checked against the council's descriptor. */
async function verifyReport(path: string, councilPath: string, ctx: CliContext): Promise<void> {
  const council = await loadCouncilFile(councilPath, '--council');
  try {
    const report = parseDrillReport(await readBlobText(path));
    await verifyDrillReport(report, council);
    const who = report.members.map((m) => `${m.index} (${m.id})`).join(', ');
    ctx.print(`drill report  ${path}  signed by members ${who} of council ${council.id} (${council.threshold} needed), ${report.createdAt}`);
    let failed: KeywardError | undefined;
    for (const entry of report.results) {
      const what = entry.serial === '' ? `blob ${entry.blob}` : `file ${entry.serial}`;
      ctx.print(escapeUnsafeChars(`${entry.result} ${what}`));
      failed ??= entry.result === 'GOOD' ? undefined : resultError(entry.result);
    }
    ctx.print(`drill         ${drillPassed(report) ? 'PASSED' : 'FAILED'}: ${report.results.filter((r) => r.result === 'GOOD').length} of ${report.results.length} blobs GOOD`);
    if (failed) throw failed;
  } catch (error) {
    throw withContext(error, path);
  }
}

/** `keyward verify`. */
export const verifyCommand: Command = { name: 'verify', summary: 'check who signed a file, without any private key', usage: USAGE, run };
