/**
 * The one error type of Keyward. Its codes are spec §7, plus the codes of key
 * import and use (which the spec leaves to the implementation). Each code has
 * one sentence a person can act on; the app and the CLI both show it.
 */

/** The errors a reader tells apart (spec §7). */
export const SPEC_ERROR_CODES = [
  'NOT_KEYWARD',
  'UNSUPPORTED_VERSION',
  'MALFORMED',
  'NO_MATCHING_KEY',
  'UNWRAP_FAILED',
  'HEADER_TAMPERED',
  'BLOB_TAMPERED',
  'BLOB_MISMATCH',
  'CHUNK_TAMPERED',
  'TRUNCATED',
  'TRAILING_DATA',
  'SIZE_MISMATCH',
  'KEY_TOO_WEAK',
] as const;

/** Errors of reading, importing and using keys (not in the spec's list). */
export const KEY_ERROR_CODES = [
  'KEY_UNREADABLE',
  'KEY_UNSUPPORTED',
  'KEY_NOT_PRIVATE',
  'KEY_NOT_PUBLIC',
  'KEY_NOT_EXTRACTABLE',
  'PASSPHRASE_REQUIRED',
  'PASSPHRASE_WRONG',
] as const;

/** Errors of the app's forms and drop zones (not in the spec's list; the CLI never raises them). */
export const APP_ERROR_CODES = ['NAME_REQUIRED', 'IS_RECOVERY_BLOB', 'IS_ESCROW_BLOB'] as const;

export type SpecErrorCode = (typeof SPEC_ERROR_CODES)[number];
export type KeyErrorCode = (typeof KEY_ERROR_CODES)[number];
export type AppErrorCode = (typeof APP_ERROR_CODES)[number];
export type ErrorCode = SpecErrorCode | KeyErrorCode | AppErrorCode;

/** Facts that make a message precise; never secrets. */
export interface ErrorDetails {
  /** `CHUNK_TAMPERED`: the index of the chunk that failed (from 0). */
  chunkIndex?: number;
  /** `NO_MATCHING_KEY`: the key IDs the file or blob is for. */
  keyIds?: readonly string[];
  /** `KEY_TOO_WEAK`: the modulus size found. */
  bits?: number;
  /** `SIZE_MISMATCH`: what the metadata said and what was decrypted. */
  expectedSize?: number;
  actualSize?: number;
  /** `UNSUPPORTED_VERSION`: the version found, when it can be read. */
  version?: string;
  /** A short technical reason (which field, which rule), for the CLI's second line and for logs. */
  reason?: string;
}

const MESSAGES: Record<ErrorCode, (d: ErrorDetails) => string> = {
  NOT_KEYWARD: () => 'This is not a Keyward file. Choose a file whose name ends in .keyward.',
  UNSUPPORTED_VERSION: (d) =>
    `This file was made by a newer version of Keyward${d.version ? ` (format ${d.version})` : ''}. Update Keyward to open it.`,
  MALFORMED: (d) =>
    `This file or blob is damaged or not in the Keyward format${d.reason ? ` (${d.reason})` : ''}. Ask the sender for a fresh copy.`,
  NO_MATCHING_KEY: (d) =>
    `None of your keys can open this. It is for ${
      d.keyIds && d.keyIds.length > 0 ? d.keyIds.join(', ') : 'a key you do not have'
    }. Import that key, or ask your backup authority for a recovery blob.`,
  UNWRAP_FAILED: () =>
    'The key matched by its ID but could not unwrap the file key, so the file, the blob or the key is damaged. Try a backup of the key; an owner can also ask the backup authority to recover the file.',
  HEADER_TAMPERED: () =>
    'The file header has been changed since it was encrypted, so the file cannot be trusted. Get an untouched copy of the file.',
  BLOB_TAMPERED: () =>
    'This escrow or recovery blob has been altered, or it was not made for this key. Get an untouched copy of the blob.',
  BLOB_MISMATCH: () =>
    'This blob belongs to a different file. Use the blob that was made together with this encrypted file.',
  CHUNK_TAMPERED: (d) =>
    `Part of the file${d.chunkIndex === undefined ? '' : ` (chunk ${d.chunkIndex})`} has been changed or damaged, so nothing was saved. Get an untouched copy of the file.`,
  TRUNCATED: () =>
    'The file is cut short: its end is missing, so nothing was saved. Copy or download the whole file again.',
  TRAILING_DATA: () =>
    'Extra bytes follow the end of the encrypted file, so nothing was saved. Get an untouched copy of the file.',
  SIZE_MISMATCH: (d) =>
    `The decrypted size${
      d.expectedSize !== undefined && d.actualSize !== undefined ? ` (${d.actualSize} bytes, expected ${d.expectedSize})` : ''
    } does not match the size recorded in the file, so nothing was saved. Get an untouched copy of the file.`,
  KEY_TOO_WEAK: (d) =>
    `This RSA key is too weak${d.bits ? ` (${d.bits} bits)` : ''}; Keyward needs at least 2048 bits. Use or create a stronger key.`,
  KEY_UNREADABLE: (d) =>
    `This is not a key Keyward can read${d.reason ? ` (${d.reason})` : ''}. Use a PEM (SPKI, PKCS#8, PKCS#1, encrypted PKCS#8) or JWK RSA key.`,
  KEY_UNSUPPORTED: (d) =>
    `This kind of key cannot be used for Keyward${d.reason ? ` (${d.reason})` : ''}. Keyward works with RSA encryption keys of 2048 bits or more.`,
  KEY_NOT_PRIVATE: () =>
    'This is a public key, but a private key is needed here. Use your private key file (for example NAME.pem, not NAME.pub.pem).',
  KEY_NOT_PUBLIC: () =>
    'This is a private key, but a public key is needed here. Export and use the public key (for example NAME.pub.pem); never hand out your private key.',
  KEY_NOT_EXTRACTABLE: () =>
    'This private key was stored so that it can be used but never read out, so it cannot be exported. Export a backup when you create or import a key.',
  PASSPHRASE_REQUIRED: () => 'This private key is protected by a passphrase. Enter the passphrase to use it.',
  PASSPHRASE_WRONG: () => 'The passphrase is wrong, or the encrypted key is damaged. Check the passphrase and try again.',
  NAME_REQUIRED: () =>
    'Give this key a name: it is shown with the key and written into every escrow blob, so that the backup authority knows whose it is.',
  IS_RECOVERY_BLOB: () =>
    'This is a recovery blob, not an encrypted file. Use it under “Open a file with a recovery blob”, together with the .keyward file it was issued for.',
  IS_ESCROW_BLOB: () =>
    'This is an escrow blob, not an encrypted file. Only your backup authority can open it (in authority mode); send it to them if you need a file recovered.',
};

/** The one sentence for a code, with the details filled in. */
export function userMessage(code: ErrorCode, details: ErrorDetails = {}): string {
  return MESSAGES[code](details);
}

/** An error that a person can act on: a code from spec §7 (or key import), and details. */
export class KeywardError extends Error {
  override readonly name = 'KeywardError';
  readonly code: ErrorCode;
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super(userMessage(code, details), options);
    this.code = code;
    this.details = details;
  }
}

/** True for a `KeywardError`, also across realms (a Worker message, another bundle). */
export function isKeywardError(error: unknown): error is KeywardError {
  return (
    error instanceof KeywardError ||
    (typeof error === 'object' &&
      error !== null &&
      (error as { name?: unknown }).name === 'KeywardError' &&
      isErrorCode((error as { code?: unknown }).code))
  );
}

/** True for a known code. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return (
    typeof value === 'string' &&
    ((SPEC_ERROR_CODES as readonly string[]).includes(value) ||
      (KEY_ERROR_CODES as readonly string[]).includes(value) ||
      (APP_ERROR_CODES as readonly string[]).includes(value))
  );
}
