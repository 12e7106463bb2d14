/**
 * Key files named on the command line, read into the core's key types. Every
 * option that takes a key takes a v1 key or an identity (keyward-v2.md §2);
 * every format decision is the core's (`detectKeyOrIdentity`,
 * `importAnyKeyOrIdentity`). This module only reads files, asks for
 * passphrases, and picks the part of the key the command needs.
 */
import {
  type AnyKey,
  type Council,
  type PrivateIdentity,
  type PrivateKeyInfo,
  type PublicIdentity,
  type PublicKeyInfo,
  KeywardError,
  detectKeyOrIdentity,
  importAnyKeyOrIdentity,
  isKeywardError,
  parseCouncil,
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
 * True for a council descriptor (keyward-v2.md §8.1) or anything that looks
 * like one: JSON with a council format, a council kind, or members and a
 * threshold. A cheap sniff, so a damaged council is still called a council.
 */
function looksLikeCouncil(text: string): boolean {
  const trimmed = text.replace(/^\uFEFF/, '').trimStart();
  if (!trimmed.startsWith('{')) return false;
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    return false;
  }
  if (typeof value !== 'object' || value === null) return false;
  const { format, kind, members, threshold } = value as Record<string, unknown>;
  return (typeof format === 'string' && format.startsWith('keyward-council')) || kind === 'council' || (Array.isArray(members) && threshold !== undefined);
}

/** A council file where one person's key is expected. */
function refuseCouncil(text: string): void {
  if (!looksLikeCouncil(text)) return;
  throw new KeywardError('KEY_UNSUPPORTED', {
    reason: 'this is a council file, not one person\'s key; a council goes only where a command takes COUNCIL.json',
  });
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
 * @throws KeywardError `FILE_NOT_FOUND`, `IO_ERROR`, `KEY_UNREADABLE`, `KEY_UNSUPPORTED` (also for a council),
 *   `KEY_TOO_WEAK`, `KEY_NOT_PUBLIC` (a private key was given)
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
 *   `KEY_TOO_WEAK`, `KEY_NOT_PRIVATE`, `PASSPHRASE_REQUIRED`, `PASSPHRASE_WRONG`, `KEY_UNSUPPORTED` (also for a council)
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
 * Reads a council descriptor (keyward-v2.md §8.1), strictly, if the file is
 * one (told apart by its content, never its name).
 *
 * @returns the council, or null when the file does not look like a council
 * @throws KeywardError `FILE_NOT_FOUND`, `IO_ERROR`, `MALFORMED`, `KEY_TOO_WEAK` (a member's RSA key)
 */
export async function loadCouncilIfAny(path: string, flag: string): Promise<Council | null> {
  try {
    const text = await readKeyText(path);
    return looksLikeCouncil(text) ? await parseCouncil(text) : null;
  } catch (error) {
    throw withContext(error, flag ? `${flag} ${path}` : path);
  }
}

/**
 * Reads a council descriptor (keyward-v2.md §8.1), strictly.
 *
 * @throws as {@link loadCouncilIfAny}; `MALFORMED` for a file that is not a council
 */
export async function loadCouncilFile(path: string, flag: string): Promise<Council> {
  const council = await loadCouncilIfAny(path, flag);
  if (council) return council;
  throw withContext(new KeywardError('MALFORMED', { reason: 'this is not a council file (keyward council create writes one)' }), `${flag} ${path}`);
}

/** What `--authority` and `--trust` name: one person's key, or a council. */
export type PublicKeyOrCouncil = { kind: 'key'; file: PublicKeyFile } | { kind: 'council'; council: Council };

/**
 * Reads a public key or identity, or a council descriptor.
 *
 * @throws as {@link loadPublicKeyFile} and {@link loadCouncilIfAny}
 */
export async function loadPublicKeyOrCouncil(path: string, flag: string): Promise<PublicKeyOrCouncil> {
  const council = await loadCouncilIfAny(path, flag);
  if (council) return { kind: 'council', council };
  return { kind: 'key', file: await loadPublicKeyFile(path, flag) };
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
