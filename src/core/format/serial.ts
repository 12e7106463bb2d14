/** Keyward v1 §5: the key's serial number, `KW-` and 16 Crockford base32 characters. */
import { FILE_ID_LENGTH } from './constants.ts';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const SERIAL_PATTERN = /^KW-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/;

/**
 * The serial of a file: the first 10 bytes (80 bits) of `fileId` in Crockford
 * base32, most significant bit first, in four groups of four.
 *
 * @throws RangeError if `fileId` is not 16 bytes (parsers check lengths first)
 */
export function serialFromFileId(fileId: Uint8Array): string {
  if (fileId.length !== FILE_ID_LENGTH) throw new RangeError('fileId must be 16 bytes');
  let chars = '';
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < 10; i++) {
    acc = (acc << 8) | fileId[i]!;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      chars += CROCKFORD[(acc >>> bits) & 31]!;
    }
    acc &= (1 << bits) - 1;
  }
  return `KW-${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8, 12)}-${chars.slice(12, 16)}`;
}

/** True when `value` has the shape of a serial (not whether it belongs to a file). */
export function isSerial(value: unknown): value is string {
  return typeof value === 'string' && SERIAL_PATTERN.test(value);
}
