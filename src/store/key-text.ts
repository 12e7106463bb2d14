/** Pasted or dropped key text, looked at before anything is imported. */
import { type AnyKey, type DetectedKey, detectKeyFormat, detectKeyOrIdentity } from '../core/index.ts';
import { toUiError } from './errors.ts';
import type { UiError } from './types.ts';

/**
 * Which kind of key the text holds (parsed only, no WebCrypto), or the error
 * that says why it is not a key. Asked before importing, so that a private
 * key pasted where a public one belongs is refused before a passphrase is
 * asked for or anything is stored.
 */
export function keyKindOf(text: string): DetectedKey['kind'] | UiError {
  try {
    return detectKeyFormat(text).kind;
  } catch (error) {
    return toUiError(error);
  }
}

/**
 * As `keyKindOf`, for text that may also hold an identity (spec v2 §2): a v1
 * key or an identity, public or private.
 */
export function keyOrIdentityKindOf(text: string): AnyKey['kind'] | UiError {
  try {
    return detectKeyOrIdentity(text).kind;
  } catch (error) {
    return toUiError(error);
  }
}

/** True for the kinds that hold a private key. */
export const isPrivateKind = (kind: AnyKey['kind']) => kind === 'private' || kind === 'private-identity';
