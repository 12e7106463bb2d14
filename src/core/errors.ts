/**
 * The one error type of Keyward. Its codes are spec §7, plus the codes of key
 * import and use and of the places Keyward runs (app, Worker, storage, CLI),
 * which the spec leaves to the implementation. Each code has one sentence a
 * person can act on, here and nowhere else; the app, the Worker and the CLI
 * all show it.
 */

/** The errors a reader tells apart (spec v1 §7, and v2 §9 for the last four). */
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
  // v2 (keyward-v2.md §9)
  'SIGNATURE_INVALID',
  'SIGNER_UNTRUSTED',
  'ESCROW_INVALID',
  'QUORUM_NOT_MET',
] as const;

/** Errors of reading, importing and using keys (not in the spec's list). */
export const KEY_ERROR_CODES = [
  'KEY_UNREADABLE',
  'KEY_UNSUPPORTED',
  'KEY_NOT_PRIVATE',
  'KEY_NOT_PUBLIC',
  'KEY_NOT_EXTRACTABLE',
  'KEY_IS_OWN',
  'KEY_EXISTS',
  'KEY_GONE',
  'KEY_MISSING',
  'KEY_FILE_TOO_LARGE',
  'PASSPHRASE_REQUIRED',
  'PASSPHRASE_WRONG',
  'PASSPHRASE_SHORT',
  'PASSPHRASE_MISMATCH',
] as const;

/**
 * Errors of the places Keyward runs in: the app's journeys, the browser's
 * storage, the crypto Worker, the command line and the file system. Not
 * format errors: a file or blob that fails to verify is always a spec code.
 */
export const APP_ERROR_CODES = [
  // journeys (app and CLI)
  'NO_OWNER_KEY',
  'NO_AUTHORITY',
  'NO_ESCROW',
  'NOT_A_BLOB',
  'NOT_RECOVERY_BLOB',
  'NOT_ESCROW_BLOB',
  // the app's forms and drop zones
  'NAME_REQUIRED',
  'IS_RECOVERY_BLOB',
  'IS_ESCROW_BLOB',
  'NOT_A_RECEIPT',
  'KEY_CHANGED',
  // running an operation
  'CANCELLED',
  'NO_SPACE',
  'FILE_UNREADABLE',
  'INTERNAL',
  // the browser's storage
  'DB_UNAVAILABLE',
  'DB_BLOCKED',
  'DB_TOO_NEW',
  'DB_FAILED',
  // the command line and the file system
  'USAGE',
  'FILE_NOT_FOUND',
  'OUTPUT_EXISTS',
  'IO_ERROR',
  'INTERRUPTED',
] as const;

/**
 * Errors of the authority's journeys in the app: the new key a recovery blob
 * is issued to, and a zip of escrow blobs (the owner's register export),
 * which may come from anyone.
 */
export const AUTHORITY_ERROR_CODES = [
  // councils: desk (setting a council up, the members of a drill)
  'MEMBER_TWICE',
  'COUNCIL_FULL',
  // councils: desk end
  'KEY_IS_AUTHORITY',
  'KEY_IS_ESCROWED_OWNER',
  'KEY_NOT_CONFIRMED',
  'ZIP_UNREADABLE',
  'ZIP_TOO_LARGE',
  'ZIP_TOO_MANY_ENTRIES',
  'ZIP_UNSAFE_NAME',
  'ZIP_NO_BLOBS',
  'ZIP_ENTRY_TOO_LARGE',
  'ZIP_ENTRY_UNREADABLE',
] as const;

/**
 * Errors of the escrow service (`keyward serve`, src/server): a request it
 * refuses, an enrolment, a deposit, the audit log.
 */
export const SERVICE_ERROR_CODES = [
  'REQUEST_INVALID',
  'BODY_TOO_LARGE',
  'ENROL_CODE_UNKNOWN',
  'ENROL_CODE_USED',
  'ALREADY_ENROLLED',
  'IDENTITY_REVOKED',
  'NOT_ENROLLED',
  'AUTHORITY_NOT_SERVED',
  'DEPOSIT_CONFLICT',
  'SERVICE_UNAVAILABLE',
  'AUDIT_BROKEN',
  'SIGN_IN_REQUIRED',
  'SIGN_IN_FAILED',
  'NOT_PERMITTED',
  'OUTSIDE_COUNCIL',
  'DEPOSIT_UNKNOWN',
  'CASE_UNKNOWN',
  'CASE_STATE',
  'SERVICE_UNREACHABLE',
] as const;

export type SpecErrorCode = (typeof SPEC_ERROR_CODES)[number];
export type KeyErrorCode = (typeof KEY_ERROR_CODES)[number];
export type AuthorityErrorCode = (typeof AUTHORITY_ERROR_CODES)[number];
export type AppErrorCode = (typeof APP_ERROR_CODES)[number];
export type ServiceErrorCode = (typeof SERVICE_ERROR_CODES)[number];
/** Every code a person can see, in the app, the CLI and the Worker alike. */
export type ErrorCode = SpecErrorCode | KeyErrorCode | AppErrorCode | AuthorityErrorCode | ServiceErrorCode;

/** Every code, in one list. */
export const ERROR_CODES: readonly ErrorCode[] = [...SPEC_ERROR_CODES, ...KEY_ERROR_CODES, ...APP_ERROR_CODES, ...AUTHORITY_ERROR_CODES, ...SERVICE_ERROR_CODES];


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
  /** `KEY_EXISTS`: the name the key is stored under. */
  name?: string;
  /** `PASSPHRASE_SHORT`: the shortest passphrase allowed. */
  minLength?: number;
  /** File-system codes: the path as the user gave it, and what was being done. */
  path?: string;
  action?: 'read' | 'write';
  /** `OUTPUT_EXISTS`: the path is the name stored inside the file, which `--force` never lets replace a file. */
  storedName?: boolean;
  /** `USAGE`: the usage text of the command that was being parsed (the CLI prints it after the sentence). */
  usage?: string;
  /** `ZIP_*`: the limit that was passed, or the entry concerned. */
  limit?: number;
  entry?: string;
  /** `AUDIT_BROKEN`: the number (seq) of the first audit entry that does not hold. */
  seq?: number;
  /** A short technical reason (which field, which rule, which errno), for the CLI's second line and for logs. */
  reason?: string;
}

const orReason = (d: ErrorDetails) => (d.reason ? ` (${d.reason})` : '');

const MESSAGES: Record<ErrorCode, (d: ErrorDetails) => string> = {
  NOT_KEYWARD: () =>
    'This is not a Keyward encrypted file: it does not start the way every Keyward file does. If its name ends in .keyward, it was damaged or replaced; get an untouched copy.',
  UNSUPPORTED_VERSION: (d) =>
    `This file was made by a newer version of Keyward${d.version ? ` (format ${d.version})` : ''}. Update Keyward to open it.`,
  MALFORMED: (d) =>
    `This file or blob is damaged or not in the Keyward format${orReason(d)}. Ask the sender for a fresh copy.`,
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
  SIGNATURE_INVALID: () =>
    'A signature does not verify: this file or blob was changed after it was signed, so it cannot be trusted. Get an untouched copy from the person who made it.',
  SIGNER_UNTRUSTED: () =>
    'This file or blob was not signed by the identity you expected or pinned (or not signed at all), so it was not used. Check its identity ID with the person it should come from.',
  ESCROW_INVALID: () =>
    'This escrow blob does not open the file it names, so it could not recover that file. Ask the owner to send the escrow blob again, made together with the file.',
  QUORUM_NOT_MET: () =>
    'Fewer council members than the council needs have contributed, so the file key cannot be put together yet. Ask more members of the council for their part.',
  KEY_UNREADABLE: (d) =>
    `This is not a key Keyward can read${orReason(d)}. Use a PEM (SPKI, PKCS#8, PKCS#1, encrypted PKCS#8) or JWK RSA key, or a Keyward identity (its two PEM blocks or its JWK Set).`,
  KEY_UNSUPPORTED: (d) =>
    `This kind of key cannot be used for Keyward${orReason(d)}. Keyward works with RSA encryption keys of 2048 bits or more, and signs only with an identity (an RSA key together with an Ed25519 key).`,
  KEY_NOT_PRIVATE: () =>
    'This is a public key, but a private key is needed here. Use your private key file (for example NAME.pem, not NAME.pub.pem).',
  KEY_NOT_PUBLIC: () =>
    'This is a private key, but a public key is needed here. Use the public half of the key pair (for example NAME.pub.pem); never hand out a private key.',
  KEY_NOT_EXTRACTABLE: () =>
    'This private key was stored so that it can be used but never read out, so it cannot be exported. Export a backup when you create or import a key.',
  KEY_IS_OWN: (d) =>
    `This is the public key of ${d.name ? `“${d.name}”, ` : ''}a key pair stored in this browser, not your backup authority’s key. Use the public key your backup authority gave you.`,
  KEY_EXISTS: (d) =>
    `This key is already stored here${d.name ? ` as “${d.name}”` : ''}. Delete that one first to store it in another role.`,
  KEY_GONE: () =>
    'This key is no longer stored in this browser (it was deleted, perhaps in another tab). Reload the page to see the keys that are stored.',
  KEY_MISSING: () => 'Paste a key (PEM or JWK), or drop or choose a key file, first.',
  KEY_FILE_TOO_LARGE: (d) =>
    `${d.path ? `“${d.path}”` : 'This file'} is far too large to be a key file. Choose the key file itself (a few kilobytes).`,
  PASSPHRASE_REQUIRED: () => 'This private key is protected by a passphrase. Enter the passphrase to use it.',
  PASSPHRASE_WRONG: () => 'The passphrase is wrong, or the encrypted key is damaged. Check the passphrase and try again.',
  PASSPHRASE_SHORT: (d) => `Choose a passphrase of at least ${d.minLength ?? 8} characters (spaces at either end do not count).`,
  PASSPHRASE_MISMATCH: () => 'The two passphrases differ, so nothing was saved. Enter the same passphrase twice.',
  NO_OWNER_KEY: () =>
    'There is no key pair of yours stored here. Create or import your key pair, then encrypt the file again.',
  NO_AUTHORITY: () =>
    'The backup authority chosen for this file is no longer stored here, or its key ID is not confirmed. Choose an authority and encrypt the file again.',
  NO_ESCROW: () => 'Open and check an escrow blob first.',
  NOT_A_BLOB: (d) =>
    `This is not an escrow or recovery blob${orReason(d)}. Choose the small .json file the blob came in.`,
  NOT_RECOVERY_BLOB: () =>
    'This is an escrow blob, not a recovery blob. The owner opens files with the recovery blob the authority issued.',
  NOT_ESCROW_BLOB: () =>
    'This is a recovery blob, which the owner opens. The authority works from the escrow blob the owner sent.',
  CANCELLED: () => 'Cancelled. Nothing was saved.',
  NO_SPACE: (d) =>
    `There is not enough free disk space (or storage this site may use)${d.path ? ` for ${d.path}` : ' for the output'}. Nothing was saved; free some space and try again.`,
  FILE_UNREADABLE: () =>
    'The file could not be read to the end: it was moved, changed or deleted while Keyward read it. Nothing was saved; choose it again.',
  INTERNAL: () => 'Something went wrong inside Keyward. Nothing was saved; try again, and report it if it happens again.',
  DB_UNAVAILABLE: () =>
    'This browser is not letting Keyward save data here, which private windows and strict site-data settings can cause. Open Keyward in a normal window or allow site data for it, then reload.',
  DB_BLOCKED: () => 'Keyward is open in another tab with an older version. Close the other Keyward tabs, then reload this one.',
  DB_TOO_NEW: () => 'Your saved keys were written by a newer version of Keyward. Reload the page to get the newer version.',
  DB_FAILED: () =>
    'Keyward could not read or write its saved data. Reload the page; if it happens again, free some disk space or check the browser’s site-data settings.',
  USAGE: (d) => `${d.reason ? `${capitalise(d.reason)}. ` : ''}Run keyward --help to see how to use this command.`,
  FILE_NOT_FOUND: (d) =>
    d.action === 'write'
      ? `Cannot write ${d.path ?? 'the output'}: its folder does not exist.`
      : `No such file: ${d.path ?? 'the input'}${orReason(d)}. Check the path and try again.`,
  OUTPUT_EXISTS: (d) =>
    d.storedName
      ? `${d.path ?? 'The output'} already exists, and a name stored in the file never replaces a file (not even with --force). Choose where to save it with --out.`
      : `${d.path ?? 'The output'} already exists. Choose another path with --out, or add --force to replace it.`,
  IO_ERROR: (d) =>
    `Cannot ${d.action ?? 'read or write'} ${d.path ?? 'a file'}${orReason(d)}. Nothing was saved.`,
  INTERRUPTED: (d) => `Stopped${d.reason ? ` ${d.reason}` : ''} before the end; nothing was saved.`,
  // councils: desk
  MEMBER_TWICE: (d) =>
    `This identity is already in the list${d.name ? ` as “${d.name}”` : ''}: a council member holds one share and counts once. Add another member’s identity.`,
  COUNCIL_FULL: () => 'A council has at most 16 members, so this identity was not added. Remove a member first, or set up a second council.',
  // councils: desk end
  KEY_IS_AUTHORITY: () =>
    'This is a backup authority’s public key, not the owner’s. A recovery blob is issued only to the owner’s new key: ask the owner for the public key of their new key pair.',
  KEY_IS_ESCROWED_OWNER: () =>
    'This is the key the file was already encrypted for, the one the owner lost: a recovery blob for it gives them nothing. Ask the owner for the public key of their new key pair.',
  KEY_NOT_CONFIRMED: () =>
    'Compare the new key’s ID with the owner (by phone or in person) and confirm it before the recovery blob is issued.',
  ZIP_UNREADABLE: (d) => `This zip is damaged or not a zip Keyward can read${d.reason ? ` (${d.reason})` : ''}. Ask the owner to export the register again.`,
  ZIP_TOO_LARGE: (d) =>
    `This zip is too large to be a register of escrow blobs${d.limit ? ` (more than ${String(Math.round(d.limit / 1_048_576))} MiB)` : ''}, so nothing in it was opened. Ask the owner for the register export or the blobs themselves.`,
  ZIP_TOO_MANY_ENTRIES: (d) =>
    `This zip holds too many entries${d.limit ? ` (more than ${String(d.limit)})` : ''}, so nothing in it was opened. Ask the owner for a smaller export.`,
  ZIP_UNSAFE_NAME: (d) =>
    `This zip names an entry with a path trick${d.entry ? ` (${d.entry})` : ''}, so nothing in it was opened. Ask the owner to export the register again.`,
  ZIP_NO_BLOBS: () => 'This zip holds no escrow blob (no .json file), so there is nothing to check. Ask the owner for their register export.',
  ZIP_ENTRY_TOO_LARGE: () => 'This entry is far too large to be an escrow blob, so it was not opened.',
  ZIP_ENTRY_UNREADABLE: (d) => `This entry of the zip is damaged or stored in a way Keyward cannot read${d.reason ? ` (${d.reason})` : ''}, so it was not opened.`,
  NAME_REQUIRED: () =>
    'Give this key a name: it is shown with the key and written into every escrow blob, so that the backup authority knows whose it is.',
  IS_RECOVERY_BLOB: () =>
    'This is a recovery blob, not an encrypted file. Use it under “Open a file with a recovery blob”, together with the .keyward file it was issued for.',
  KEY_CHANGED: () =>
    'This key was replaced since its ID was shown (perhaps in another tab), so it was not confirmed. Reload the page and compare the ID shown now.',
  NOT_A_RECEIPT: () =>
    'This is not a receipt from a backup authority. Choose the .keyward-receipt.json file your backup authority sent for one of your files.',
  IS_ESCROW_BLOB: () =>
    'This is an escrow blob, not an encrypted file. Only your backup authority can open it (in authority mode); send it to them if you need a file recovered.',
  REQUEST_INVALID: (d) => `The escrow service cannot use this request${orReason(d)}. Check what the client sends against the service's API.`,
  BODY_TOO_LARGE: (d) =>
    `This request is far too large for the escrow service${d.limit ? ` (more than ${String(d.limit)} bytes)` : ''}, so nothing was stored. Send one escrow blob at a time.`,
  ENROL_CODE_UNKNOWN: () =>
    'The escrow service does not know this enrolment code. Check that you typed it as the officer gave it, or ask them for a new one.',
  ENROL_CODE_USED: () =>
    'This enrolment code was already used, and a code works only once. Ask your authority’s officer for a new code if you did not use it yourself.',
  ALREADY_ENROLLED: () =>
    'The escrow service knows this identity (or council) already: enrolled as a person, or registered by an officer. Nothing was changed, and no enrolment code was used.',
  IDENTITY_REVOKED: () =>
    'This identity was revoked by the authority’s officers: the recovery case that enrolled it was refused, so the escrow service does not take it again. Make a new identity, and ask an officer to check who you are.',
  NOT_ENROLLED: () =>
    'The owner who signed this escrow blob is not enrolled with the escrow service, so it was not stored. Enrol your identity with the code your authority’s officer gave you, then send it again.',
  AUTHORITY_NOT_SERVED: () =>
    'The escrow service does not keep escrow for the authority this blob was made for, so it was not stored: its officers could not recover the file. Ask your officer which authority to use and encrypt the file again for it; if the authority is the right one, the officer registers it and the blob goes through on the next try.',
  DEPOSIT_CONFLICT: () =>
    'The escrow service already holds a different escrow blob for this file, so this one was not stored. Send the blob that was made together with the file.',
  SERVICE_UNAVAILABLE: (d) => `The escrow service is not ready${orReason(d)}. Try again in a moment; nothing was stored.`,
  AUDIT_BROKEN: (d) =>
    `The audit log does not hold together${d.seq === undefined ? '' : ` at entry ${String(d.seq)}`}${orReason(d)}: an entry was changed, removed or reordered after it was written. Keep this copy and tell the authority’s officers.`,
  SIGN_IN_REQUIRED: () => 'Sign in to the escrow service with your identity first: this is shown only to someone it concerns. Nothing was changed.',
  SIGN_IN_FAILED: (d) =>
    `The escrow service could not sign you in${orReason(d)}. Use the identity the service knows you by, and sign a fresh challenge.`,
  NOT_PERMITTED: (d) =>
    `Your identity may not do this at the escrow service${orReason(d)}, so nothing was read or changed. Ask the authority’s officers if you should be able to.`,
  OUTSIDE_COUNCIL: (d) =>
    `You are not a member of the council this file was escrowed to${orReason(d)}, so the escrow service refused it and changed nothing.`,
  DEPOSIT_UNKNOWN: () => 'The escrow service holds no escrow blob for this file, so nothing was stored. Check the file, or deposit its escrow blob first.',
  CASE_UNKNOWN: () => 'The escrow service has no recovery case with this number. Check the number you were given.',
  CASE_STATE: (d) => `This recovery case cannot take this step now${orReason(d)}. Reload the case to see where it stands; nothing was changed.`,
  SERVICE_UNREACHABLE: (d) =>
    `The escrow service cannot be reached${orReason(d)}. Your work is kept here and sent when it can be reached again.`,
};

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The one sentence for a code, with the details filled in. */
export function userMessage(code: ErrorCode, details: ErrorDetails = {}): string {
  return MESSAGES[code](details);
}

/** An error that a person can act on: a code (spec §7, keys, or where Keyward runs), and details. */
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
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}
