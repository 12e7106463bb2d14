/**
 * Key files named on the command line, read into the core's key types. Every
 * option that takes a key takes a v1 key or an identity (keyward-v2.md §2);
 * every format decision is the core's (`detectKeyOrIdentity`,
 * `importAnyKeyOrIdentity`). This module only reads files, asks for
 * passphrases, and picks the part of the key the command needs.
 */
import {
  type AnyKey,
  type PrivateIdentity,
  type PrivateKeyInfo,
  type PublicIdentity,
  type PublicKeyInfo,
  KeywardError,
  detectKeyOrIdentity,
  importAnyKeyOrIdentity,
  isKeywardError,
} from '../core/index.ts';
import { withContext } from './errors.ts';
import { readSmallText } from './node-io.ts';
import { askPassphrase } from './passphrase.ts';

/** Matches the core's input limit: a 16384-bit private key is about 13 KB of PEM. */
const MAX_KEY_FILE_BYTES = 1 << 20;

/** Typed passphrases get three tries, as sudo and ssh give. */
const PROMPT_ATTEMPTS = 3;

/** A public key file: the RSA key to encrypt for, and the identity when the file holds one. */
export interface PublicKeyFile {
  key: PublicKeyInfo;
  /** Null for a v1 key (it cannot sign). */
  identity: PublicIdentity | null;
  /** The `Name:` line `keyward keygen --name` wrote above the keys, if any. */
  name: string | undefined;
}

/** A private key file: the RSA key pair, and the identity when the file holds one. */
export interface PrivateKeyFile {
  key: PrivateKeyInfo;
  /** Null for a v1 key (it cannot sign). */
  identity: PrivateIdentity | null;
  name: string | undefined;
}

function readKeyText(path: string): Promise<string> {
  return readSmallText(path, MAX_KEY_FILE_BYTES, () => new KeywardError('KEY_UNREADABLE', { reason: 'the file is far too large to be a key' }));
}

/**
 * A council file (requirements: `COUNCIL.json`) where a key is expected.
 * Councils are the next version of the spec (§8); until this tool reads
 * them it refuses one as a newer format, as §8 says readers do.
 */
function refuseCouncil(text: string): void {
  const trimmed = text.replace(/^\uFEFF/, '').trimStart();
  if (!trimmed.startsWith('{')) return;
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const { format, kind, members, threshold } = value as Record<string, unknown>;
  const council =
    (typeof format === 'string' && format.startsWith('keyward-council')) || kind === 'council' || (Array.isArray(members) && threshold !== undefined);
  if (council) {
    throw new KeywardError('UNSUPPORTED_VERSION', {
      version: typeof format === 'string' ? format : 'council',
      reason: 'a council; this version of keyward works with single authorities only',
    });
  }
}

/**
 * The name `keyward keygen --name` wrote: a `Name: "TEXT"` line (JSON
 * string) before the first PEM block. Text outside the blocks is no part of
 * the key (§2), so a missing or garbled line is no name, never an error.
 */
export function nameInKeyFile(text: string): string | undefined {
  const head = text.split('-----BEGIN ')[0] ?? '';
  const match = /^Name: (".*")\r?$/m.exec(head);
  if (!match) return undefined;
  try {
    const name: unknown = JSON.parse(match[1]!);
    return typeof name === 'string' ? name : undefined;
  } catch {
    return undefined;
  }
}

/** Any key or identity from a file, asking for a passphrase only when it is encrypted. */
async function loadAny(path: string, label: string, env: NodeJS.ProcessEnv, need: 'public' | 'private' | 'any'): Promise<{ key: AnyKey; name: string | undefined }> {
  const text = await readKeyText(path);
  refuseCouncil(text);
  const name = nameInKeyFile(text);
  const { kind, encrypted } = detectKeyOrIdentity(text);
  const isPublic = kind === 'public' || kind === 'public-identity';
  // Refused before any passphrase is asked for.
  if (need === 'public' && !isPublic) throw new KeywardError('KEY_NOT_PUBLIC');
  if (need === 'private' && isPublic) throw new KeywardError('KEY_NOT_PRIVATE');
  if (!encrypted) return { key: await importAnyKeyOrIdentity(text), name };
  for (let attempt = 1; ; attempt++) {
    const { passphrase, typed } = await askPassphrase(env, label);
    try {
      return { key: await importAnyKeyOrIdentity(text, { passphrase }), name };
    } catch (error) {
      const retry = typed && attempt < PROMPT_ATTEMPTS && isKeywardError(error) && error.code === 'PASSPHRASE_WRONG';
      if (!retry) throw error;
      process.stderr.write('That passphrase is wrong; try again.\n');
    }
  }
}

/**
 * Reads a public key or public identity (any format the core reads).
 *
 * @param flag - the option it came from, for the error's context line
 * @throws KeywardError `FILE_NOT_FOUND`, `IO_ERROR`, `KEY_UNREADABLE`, `KEY_UNSUPPORTED`,
 *   `KEY_TOO_WEAK`, `KEY_NOT_PUBLIC` (a private key was given), `UNSUPPORTED_VERSION` (a council)
 */
export async function loadPublicKeyFile(path: string, flag: string): Promise<PublicKeyFile> {
  try {
    const { key, name } = await loadAny(path, `${flag} ${path}`, {}, 'public');
    if (key.kind === 'public-identity') return { key: key.identity.encryption, identity: key.identity, name };
    if (key.kind === 'public') return { key, identity: null, name };
    throw new KeywardError('KEY_NOT_PUBLIC');
  } catch (error) {
    throw withContext(error, `${flag} ${path}`);
  }
}

/**
 * Reads a private key or private identity (any format the core reads,
 * including encrypted PEM, whose passphrase comes from `KEYWARD_PASSPHRASE`
 * or a prompt).
 *
 * @param flag - the option it came from, for the prompt and the error's context line
 * @throws KeywardError `FILE_NOT_FOUND`, `IO_ERROR`, `INTERRUPTED`, `KEY_UNREADABLE`, `KEY_UNSUPPORTED`,
 *   `KEY_TOO_WEAK`, `KEY_NOT_PRIVATE`, `PASSPHRASE_REQUIRED`, `PASSPHRASE_WRONG`, `UNSUPPORTED_VERSION` (a council)
 */
export async function loadPrivateKeyFile(path: string, flag: string, env: NodeJS.ProcessEnv): Promise<PrivateKeyFile> {
  const label = `${flag} ${path}`;
  try {
    const { key, name } = await loadAny(path, label, env, 'private');
    if (key.kind === 'private-identity') return { key: key.identity.encryption, identity: key.identity, name };
    if (key.kind === 'private') return { key, identity: null, name };
    throw new KeywardError('KEY_NOT_PRIVATE');
  } catch (error) {
    throw withContext(error, label);
  }
}

/**
 * Reads any key or identity, public or private (`keyward id`).
 *
 * @throws as {@link loadPrivateKeyFile}, without `KEY_NOT_PRIVATE`
 */
export async function loadAnyKeyFile(path: string, env: NodeJS.ProcessEnv): Promise<{ key: AnyKey; name: string | undefined }> {
  try {
    return await loadAny(path, path, env, 'any');
  } catch (error) {
    throw withContext(error, path);
  }
}

/**
 * Reads the RSA public key to encrypt for from a v1 key or a public identity.
 *
 * @throws as {@link loadPublicKeyFile}
 */
export async function loadPublicKey(path: string, flag: string): Promise<PublicKeyInfo> {
  return (await loadPublicKeyFile(path, flag)).key;
}

/**
 * Reads the RSA key pair from a v1 private key or a private identity.
 *
 * @throws as {@link loadPrivateKeyFile}
 */
export async function loadPrivateKey(path: string, flag: string, env: NodeJS.ProcessEnv): Promise<PrivateKeyInfo> {
  return (await loadPrivateKeyFile(path, flag, env)).key;
}

/**
 * The identity of a key file where only an identity will do (signing,
 * pinning a signer or an issuer, a v2 recovery blob's new owner).
 *
 * @param why - what a v1 key cannot do, e.g. "cannot sign"
 * @throws KeywardError `KEY_UNSUPPORTED` for a v1 key
 */
export function needIdentity<T>(file: { identity: T | null }, flag: string, path: string, why: string): T {
  if (file.identity) return file.identity;
  throw withContext(new KeywardError('KEY_UNSUPPORTED', { reason: `${flag} needs an identity, made with keyward keygen; a v1 key ${why}` }), `${flag} ${path}`);
}
