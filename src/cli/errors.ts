/**
 * Errors of the command line itself (arguments, files, prompts), and the one
 * place where any error becomes the text and exit status a user sees. Format
 * errors stay the core's `KeywardError`s: the CLI only prints them.
 */
import { isKeywardError } from '../core/index.ts';

/**
 * CLI-level codes, printed like the core's codes (`CODE: sentence`). They
 * describe the command line and the file system, never the file format.
 */
export const CLI_ERROR_CODES = [
  'USAGE',
  'FILE_NOT_FOUND',
  'OUTPUT_EXISTS',
  'IO_ERROR',
  'PASSPHRASE_MISMATCH',
  'INTERRUPTED',
  'INTERNAL',
] as const;

export type CliErrorCode = (typeof CLI_ERROR_CODES)[number];

/** Exit statuses (documented in `keyward --help`). */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
/** 128 + SIGINT, the shell's convention for "stopped by Ctrl-C". */
export const EXIT_INTERRUPTED = 130;

/** A failure of the command line or the file system, with a sentence a person can act on. */
export class CliError extends Error {
  override readonly name = 'CliError';
  readonly code: CliErrorCode;
  /** For `USAGE`: the usage text of the command that was being parsed. */
  readonly usage: string | undefined;

  constructor(code: CliErrorCode, message: string, options: { cause?: unknown; usage?: string } = {}) {
    super(message, { cause: options.cause });
    this.code = code;
    this.usage = options.usage;
  }
}

/** A usage error: exit status 2, the message, then the usage text. */
export function usageError(message: string, usage?: string): CliError {
  return new CliError('USAGE', message, usage === undefined ? {} : { usage });
}

/**
 * Which argument an error was about (for example `--owner owner.pub.pem`).
 * Kept beside the error rather than inside it: the core's errors are not
 * ours to change.
 */
const contexts = new WeakMap<object, string>();

/**
 * Remembers which argument a Keyward error was about (a CLI error already
 * names its path).
 *
 * @returns `error`, to be rethrown
 */
export function withContext(error: unknown, context: string): unknown {
  if (isKeywardError(error) && !contexts.has(error)) contexts.set(error, context);
  return error;
}

function errnoOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Turns a Node file-system error into a `CliError` that names the path.
 *
 * @param error - what `fs` threw
 * @param path - the path as the user gave it
 * @param action - `read` or `write`, for the sentence
 */
export function fromFsError(error: unknown, path: string, action: 'read' | 'write'): CliError {
  if (error instanceof CliError) return error;
  const errno = errnoOf(error);
  const options = { cause: error };
  switch (errno) {
    case 'ENOENT':
      return action === 'read'
        ? new CliError('FILE_NOT_FOUND', `No such file: ${path}. Check the path and try again.`, options)
        : new CliError('FILE_NOT_FOUND', `Cannot write ${path}: its folder does not exist.`, options);
    case 'ENOTDIR':
      return new CliError('FILE_NOT_FOUND', `No such file: ${path} (a part of the path is not a folder).`, options);
    case 'EEXIST':
      return outputExists(path);
    case 'EISDIR':
      return new CliError('IO_ERROR', `${path} is a folder, not a file.`, options);
    case 'EACCES':
    case 'EPERM':
      return new CliError('IO_ERROR', `Permission denied: cannot ${action} ${path}.`, options);
    case 'ENOSPC':
    case 'EDQUOT':
      return new CliError('IO_ERROR', `No space left on the device while writing ${path}; nothing was saved.`, options);
    default:
      return new CliError('IO_ERROR', `Cannot ${action} ${path}${errno ? ` (${errno})` : ''}.`, options);
  }
}

/** The refusal to replace a file the user did not ask to replace. */
export function outputExists(path: string): CliError {
  return new CliError('OUTPUT_EXISTS', `${path} already exists. Choose another path with --out, or add --force to replace it.`);
}

/**
 * The refusal to save under a name taken from inside a file when that name
 * is already in use: such a name never replaces a file, even with --force.
 */
export function storedNameTaken(path: string): CliError {
  return new CliError(
    'OUTPUT_EXISTS',
    `${path} already exists, and a name stored in the file never replaces a file (not even with --force). Choose where to save it with --out.`,
  );
}

/** What to print on stderr and which status to exit with. */
export interface ErrorReport {
  exitCode: number;
  /** Lines for stderr; the first begins with `CODE:`. */
  text: string;
}

/**
 * The error contract: the first stderr line is `CODE: sentence`; never a
 * stack trace unless `debug` (KEYWARD_DEBUG=1).
 */
export function reportError(error: unknown, debug: boolean): ErrorReport {
  const lines: string[] = [];
  let exitCode = EXIT_FAILURE;
  if (isKeywardError(error)) {
    lines.push(`${error.code}: ${error.message}`);
    const reason = error.details.reason;
    if (reason && !error.message.includes(reason)) lines.push(`  (${reason})`);
  } else if (error instanceof CliError) {
    lines.push(`${error.code}: ${error.message}`);
    if (error.code === 'USAGE') {
      exitCode = EXIT_USAGE;
      if (error.usage) lines.push('', error.usage.trimEnd());
    } else if (error.code === 'INTERRUPTED') {
      exitCode = EXIT_INTERRUPTED;
    }
  } else {
    const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    lines.push(`INTERNAL: An unexpected error stopped Keyward (${what}); nothing was saved. Run again with KEYWARD_DEBUG=1 for details.`);
  }
  const context = typeof error === 'object' && error !== null ? contexts.get(error) : undefined;
  if (context) lines.push(`  while reading ${context}`);
  if (debug && error instanceof Error && error.stack) lines.push('', error.stack);
  return { exitCode, text: `${lines.join('\n')}\n` };
}
