/**
 * Errors of the command line itself (arguments, files, prompts), and the one
 * place where any error becomes the text and exit status a user sees. Every
 * error is the core's `KeywardError` (its codes and sentences are in
 * `core/errors.ts`, shared with the app); this file only builds the CLI's
 * and prints them.
 */
import { type ErrorDetails, KeywardError, isKeywardError } from '../core/index.ts';

/** Exit statuses (documented in `keyward --help`). */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
/** 128 + SIGINT, the shell's convention for "stopped by Ctrl-C". */
export const EXIT_INTERRUPTED = 130;

/**
 * A usage error: exit status 2, the sentence, then the usage text.
 *
 * @param reason - what is wrong with the command line, without a final period
 * @param usage - the usage text of the command being parsed
 */
export function usageError(reason: string, usage?: string): KeywardError {
  return new KeywardError('USAGE', usage === undefined ? { reason } : { reason, usage });
}

/**
 * Which argument an error was about (for example `--owner owner.pub.pem`).
 * Kept beside the error rather than inside it: an error's details are set
 * where it is made.
 */
const contexts = new WeakMap<object, string>();

/**
 * Remembers which argument an error was about (one that already names its
 * path is left as it is).
 *
 * @returns `error`, to be rethrown
 */
export function withContext(error: unknown, context: string): unknown {
  if (isKeywardError(error) && error.details.path === undefined && !contexts.has(error)) contexts.set(error, context);
  return error;
}

function errnoOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Turns a Node file-system error into a `KeywardError` that names the path.
 *
 * @param error - what `fs` threw
 * @param path - the path as the user gave it
 * @param action - `read` or `write`, for the sentence
 */
export function fromFsError(error: unknown, path: string, action: 'read' | 'write'): KeywardError {
  if (isKeywardError(error)) return error;
  const errno = errnoOf(error);
  const options = { cause: error };
  const fail = (code: 'FILE_NOT_FOUND' | 'IO_ERROR', reason?: string) => {
    const details: ErrorDetails = { path, action };
    if (reason !== undefined) details.reason = reason;
    return new KeywardError(code, details, options);
  };
  switch (errno) {
    case 'ENOENT':
      return fail('FILE_NOT_FOUND');
    case 'ENOTDIR':
      return fail('FILE_NOT_FOUND', 'a part of the path is not a folder');
    case 'EEXIST':
      return outputExists(path);
    case 'EISDIR':
      return fail('IO_ERROR', 'it is a folder, not a file');
    case 'EACCES':
    case 'EPERM':
      return fail('IO_ERROR', 'permission denied');
    case 'ENOSPC':
    case 'EDQUOT':
      return new KeywardError('NO_SPACE', { path }, options);
    default:
      return fail('IO_ERROR', errno);
  }
}

/** The refusal to replace a file the user did not ask to replace. */
export function outputExists(path: string): KeywardError {
  return new KeywardError('OUTPUT_EXISTS', { path });
}

/**
 * The refusal to save under a name taken from inside a file when that name
 * is already in use: such a name never replaces a file, even with --force.
 */
export function storedNameTaken(path: string): KeywardError {
  return new KeywardError('OUTPUT_EXISTS', { path, storedName: true });
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
    const { reason, usage } = error.details;
    if (reason && !error.message.toLowerCase().includes(reason.toLowerCase())) lines.push(`  (${reason})`);
    if (error.code === 'USAGE') {
      exitCode = EXIT_USAGE;
      if (usage) lines.push('', usage.trimEnd());
    } else if (error.code === 'INTERRUPTED') {
      exitCode = EXIT_INTERRUPTED;
    }
  } else {
    const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    lines.push(`INTERNAL: ${new KeywardError('INTERNAL').message}`, `  (${what}; run again with KEYWARD_DEBUG=1 for details)`);
  }
  const context = typeof error === 'object' && error !== null ? contexts.get(error) : undefined;
  if (context) lines.push(`  while reading ${context}`);
  if (debug && error instanceof Error && error.stack) lines.push('', error.stack);
  return { exitCode, text: `${lines.join('\n')}\n` };
}
