/**
 * `keyward`: dispatch to a command, and the error contract at the top. On
 * failure the first stderr line is `CODE: sentence` and the exit status is
 * 1 (2 for a usage error); a stack trace is shown only with KEYWARD_DEBUG=1.
 */
import { version } from '../../package.json';
import { type ErrorCode, SERVICE_ERROR_CODES, SPEC_ERROR_CODES } from '../core/index.ts';
import type { CliContext, Command } from './commands/command.ts';
import { auditCommand } from './commands/audit.ts';
import { councilCommand } from './commands/council.ts';
import { decryptCommand } from './commands/decrypt.ts';
import { drillCommand } from './commands/drill.ts';
import { encryptCommand } from './commands/encrypt.ts';
import { escrowCommand } from './commands/escrow.ts';
import { idCommand } from './commands/id.ts';
import { inspectCommand } from './commands/inspect.ts';
import { keygenCommand } from './commands/keygen.ts';
import { recoverCommand } from './commands/recover.ts';
import { reissueCommand } from './commands/reissue.ts';
import { serveCommand } from './commands/serve.ts';
import { serviceCommand } from './commands/service.ts';
import { verifyCommand } from './commands/verify.ts';
import { EXIT_OK, reportError, usageError } from './errors.ts';

/** The codes of where Keyward runs that the command line can give (the rest are the app's). */
/** The key codes the command line can give (the others concern keys stored in the app). */
const CLI_KEY_ERROR_CODES = [
  'KEY_UNREADABLE',
  'KEY_UNSUPPORTED',
  'KEY_NOT_PRIVATE',
  'KEY_NOT_PUBLIC',
  'PASSPHRASE_REQUIRED',
  'PASSPHRASE_WRONG',
  'PASSPHRASE_SHORT',
  'PASSPHRASE_MISMATCH',
] as const satisfies readonly ErrorCode[];

const CLI_ERROR_CODES = ['USAGE', 'FILE_NOT_FOUND', 'OUTPUT_EXISTS', 'IO_ERROR', 'NO_SPACE', 'INTERRUPTED', 'INTERNAL'] as const satisfies readonly ErrorCode[];

const COMMANDS: readonly Command[] = [
  keygenCommand,
  idCommand,
  councilCommand,
  encryptCommand,
  verifyCommand,
  decryptCommand,
  escrowCommand,
  recoverCommand,
  reissueCommand,
  drillCommand,
  inspectCommand,
  serveCommand,
  serviceCommand,
  auditCommand,
];

/** Wraps a list of codes to the width of a terminal. */
function codeLines(codes: readonly string[], indent: string): string {
  const lines: string[] = [];
  let line = '';
  for (const code of codes) {
    if (line && line.length + code.length + 2 > 78 - indent.length) {
      lines.push(`${indent}${line},`);
      line = '';
    }
    line = line ? `${line}, ${code}` : code;
  }
  lines.push(`${indent}${line}`);
  return lines.join('\n');
}

const MAIN_USAGE = `keyward ${version}: encrypt files and escrow each file key with a backup authority (Keyward v1 and v2)

Usage:
  keyward keygen --out NAME [--name TEXT] [--bits 3072|4096] [--passphrase] [--force]
  keyward id KEY.pem | COUNCIL.json
  keyward council create --member A.pub.pem --member B.pub.pem ... --threshold K --name TEXT
                  --out COUNCIL.json [--force]
  keyward encrypt FILE --owner OWNER.pub.pem [--sign OWNER.pem] --authority AUTH.pub.pem|COUNCIL.json [options]
  keyward verify FILE.keyward [--signer OWNER.pub.pem]
  keyward decrypt FILE.keyward --key KEY.pem [--recovery RECOVERY.json ... [--trust AUTH.pub.pem|COUNCIL.json]]
                  [--signer OWNER.pub.pem] [--out PATH] [--force]
  keyward escrow check ESCROW.json... --authority-key AUTH.pem [--authority-key KEY2.pem ...]
                  [--council COUNCIL.json] [--owner OWNER.pub.pem] [--receipt-out DIR] [--force]
  keyward recover FILE.keyward --escrow ESCROW.json --authority-key AUTH.pem [--authority-key KEY2.pem ...]
                  [--out PATH] [--force]
  keyward reissue ESCROW.json --authority-key AUTH.pem --to NEW.pub.pem [--owner-name TEXT]
                  --out RECOVERY.json [--force]
  keyward drill ESCROW.json... --authority-key KEY.pem --authority-key KEY2.pem ... [--council COUNCIL.json]
                  [--sample N] [--report-out REPORT.json] [--force]
  keyward inspect FILE.keyward | BLOB.json
  keyward serve [--port N] [--host ADDRESS] [--data DIR]      (DATABASE_URL: PostgreSQL)
  keyward service enrol --name TEXT [--data DIR]
  keyward audit verify FILE|URL
  keyward help [COMMAND] | keyward COMMAND --help | keyward --version

Every option that takes a key takes a v1 key (RSA) or an identity (keyward
keygen: RSA and Ed25519). A council (keyward council create: n members'
identities, k of whom together recover a file) goes where a command takes
COUNCIL.json; an option that takes one key refuses it (KEY_UNSUPPORTED).

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(9)}${c.summary}`).join('\n')}

Output files are written to a temporary file beside the destination (mode
0600) and renamed into place only when complete and verified. An existing file
is replaced only when --force is given for a path typed on the command line
(the file keeps its permissions); a name taken from inside an encrypted file
never replaces one. A run killed outright (kill -9, a power cut) leaves its
temporary file .NAME.keyward-partial-*; the next run writing into that folder
removes it once the process that made it is gone.

Environment:
  KEYWARD_PASSPHRASE   passphrase of encrypted private keys (else asked on a terminal)
  KEYWARD_DEBUG=1      print stack traces with errors

Exit status: 0 success, 1 failure, 2 usage error, 130 interrupted (143 SIGTERM, 129 SIGHUP).
On failure the first line on stderr is "CODE: what happened and what to do". Codes:
  file and blob formats (spec v1 §7, v2 §9):
${codeLines(SPEC_ERROR_CODES, '    ')}
  keys:
${codeLines(CLI_KEY_ERROR_CODES, '    ')}
  the command line:
${codeLines(CLI_ERROR_CODES, '    ')}
    (USAGE: bad arguments; FILE_NOT_FOUND: an input is missing; OUTPUT_EXISTS: an
    output exists and --force was not given for it; IO_ERROR: a file could not be read or
    written; NO_SPACE: the disk is full; INTERRUPTED: stopped by a signal or
    Ctrl-C; INTERNAL: a bug, please report it)
  the escrow service (serve, service, audit):
${codeLines(SERVICE_ERROR_CODES, '    ')}
`;

function helpFor(name: string | undefined): string {
  if (name === undefined) return MAIN_USAGE;
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) throw usageError(`unknown command ${JSON.stringify(name)}`, MAIN_USAGE);
  return command.usage;
}

async function dispatch(argv: readonly string[], ctx: CliContext): Promise<void> {
  const [first, ...rest] = argv;
  if (first === undefined) throw usageError('no command given', MAIN_USAGE);
  if (first === '--help' || first === '-h') {
    ctx.print(MAIN_USAGE);
    return;
  }
  if (first === 'help') {
    if (rest.length > 1) throw usageError('help takes at most one command name', MAIN_USAGE);
    const topic = rest[0];
    ctx.print(helpFor(topic === '--help' || topic === '-h' ? undefined : topic));
    return;
  }
  if (first === '--version' || first === '-V') {
    if (rest.length > 0) throw usageError(`unexpected argument after ${first}`, MAIN_USAGE);
    ctx.print(`keyward ${version} (formats keyward/v1 and keyward/v2)`);
    return;
  }
  const command = COMMANDS.find((c) => c.name === first);
  if (!command) throw usageError(`unknown command ${JSON.stringify(first)}`, MAIN_USAGE);
  await command.run(rest, ctx);
}

/** Where `run` writes. */
export interface RunIo {
  env: NodeJS.ProcessEnv;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/**
 * Runs `keyward` with the arguments after the program name.
 *
 * @returns the exit status (never throws)
 */
export async function run(argv: readonly string[], io: RunIo): Promise<number> {
  const notices: string[] = [];
  const ctx: CliContext = {
    env: io.env,
    print: (line) => {
      io.stdout(line.endsWith('\n') ? line : `${line}\n`);
    },
    notice: (line) => notices.push(line),
  };
  let status = EXIT_OK;
  try {
    await dispatch(argv, ctx);
  } catch (error) {
    const report = reportError(error, io.env.KEYWARD_DEBUG === '1');
    io.stderr(report.text);
    status = report.exitCode;
  }
  // After the error, if any: the error must stay the first stderr line.
  for (const line of notices) io.stderr(`${line}\n`);
  return status;
}
