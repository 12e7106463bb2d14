/**
 * Keyward v2 §8.2: Shamir's secret sharing of the file key over GF(2^8)
 * (polynomial 0x11B), laid out as the audited `shamir-secret-sharing`
 * package (0.0.4) lays its shares out: `y_1 … y_32 || x`. The package needs
 * two shares or more; k = 1 (every share `fileKey || x`) and combining one
 * share are done here. Each share is wrapped with RSA-OAEP-256 for its
 * member under a label of that member's own.
 */
import { combine, split } from 'shamir-secret-sharing';
import { type Bytes, utf8 } from './bytes.ts';
import { KeywardError } from './errors.ts';
import { FILE_KEY_LENGTH } from './keys/constants.ts';
import { assertStrongKey } from './keys/wrap.ts';

/** §8.2: a share is the 32 key bytes' values and its point. */
export const SHARE_LENGTH = FILE_KEY_LENGTH + 1;
/** §8.1: 1 ≤ k ≤ n ≤ 16. */
export const MAX_COUNCIL_MEMBERS = 16;

const invalid = (reason: string) => new KeywardError('ESCROW_INVALID', { reason });

/** A copy in this realm's `Uint8Array` (the package refuses a Buffer or another realm's array by its constructor). */
function plain(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return copy;
}

/** `n` distinct random points from 1 to 255 (for k = 1, which the package does not split). */
function distinctPoints(n: number): number[] {
  const points = new Set<number>();
  while (points.size < n) {
    for (const byte of globalThis.crypto.getRandomValues(new Uint8Array(n))) {
      if (byte !== 0 && points.size < n) points.add(byte);
    }
  }
  return [...points];
}

/**
 * Splits a file key into `n` shares, any `k` of which combine to it (§8.2).
 *
 * @param fileKey - the 32-byte file key
 * @returns n shares of 33 bytes with distinct nonzero points, share i for member i
 * @throws RangeError unless 1 ≤ k ≤ n ≤ 16 and the key is 32 bytes (a programming error)
 */
export async function splitKey(fileKey: Bytes, n: number, k: number): Promise<Bytes[]> {
  if (!Number.isInteger(n) || !Number.isInteger(k) || k < 1 || k > n || n > MAX_COUNCIL_MEMBERS) {
    throw new RangeError(`splitKey: need 1 <= k <= n <= ${MAX_COUNCIL_MEMBERS}, got k = ${k}, n = ${n}`);
  }
  if (fileKey.length !== FILE_KEY_LENGTH) throw new RangeError('splitKey: the file key is 32 bytes');
  if (k === 1) {
    // §8.2: for k = 1 the polynomials are constants.
    return distinctPoints(n).map((x) => {
      const share = new Uint8Array(SHARE_LENGTH);
      share.set(fileKey);
      share[FILE_KEY_LENGTH] = x;
      return share;
    });
  }
  return (await split(plain(fileKey), n, k)).map(plain);
}

/**
 * The point of a share, after its length (§8.2: 33 bytes, point 1 … 255).
 *
 * @throws KeywardError `ESCROW_INVALID`
 */
export function sharePoint(share: Uint8Array): number {
  if (share.length !== SHARE_LENGTH) throw invalid(`a share is ${SHARE_LENGTH} bytes, not ${share.length}`);
  const x = share[FILE_KEY_LENGTH]!;
  if (x === 0) throw invalid('a share has the point 0, which would be the key itself');
  return x;
}

/**
 * Combines m ≥ 1 shares with distinct points: each key byte is the Lagrange
 * interpolation at 0 (§8.2). Fewer than k shares of a split give a value
 * that says nothing about the key; the caller checks the result against the
 * header HMAC before using it.
 *
 * @returns 32 bytes
 * @throws KeywardError `ESCROW_INVALID` (no share, a share not 33 bytes, a point 0, two shares with one point)
 */
export async function combineShares(shares: readonly Uint8Array[]): Promise<Bytes> {
  if (shares.length === 0) throw invalid('no share to combine');
  const points = new Set<number>();
  for (const share of shares) {
    const x = sharePoint(share);
    if (points.has(x)) throw invalid('two shares have one point');
    points.add(x);
  }
  // One point: the interpolating polynomial is the constant y.
  if (shares.length === 1) return plain(shares[0]!.subarray(0, FILE_KEY_LENGTH));
  return plain(await combine(shares.map(plain)));
}

/** §8.2: the OAEP label of member `index`'s share, `utf8("keyward/v2 share " || decimal(index))`. */
export function shareLabel(index: number): Bytes {
  if (!Number.isInteger(index) || index < 1 || index > MAX_COUNCIL_MEMBERS) throw new RangeError(`shareLabel: no member ${index}`);
  return utf8(`keyward/v2 share ${index}`);
}

/**
 * Wraps member `index`'s share with RSA-OAEP-256 under its label (§8.2).
 *
 * @throws KeywardError `KEY_TOO_WEAK`
 */
export async function wrapShare(share: Bytes, index: number, publicKey: CryptoKey): Promise<Bytes> {
  assertStrongKey(publicKey);
  return new Uint8Array(await globalThis.crypto.subtle.encrypt({ name: 'RSA-OAEP', label: shareLabel(index) }, publicKey, share));
}

/**
 * RSA-OAEP-256 decryption under member `index`'s label, whatever the
 * plaintext's shape (§8.4 step 7: a share that then cannot be combined is
 * `ESCROW_INVALID`, not `UNWRAP_FAILED`).
 *
 * @throws KeywardError `UNWRAP_FAILED`, `KEY_TOO_WEAK`
 */
export async function unwrapShareBytes(wrapped: Bytes, index: number, privateKey: CryptoKey): Promise<Bytes> {
  assertStrongKey(privateKey);
  const label = shareLabel(index);
  try {
    return new Uint8Array(await globalThis.crypto.subtle.decrypt({ name: 'RSA-OAEP', label }, privateKey, wrapped));
  } catch (cause) {
    throw new KeywardError('UNWRAP_FAILED', {}, { cause });
  }
}

/**
 * Unwraps member `index`'s share. Any failure (wrong key, altered bytes,
 * another label, a result that is not a share) is `UNWRAP_FAILED`.
 *
 * @returns the 33-byte share, its point nonzero
 * @throws KeywardError `UNWRAP_FAILED`, `KEY_TOO_WEAK`
 */
export async function unwrapShare(wrapped: Bytes, index: number, privateKey: CryptoKey): Promise<Bytes> {
  const share = await unwrapShareBytes(wrapped, index, privateKey);
  if (share.length !== SHARE_LENGTH || share[FILE_KEY_LENGTH] === 0) {
    share.fill(0);
    throw new KeywardError('UNWRAP_FAILED', { reason: `the unwrapped share is not ${SHARE_LENGTH} bytes with a nonzero point` });
  }
  return share;
}
