/**
 * Passphrases for encrypted private keys: `KEYWARD_PASSPHRASE`, else a
 * prompt without echo when stdin is a terminal, else `PASSPHRASE_REQUIRED`
 * (a script must fail at once, never hang waiting for input).
 */
import { KeywardError } from '../core/index.ts';

const CTRL_C = '\u0003';
const CTRL_D = '\u0004';
const CTRL_U = '\u0015';
const BACKSPACE = new Set(['\u007f', '\b']);

/** `KEYWARD_PASSPHRASE`, where an empty value counts as unset (as an empty form field does in the core). */
export function passphraseFromEnv(env: NodeJS.ProcessEnv): string | undefined {
  const value = env.KEYWARD_PASSPHRASE;
  return value === undefined || value === '' ? undefined : value;
}

/** True when a person can be asked: stdin is a terminal. */
export function canPrompt(): boolean {
  return process.stdin.isTTY;
}

function required(): KeywardError {
  return new KeywardError('PASSPHRASE_REQUIRED', { reason: 'set KEYWARD_PASSPHRASE, or run keyward in a terminal to be asked' });
}

/**
 * Asks for a line on the terminal without echoing it. The terminal is in
 * raw mode meanwhile, so Ctrl-C arrives as a character and is handled here.
 *
 * @throws KeywardError `INTERRUPTED` on Ctrl-C
 */
export function promptHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  // Raw mode first: whatever is typed once the prompt shows must not echo.
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  process.stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || (ch === CTRL_D && value === '')) {
          finish();
          resolve(value);
          return;
        }
        if (ch === CTRL_C) {
          finish();
          reject(new KeywardError('INTERRUPTED', { reason: 'at the passphrase prompt' }));
          return;
        }
        if (BACKSPACE.has(ch)) value = Array.from(value).slice(0, -1).join('');
        else if (ch === CTRL_U) value = '';
        else if (ch >= ' ') value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

/**
 * The passphrase of an existing encrypted key.
 *
 * @param label - what the key is, for the prompt (e.g. `--key owner.pem`)
 * @returns the passphrase and whether a person typed it (then a retry makes sense)
 * @throws KeywardError `PASSPHRASE_REQUIRED` with no environment variable and no terminal
 */
export async function askPassphrase(env: NodeJS.ProcessEnv, label: string): Promise<{ passphrase: string; typed: boolean }> {
  const fromEnv = passphraseFromEnv(env);
  if (fromEnv !== undefined) return { passphrase: fromEnv, typed: false };
  if (!canPrompt()) throw required();
  const passphrase = await promptHidden(`Passphrase for ${label}: `);
  if (passphrase === '') throw required();
  return { passphrase, typed: true };
}

/**
 * A passphrase for a new encrypted key: typed twice on a terminal.
 *
  * @param check - throws if the passphrase is not acceptable; called before it is asked again
  * @throws KeywardError `PASSPHRASE_REQUIRED`, `PASSPHRASE_MISMATCH`, `INTERRUPTED`; whatever `check` throws
 */
export async function newPassphrase(env: NodeJS.ProcessEnv, label: string, check: (passphrase: string) => void): Promise<string> {
  const fromEnv = passphraseFromEnv(env);
  if (fromEnv !== undefined) {
    check(fromEnv);
    return fromEnv;
  }
  if (!canPrompt()) throw required();
  const first = await promptHidden(`New passphrase for ${label}: `);
  if (first === '') throw required();
  check(first);
  const second = await promptHidden('Type it again: ');
  if (first !== second) throw new KeywardError('PASSPHRASE_MISMATCH');
  return first;
}
