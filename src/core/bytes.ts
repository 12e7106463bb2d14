/**
 * Byte helpers shared by every part of the core: strict base64url (spec §1)
 * and base64 (PEM), big-endian integers, UTF-8, constant-time comparison.
 */
import { KeywardError } from './errors.ts';

/**
 * Bytes backed by a plain `ArrayBuffer`. TypeScript 5.7+ types a bare
 * `Uint8Array` as possibly backed by a `SharedArrayBuffer`, which WebCrypto's
 * `BufferSource` does not accept; every byte value in the core is this type.
 */
export type Bytes = Uint8Array<ArrayBuffer>;

/**
 * Copies any buffer or view into fresh `Bytes`. A copy also sidesteps realm
 * mismatches (a DOM `ArrayBuffer` handed to Node's WebCrypto).
 */
export function toBytes(data: ArrayBuffer | ArrayBufferView): Bytes {
  if (data instanceof ArrayBuffer) return new Uint8Array(data.slice(0));
  const out = new Uint8Array(data.byteLength);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return out;
}

/** Concatenates byte arrays into one fresh array. */
export function concat(...parts: readonly Uint8Array[]): Bytes {
  return concatAll(parts);
}

/** `concat` over a list, which may be longer than a call's arguments can be (a stream's many small pieces). */
export function concatAll(parts: readonly Uint8Array[]): Bytes {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** `u32be(n)` of spec §1. */
export function u32be(n: number): Bytes {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`u32be: ${n} out of range`);
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n, false);
  return out;
}

/** Reads a big-endian u32 at `offset`; the caller checks the length. */
export function readU32be(bytes: Uint8Array, offset = 0): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(offset, false);
}

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** `utf8(s)` of spec §1. */
export function utf8(text: string): Bytes {
  return encoder.encode(text);
}

/**
 * Decodes UTF-8 strictly: invalid sequences are `MALFORMED`, never replaced
 * with U+FFFD (which would let two different byte strings mean the same text).
 */
export function fromUtf8(bytes: Uint8Array, what = 'text'): string {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    throw new KeywardError('MALFORMED', { reason: `${what} is not valid UTF-8` });
  }
}

const B64U = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const valuesOf = (alphabet: string) => {
  const values = new Int16Array(128).fill(-1);
  for (let i = 0; i < alphabet.length; i++) values[alphabet.charCodeAt(i)] = i;
  return values;
};
const B64U_VALUE = valuesOf(B64U);
const B64_VALUE = valuesOf(B64);

function encode64(bytes: Uint8Array, alphabet: string, pad: boolean): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += alphabet[n >>> 18]! + alphabet[(n >>> 12) & 63]! + alphabet[(n >>> 6) & 63]! + alphabet[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += alphabet[n >>> 18]! + alphabet[(n >>> 12) & 63]! + (pad ? '==' : '');
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += alphabet[n >>> 18]! + alphabet[(n >>> 12) & 63]! + alphabet[(n >>> 6) & 63]! + (pad ? '=' : '');
  }
  return out;
}

/**
 * The one strict base64 decoder (RFC 4648): characters outside the alphabet,
 * misplaced or missing padding, an impossible length and non-zero trailing
 * bits are all refused, so each value has exactly one encoding and nothing
 * is malleable. `padded`: padding is required (§4 base64, PEM); otherwise it
 * is refused (§5 base64url, spec §1).
 */
function decode64(text: string, values: Int16Array, padded: boolean, bad: (why: string) => Error): Bytes {
  let padding = 0;
  if (padded) {
    if (text.length % 4 !== 0) throw bad('length is not a multiple of 4');
    padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  } else if (text.length % 4 === 1) {
    throw bad('impossible length');
  }
  const length = text.length - padding;
  const out = new Uint8Array(Math.floor((length * 3) / 4));
  let o = 0;
  let i = 0;
  // Four characters make three bytes; a block with a character outside the alphabet is left to the loop below,
  // which refuses its first such character as it would have anyway.
  for (const whole = length - (length % 4); i < whole; i += 4) {
    const a = text.charCodeAt(i);
    const b = text.charCodeAt(i + 1);
    const c = text.charCodeAt(i + 2);
    const d = text.charCodeAt(i + 3);
    if ((a | b | c | d) >= 128) break;
    const va = values[a]!;
    const vb = values[b]!;
    const vc = values[c]!;
    const vd = values[d]!;
    if ((va | vb | vc | vd) < 0) break;
    const n = (va << 18) | (vb << 12) | (vc << 6) | vd;
    out[o] = n >>> 16;
    out[o + 1] = (n >>> 8) & 0xff;
    out[o + 2] = n & 0xff;
    o += 3;
  }
  let acc = 0;
  let bits = 0;
  for (; i < length; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? values[c]! : -1;
    if (v < 0) throw bad(c === 61 ? (padded ? 'padding inside the text' : 'padding') : 'character outside the alphabet');
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >>> bits) & 0xff;
      acc &= (1 << bits) - 1;
    }
  }
  if (acc !== 0) throw bad('non-zero trailing bits');
  return out;
}

/** `b64u(x)` of spec §1: base64url without padding. */
export function b64u(bytes: Uint8Array): string {
  return encode64(bytes, B64U, false);
}

/**
 * Strict base64url decoding (spec §1): no padding, only the url-safe
 * alphabet, zero trailing bits.
 *
 * @throws KeywardError `MALFORMED`
 */
export function fromB64u(text: string, what = 'value'): Bytes {
  return decode64(text, B64U_VALUE, false, (why) => new KeywardError('MALFORMED', { reason: `${what} is not valid base64url (${why})` }));
}

/** Only characters of the base64url alphabet. */
const B64U_TEXT = /^[A-Za-z0-9_-]*$/;

/**
 * The number of bytes strict base64url `text` holds: what `fromB64u(text).length`
 * is, without decoding it (a reader that only checks a field). Text that
 * `fromB64u` refuses is refused with the same error.
 *
 * @throws KeywardError `MALFORMED`, as `fromB64u`
 */
export function b64uLength(text: string, what = 'value'): number {
  const tail = text.length % 4;
  // 2 or 3 characters left over hold 4 or 2 bits past the last byte, which must be zero.
  const last = tail === 0 ? 0 : B64U_VALUE[text.charCodeAt(text.length - 1)] ?? -1;
  // Anything else goes to the decoder, which refuses it with its reason.
  if (tail === 1 || !B64U_TEXT.test(text) || (tail === 2 && (last & 15) !== 0) || (tail === 3 && (last & 3) !== 0)) return fromB64u(text, what).length;
  return Math.floor((text.length * 3) / 4);
}

/** RFC 4648 §4 base64 with padding (PEM bodies). */
export function toBase64(bytes: Uint8Array): string {
  return encode64(bytes, B64, true);
}

/**
 * Strict RFC 4648 §4 base64 with padding (PEM bodies): `atob` would accept
 * missing padding and non-zero trailing bits, so two texts could mean one key.
 *
 * @param bad - the error for a text that is not valid, given why
 */
export function fromBase64(text: string, bad: (why: string) => Error): Bytes {
  return decode64(text, B64_VALUE, true, bad);
}

/** Lowercase hex. */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

/** Compares in time that depends only on the lengths. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Fresh random bytes from the platform CSPRNG. */
export function randomBytes(length: number): Bytes {
  const out = new Uint8Array(length);
  globalThis.crypto.getRandomValues(out);
  return out;
}

/** A SHA-256 the caller has at hand without a trip to WebCrypto's thread (the service passes node:crypto's): the same bytes, at once. */
export type Sha256 = (bytes: Bytes) => Bytes;

/** SHA-256 digest: by `now` when given, by WebCrypto otherwise. */
export async function sha256(bytes: Bytes, now?: Sha256): Promise<Bytes> {
  return now ? now(bytes) : new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', bytes));
}
