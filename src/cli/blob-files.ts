/** Escrow and recovery blob files named on the command line (spec §5). */
import { type BlobFormat, type KeyBlob, KeywardError, parseBlob } from '../core/index.ts';
import { withContext } from './errors.ts';
import { readSmallText } from './node-io.ts';

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
