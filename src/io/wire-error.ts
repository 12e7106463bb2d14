/**
 * Errors across a Worker boundary: what may cross (a code and details, never
 * a stack) and the error rebuilt on the other side.
 */
import { KeywardError, isErrorCode, isKeywardError } from '../core/index.ts';
import type { WireError } from './crypto-protocol.ts';
import { OutputSpaceError } from './output-sink.ts';

const FAILURE_SENTENCES = {
  CANCELLED: 'Cancelled. Nothing was saved.',
  NO_SPACE: 'There is not enough free disk space (or storage this site may use) for the output. Nothing was saved; free some space and try again.',
  FILE_UNREADABLE: 'The file could not be read to the end: it was moved, changed or deleted while Keyward read it. Nothing was saved; choose it again.',
  INTERNAL: 'Something went wrong inside Keyward. Nothing was saved; try again, and reload the page if it happens again.',
} as const;

/** A failure that is not a Keyward error: the user cancelled, or something broke inside. */
export class OperationFailure extends Error {
  override readonly name = 'OperationFailure';
  constructor(readonly code: keyof typeof FAILURE_SENTENCES) {
    super(FAILURE_SENTENCES[code]);
  }
}

/** Turns anything thrown into what may cross to the page: a code and details, never a stack. */
export function toWireError(error: unknown, signal?: AbortSignal): WireError {
  if (signal?.aborted) return { code: 'CANCELLED', details: {} };
  if (isKeywardError(error)) return { code: error.code, details: error.details };
  if (error instanceof OperationFailure) return { code: error.code, details: {} };
  if (error instanceof OutputSpaceError) return { code: 'NO_SPACE', details: {} };
  if (error instanceof DOMException && error.name === 'NotReadableError') return { code: 'FILE_UNREADABLE', details: {} };
  if (error instanceof RangeError || error instanceof TypeError) return { code: 'INTERNAL', details: { reason: error.message } };
  return { code: 'INTERNAL', details: {} };
}

/** Rebuilds an error that crossed the Worker boundary. */
export function fromWireError(error: WireError): Error {
  if (isErrorCode(error.code)) return new KeywardError(error.code, error.details);
  return new OperationFailure(error.code in FAILURE_SENTENCES ? (error.code as keyof typeof FAILURE_SENTENCES) : 'INTERNAL');
}
