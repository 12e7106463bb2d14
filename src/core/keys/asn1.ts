/**
 * The small, strict DER (X.690 §10) reader and writer the key formats need:
 * SEQUENCE, INTEGER, OCTET STRING, BIT STRING, NULL, OBJECT IDENTIFIER and
 * context-specific tags. Nothing more: no BER, no high tag numbers, no
 * indefinite lengths, no strings or times.
 *
 * Every malformed input is `KEY_UNREADABLE` with a short reason. Keys reach
 * this code straight from a user's paste, so a `RangeError` or `TypeError`
 * from a bad length must never escape (style guide §10: parser fuzzing).
 */
import { type Bytes, concat, toBytes } from '../bytes.ts';
import { KeywardError } from '../errors.ts';

/** Universal tags (X.680 §8.4), with the constructed bit where DER sets it. */
export const TAG = {
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  SEQUENCE: 0x30,
} as const;

/** `[n]` with the constructed bit (EXPLICIT tagging, or IMPLICIT over a SEQUENCE). */
export function contextTag(n: number, constructed: boolean): number {
  return 0x80 | (constructed ? 0x20 : 0) | n;
}

/** One TLV. `content` and `encoded` share the input's buffer. */
export interface DerElement {
  /** The identifier octet (class, constructed bit and tag number). */
  readonly tag: number;
  /** The value octets. */
  readonly content: Bytes;
  /** Identifier, length and value octets: the exact bytes that were read. */
  readonly encoded: Bytes;
}

/** The error of every malformed input in the key modules. */
export function unreadable(reason: string): KeywardError {
  return new KeywardError('KEY_UNREADABLE', { reason });
}

/**
 * Reads one element at `offset`; the caller decides what may follow it.
 * Lengths of more than four octets are refused: no key is 4 GiB long, and it
 * keeps every offset a safe small integer.
 */
function readElementAt(bytes: Bytes, offset: number, what: string): DerElement {
  const start = offset;
  if (offset >= bytes.length) throw unreadable(`${what}: truncated DER (missing tag)`);
  const tag = bytes[offset++]!;
  // X.690 §8.1.2.4: tag number 31 announces the multi-octet form, which no key format uses.
  if ((tag & 0x1f) === 0x1f) throw unreadable(`${what}: unsupported high tag number`);
  if (offset >= bytes.length) throw unreadable(`${what}: truncated DER (missing length)`);
  const first = bytes[offset++]!;
  let length: number;
  if (first < 0x80) {
    length = first;
  } else {
    const count = first & 0x7f;
    // X.690 §10.1: DER has definite lengths only (0x80 is BER's indefinite form).
    if (count === 0) throw unreadable(`${what}: indefinite length is not DER`);
    if (count > 4) throw unreadable(`${what}: length field too long`);
    if (offset + count > bytes.length) throw unreadable(`${what}: truncated DER (length)`);
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[offset++]!;
    // X.690 §10.1: the minimal number of length octets, and the short form below 128.
    if (bytes[offset - count] === 0 || length < 0x80) throw unreadable(`${what}: non-minimal DER length`);
  }
  if (length > bytes.length - offset) throw unreadable(`${what}: truncated DER (content)`);
  return {
    tag,
    content: bytes.subarray(offset, offset + length),
    encoded: bytes.subarray(start, offset + length),
  };
}

/**
 * Reads exactly one DER element filling all of `bytes`.
 *
 * @throws KeywardError `KEY_UNREADABLE`: malformed or trailing bytes
 */
export function readDer(bytes: Bytes, what: string): DerElement {
  const element = readElementAt(bytes, 0, what);
  if (element.encoded.length !== bytes.length) throw unreadable(`${what}: trailing bytes after DER`);
  return element;
}

/** Reads the elements inside a constructed element, one after another. */
export class DerReader {
  private offset = 0;
  private readonly content: Bytes;

  /**
   * @param element - a SEQUENCE or constructed context element
   * @param what - names the structure in error reasons
   * @param tag - the identifier `element` must have
   * @throws KeywardError `KEY_UNREADABLE`: `element` does not have that tag
   */
  constructor(
    element: DerElement,
    private readonly what: string,
    tag: number = TAG.SEQUENCE,
  ) {
    expectTag(element, tag, what);
    this.content = element.content;
  }

  /** True while elements remain. */
  get more(): boolean {
    return this.offset < this.content.length;
  }

  /**
   * The next element, which must have `tag` if one is given.
   *
   * @throws KeywardError `KEY_UNREADABLE`
   */
  next(field: string, tag?: number): DerElement {
    if (!this.more) throw unreadable(`${this.what}: missing ${field}`);
    const element = readElementAt(this.content, this.offset, `${this.what} ${field}`);
    if (tag !== undefined) expectTag(element, tag, `${this.what} ${field}`);
    this.offset += element.encoded.length;
    return element;
  }

  /** The next element if it has `tag` (an OPTIONAL or DEFAULT field), else nothing. */
  optional(field: string, tag: number): DerElement | undefined {
    if (!this.more || this.content[this.offset] !== tag) return undefined;
    return this.next(field, tag);
  }

  /**
   * Asserts that nothing follows: an extra field is not something to skip.
   *
   * @throws KeywardError `KEY_UNREADABLE`
   */
  end(): void {
    if (this.more) throw unreadable(`${this.what}: unexpected extra field`);
  }
}

function expectTag(element: DerElement, tag: number, what: string): void {
  if (element.tag !== tag) {
    throw unreadable(`${what}: expected tag 0x${hex2(tag)}, found 0x${hex2(element.tag)}`);
  }
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

/**
 * A non-negative INTEGER as its big-endian magnitude, without the sign octet.
 * Every integer in the key formats (RFC 8017 A.1, RFC 8018 A.2) is
 * non-negative, so a negative one is malformed rather than a value.
 *
 * @throws KeywardError `KEY_UNREADABLE`
 */
export function readUnsignedInteger(element: DerElement, what: string): Bytes {
  expectTag(element, TAG.INTEGER, what);
  const c = element.content;
  if (c.length === 0) throw unreadable(`${what}: empty INTEGER`);
  // X.690 §8.3.2: the first nine bits are never all zeros or all ones.
  if (c.length > 1 && ((c[0] === 0 && c[1]! < 0x80) || (c[0] === 0xff && c[1]! >= 0x80))) {
    throw unreadable(`${what}: non-minimal INTEGER`);
  }
  if (c[0]! >= 0x80) throw unreadable(`${what}: negative INTEGER`);
  return c[0] === 0 ? c.subarray(1) : c;
}

/**
 * A small non-negative INTEGER (a version, an iteration count) as a number.
 *
 * @throws KeywardError `KEY_UNREADABLE`: malformed, or above 2^48
 */
export function readSmallInteger(element: DerElement, what: string): number {
  const magnitude = readUnsignedInteger(element, what);
  if (magnitude.length > 6) throw unreadable(`${what}: INTEGER too large`);
  let n = 0;
  for (const b of magnitude) n = n * 256 + b;
  return n;
}

/**
 * @throws KeywardError `KEY_UNREADABLE`
 */
export function readOctetString(element: DerElement, what: string): Bytes {
  expectTag(element, TAG.OCTET_STRING, what);
  return element.content;
}

/**
 * A BIT STRING of whole octets. Every BIT STRING in the key formats wraps
 * DER (RFC 5280 §4.1.2.7, RFC 5958 §2), so unused bits mean damage.
 *
 * @throws KeywardError `KEY_UNREADABLE`
 */
export function readBitString(element: DerElement, what: string): Bytes {
  expectTag(element, TAG.BIT_STRING, what);
  const c = element.content;
  if (c.length === 0) throw unreadable(`${what}: empty BIT STRING`);
  if (c[0] !== 0) throw unreadable(`${what}: BIT STRING with unused bits`);
  return c.subarray(1);
}

/**
 * @throws KeywardError `KEY_UNREADABLE`
 */
export function readNull(element: DerElement, what: string): void {
  expectTag(element, TAG.NULL, what);
  if (element.content.length !== 0) throw unreadable(`${what}: NULL with content`);
}

/**
 * An OBJECT IDENTIFIER in dotted form (`1.2.840.113549.1.1.1`).
 *
 * @throws KeywardError `KEY_UNREADABLE`
 */
export function readOid(element: DerElement, what: string): string {
  expectTag(element, TAG.OID, what);
  const c = element.content;
  if (c.length === 0) throw unreadable(`${what}: empty OBJECT IDENTIFIER`);
  const arcs: number[] = [];
  let value = 0;
  let fresh = true;
  for (const b of c) {
    // X.690 §8.19.2: each subidentifier in the fewest octets (no leading 0x80).
    if (fresh && b === 0x80) throw unreadable(`${what}: non-minimal OBJECT IDENTIFIER`);
    if (value > 0xffffffff) throw unreadable(`${what}: OBJECT IDENTIFIER arc too large`);
    value = value * 128 + (b & 0x7f);
    fresh = (b & 0x80) === 0;
    if (fresh) {
      if (arcs.length === 0) {
        // X.690 §8.19.4: the first subidentifier packs the first two arcs.
        const top = value < 40 ? 0 : value < 80 ? 1 : 2;
        arcs.push(top, value - top * 40);
      } else {
        arcs.push(value);
      }
      value = 0;
    }
  }
  if (!fresh) throw unreadable(`${what}: truncated OBJECT IDENTIFIER`);
  return arcs.join('.');
}

/** Identifier, DER length and content. */
export function encodeDer(tag: number, content: Uint8Array): Bytes {
  const n = content.length;
  let header: number[];
  if (n < 0x80) {
    header = [tag, n];
  } else {
    const octets: number[] = [];
    for (let rest = n; rest > 0; rest = Math.floor(rest / 256)) octets.unshift(rest % 256);
    header = [tag, 0x80 | octets.length, ...octets];
  }
  return concat(Uint8Array.from(header), content);
}

/** SEQUENCE of already encoded elements. */
export function derSequence(...elements: readonly Uint8Array[]): Bytes {
  return encodeDer(TAG.SEQUENCE, concat(...elements));
}

/** A non-negative INTEGER from its big-endian magnitude (leading zeros allowed). */
export function derUnsignedInteger(magnitude: Uint8Array): Bytes {
  let start = 0;
  while (start < magnitude.length && magnitude[start] === 0) start++;
  const trimmed = magnitude.subarray(start);
  if (trimmed.length === 0) return encodeDer(TAG.INTEGER, Uint8Array.of(0));
  // X.690 §8.3.3: a set top bit would read as negative, so prefix a zero octet.
  return encodeDer(TAG.INTEGER, trimmed[0]! >= 0x80 ? concat(Uint8Array.of(0), trimmed) : trimmed);
}

/** A small non-negative INTEGER. */
export function derSmallInteger(n: number): Bytes {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`derSmallInteger: ${n} out of range`);
  const octets: number[] = [];
  for (let rest = n; rest > 0; rest = Math.floor(rest / 256)) octets.unshift(rest % 256);
  return derUnsignedInteger(Uint8Array.from(octets));
}

export function derOctetString(content: Uint8Array): Bytes {
  return encodeDer(TAG.OCTET_STRING, content);
}

/** A BIT STRING of whole octets (no unused bits). */
export function derBitString(content: Uint8Array): Bytes {
  return encodeDer(TAG.BIT_STRING, concat(Uint8Array.of(0), content));
}

export function derNull(): Bytes {
  return toBytes(Uint8Array.of(TAG.NULL, 0));
}

/** An OBJECT IDENTIFIER from dotted form; the caller passes a well-formed constant. */
export function derOid(dotted: string): Bytes {
  const arcs = dotted.split('.').map(Number);
  if (arcs.length < 2 || arcs.some((a) => !Number.isSafeInteger(a) || a < 0)) {
    throw new RangeError(`derOid: bad OID ${dotted}`);
  }
  const [first, second, ...rest] = arcs as [number, number, ...number[]];
  const out: number[] = [];
  for (const arc of [first * 40 + second, ...rest]) {
    const group = [arc % 128];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) group.unshift(0x80 | v % 128);
    out.push(...group);
  }
  return encodeDer(TAG.OID, Uint8Array.from(out));
}

/** `[n]` around already encoded content. */
export function derContext(n: number, content: Uint8Array, constructed = true): Bytes {
  return encodeDer(contextTag(n, constructed), content);
}
