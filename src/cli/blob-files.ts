/** Escrow and recovery blob files and receipts named on the command line (spec v1 §5, v2 §4–§6). */
import { type BlobFormat, type EscrowBlobV2, type KeyBlob, KeywardError, parseBlob, parseSignedObject } from '../core/index.ts';
import { withContext } from './errors.ts';
import { readSmallBytes, readSmallText } from './node-io.ts';

/**
 * A blob is a few kilobytes (a wrapped key is at most 2 KB of base64url);
 * a megabyte leaves room for any description and still stops a wrong file
 * (an encrypted file, say) from being read into memory whole.
 */
export const MAX_BLOB_FILE_BYTES = 1 << 20;

/**
 * Reads a blob's JSON text.
 *
 * @throws KeywardError `FILE_NOT_FOUND`, `IO_ERROR`; KeywardError `MALFORMED` (too large)
 */
export function readBlobText(path: string): Promise<string> {
  return readSmallText(path, MAX_BLOB_FILE_BYTES, () => new KeywardError('MALFORMED', { reason: 'the file is far too large to be a blob' }));
}

/**
 * Reads a blob's bytes as they are (a drill report names each blob by their hash).
 *
 * @throws KeywardError `FILE_NOT_FOUND`, `IO_ERROR`; KeywardError `MALFORMED` (too large)
 */
export function readBlobBytes(path: string): Promise<Uint8Array<ArrayBuffer>> {
  return readSmallBytes(path, MAX_BLOB_FILE_BYTES, () => new KeywardError('MALFORMED', { reason: 'the file is far too large to be a blob' }));
}

/**
 * Reads and checks a blob file.
 *
 * @param flag - the option it came from (for the error's context line), or `''` for a positional argument
 * @param expected - the blob format needed here; the other one is `MALFORMED`
 * @throws KeywardError `FILE_NOT_FOUND`, `IO_ERROR`; KeywardError `MALFORMED`
 */
export async function loadBlob(path: string, flag: string, expected: BlobFormat): Promise<KeyBlob> {
  try {
    return parseBlob(await readBlobText(path), expected);
  } catch (error) {
    throw withContext(error, flag ? `${flag} ${path}` : path);
  }
}

/**
 * Reads a blob file of either version, or a receipt (keyward-v2.md §4–§6),
 * parsed strictly; nothing is verified yet.
 *
 * @param flag - the option it came from (for the error's context line), or `''` for a positional argument
 * @throws KeywardError `FILE_NOT_FOUND`, `IO_ERROR`, `MALFORMED`, `UNSUPPORTED_VERSION` (a council blob)
 */
export async function loadSignedObject(path: string, flag: string): Promise<ReturnType<typeof parseSignedObject>> {
  try {
    return parseSignedObject(await readBlobText(path));
  } catch (error) {
    throw withContext(error, flag ? `${flag} ${path}` : path);
  }
}

/** An escrow blob of either version. */
export type AnyEscrowBlob = { version: 1; blob: KeyBlob } | { version: 2; blob: EscrowBlobV2 };

/**
 * Reads an escrow blob of either version (v1 §5, v2 §4), parsed strictly;
 * a recovery blob or a receipt is `MALFORMED`, as v1's reader says.
 *
 * @throws as {@link loadSignedObject}
 */
export async function loadEscrowBlob(path: string, flag: string): Promise<AnyEscrowBlob> {
  const parsed = await loadSignedObject(path, flag);
  if (parsed.kind === 'escrow-v2') return { version: 2, blob: parsed.blob };
  if (parsed.kind === 'escrow-v1') return { version: 1, blob: parsed.blob };
  const what = parsed.kind === 'receipt' ? 'a receipt' : parsed.kind === 'drill' ? 'a drill report' : 'a recovery blob';
  throw withContext(new KeywardError('MALFORMED', { reason: `this is ${what}, not an escrow blob` }), flag ? `${flag} ${path}` : path);
}
