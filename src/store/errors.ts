/** Turning anything an action caught into what the UI shows: a code and one sentence, never a stack. */
import { isKeywardError } from '../core/index.ts';
import { OperationFailure } from '../io/crypto-client.ts';
import { StorageError } from '../io/db.ts';
import type { UiError } from './types.ts';

export function toUiError(error: unknown): UiError {
  if (isKeywardError(error)) {
    return { code: error.code, message: error.message, ...(error.details.keyIds ? { keyIds: error.details.keyIds } : {}) };
  }
  if (error instanceof OperationFailure || error instanceof StorageError) return { code: error.code, message: error.message };
  return {
    code: 'INTERNAL',
    message: 'Something went wrong inside Keyward. Nothing was saved; try again, and reload the page if it happens again.',
  };
}

/** A user-facing error made here, in the app (not by the core). */
export function appError(code: string, message: string): UiError {
  return { code, message };
}
