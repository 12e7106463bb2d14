/** Turning anything an action caught into what the UI shows: a code and one sentence, never a stack. */
import { type ErrorCode, type ErrorDetails, isKeywardError, userMessage } from '../core/index.ts';
import type { UiError } from './types.ts';

/**
 * The error to show for anything an action caught: a `KeywardError` keeps its
 * code and sentence; anything else (a bug) is `INTERNAL`, whose sentence says
 * nothing was saved.
 */
export function toUiError(error: unknown): UiError {
  if (isKeywardError(error)) {
    return { code: error.code, message: error.message, ...(error.details.keyIds ? { keyIds: error.details.keyIds } : {}) };
  }
  return appError('INTERNAL');
}

/** A user-facing error made here, in the app: its sentence comes from the one table in `core/errors.ts`. */
export function appError(code: ErrorCode, details: ErrorDetails = {}): UiError {
  return { code, message: userMessage(code, details), ...(details.keyIds ? { keyIds: details.keyIds } : {}) };
}
