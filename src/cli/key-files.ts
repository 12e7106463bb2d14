/**
 * Key files named on the command line, read into the core's key types. Every
 * format decision is the core's (`importPublicKey`, `importPrivateKey`); this
 * module only reads files and asks for passphrases.
 */
import {
  type PrivateKeyInfo,
  type PublicKeyInfo,
  KeywardError,
  detectKeyFormat,
  importPrivateKey,
  importPublicKey,
  isKeywardError,
} from '../core/index.ts';
import { withContext } from './errors.ts';
import { readSmallText } from './node-io.ts';
import { askPassphrase } from './passphrase.ts';

/** Matches the core's input limit: a 16384-bit private key is about 13 KB of PEM. */
const MAX_KEY_FILE_BYTES = 1 << 20;

/** Typed passphrases get three tries, as sudo and ssh give. */
const PROMPT_ATTEMPTS = 3;

function readKeyText(path: string): Promise<string> {
  return readSmallText(path, MAX_KEY_FILE_BYTES, () => new KeywardError('KEY_UNREADABLE', { reason: 'the file is far too large to be a key' }));
}

/**
 * Reads a public key to encrypt for (any format the core reads).
 *
 * @param flag - the option it came from, for the error's context line
 * @throws KeywardError `FILE_NOT_FOUND`, `IO_ERROR`; KeywardError `KEY_UNREADABLE`,
 *   `KEY_UNSUPPORTED`, `KEY_TOO_WEAK`, `KEY_NOT_PUBLIC` (a private key was given)
 */
export async function loadPublicKey(path: string, flag: string): Promise<PublicKeyInfo> {
  try {
    return await importPublicKey(await readKeyText(path));
  } catch (error) {
    throw withContext(error, `${flag} ${path}`);
  }
}

/**
 * Reads a private key (any format the core reads, including encrypted
 * PKCS#8, whose passphrase comes from `KEYWARD_PASSPHRASE` or a prompt).
 *
 * @param flag - the option it came from, for the prompt and the error's context line
 * @throws KeywardError `FILE_NOT_FOUND`, `IO_ERROR`, `INTERRUPTED`; KeywardError `KEY_UNREADABLE`,
 *   `KEY_UNSUPPORTED`, `KEY_TOO_WEAK`, `KEY_NOT_PRIVATE`, `PASSPHRASE_REQUIRED`, `PASSPHRASE_WRONG`
 */
export async function loadPrivateKey(path: string, flag: string, env: NodeJS.ProcessEnv): Promise<PrivateKeyInfo> {
  const label = `${flag} ${path}`;
  try {
    const text = await readKeyText(path);
    // Ask for a passphrase only when the key needs one.
    if (!detectKeyFormat(text).encrypted) return await importPrivateKey(text);
    for (let attempt = 1; ; attempt++) {
      const { passphrase, typed } = await askPassphrase(env, label);
      try {
        return await importPrivateKey(text, { passphrase });
      } catch (error) {
        const retry = typed && attempt < PROMPT_ATTEMPTS && isKeywardError(error) && error.code === 'PASSPHRASE_WRONG';
        if (!retry) throw error;
        process.stderr.write('That passphrase is wrong; try again.\n');
      }
    }
  } catch (error) {
    throw withContext(error, label);
  }
}
