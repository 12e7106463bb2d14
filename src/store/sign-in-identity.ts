/**
 * The private identity an officer or council member signs in to the escrow
 * service with: pasted or read from its file (imported non-extractable, held
 * in this page only, never stored), or this desk's own stored identity. The
 * desk and the recovery cases sign in the same way.
 */
import type { PrivateIdentity } from '../core/index.ts';
import { type StoredKey, privateIdentityOf } from '../io/key-store.ts';
import { appError, toUiError } from './errors.ts';
import { isPrivateKind, keyOrIdentityKindOf } from './key-text.ts';
import type { Adapters, SignInWith, UiError } from './types.ts';

/** This desk's stored identities that can sign in: its own authority keys with an identity's signing key. */
export const storedSignInIdentities = (keys: readonly StoredKey[]) => keys.filter((k) => k.role === 'authority-own' && privateIdentityOf(k) !== undefined);

/**
 * The identity `options` names, or why it cannot sign in (`KEY_MISSING`,
 * `KEY_NOT_PRIVATE`, `KEY_UNSUPPORTED` for a v1 key, `PASSPHRASE_REQUIRED`,
 * `KEY_GONE` for a stored one removed meanwhile, the core's reading errors).
 */
export async function signInIdentity(options: SignInWith, keys: readonly StoredKey[], crypto: Adapters['crypto']): Promise<{ identity: PrivateIdentity } | { error: UiError }> {
  if ('keyId' in options) {
    const stored = storedSignInIdentities(keys).find((k) => k.keyId === options.keyId);
    const identity = stored && privateIdentityOf(stored);
    return identity ? { identity } : { error: appError('KEY_GONE') };
  }
  const { text, passphrase } = options;
  if (text.trim() === '') return { error: appError('KEY_MISSING') };
  const kind = keyOrIdentityKindOf(text);
  if (typeof kind !== 'string') return { error: kind };
  if (!isPrivateKind(kind)) return { error: appError('KEY_NOT_PRIVATE') };
  if (kind !== 'private-identity') {
    return { error: appError('KEY_UNSUPPORTED', { reason: 'signing in needs an identity, whose signing key signs the service’s challenge, and this is a v1 key' }) };
  }
  try {
    const imported = await crypto.run('importKeyOrIdentity', { text, extractable: false, ...(passphrase ? { passphrase } : {}) });
    return imported.kind === 'private-identity' ? { identity: imported.identity } : { error: appError('KEY_NOT_PRIVATE') };
  } catch (error) {
    return { error: toUiError(error) };
  }
}
