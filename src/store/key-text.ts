/** Pasted or dropped key text, looked at before anything is imported. */
import { type DetectedKey, detectKeyFormat } from '../core/index.ts';
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
