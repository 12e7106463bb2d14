/**
 * Keyward v2 §1: canonical JSON (the RFC 8785 subset signed objects use) and
 * the strict reader of signed objects: every field known, every type right,
 * no key twice (core/json.ts refuses that while parsing).
 */
import { b64uLength } from './bytes.ts';
import { KeywardError } from './errors.ts';
import { isKeyId } from './keys/key-id.ts';

const malformed = (reason: string) => new KeywardError('MALFORMED', { reason });

/**
 * `canonical(x)` of spec v2 §1: objects with keys sorted by UTF-16 code
 * units, arrays, strings escaped as `JSON.stringify` escapes them, integers
 * from 0 to 2^53 - 1; no white space.
 *
 * @throws KeywardError `MALFORMED` for anything else (a float, a negative or unsafe number, `true`, `false`, `null`, `undefined`)
 */
export function canonicalJson(value: unknown): string {
  try {
    return write(value);
  } catch (error) {
    if (error !== NOT_CANONICAL) throw error;
    // Looked for again, with paths, only to say where the value a signed object may not hold is.
    throw malformed(refusal(value, '$')!);
  }
}

/**
 * `canonical(record)` and `canonical(record without the key omit)` from one walk: a signed object's text and
 * the body its signature covers (spec v2 §1), each value written once for both.
 *
 * @throws KeywardError `MALFORMED` as {@link canonicalJson}, for anything but a plain object too
 */
export function canonicalJsonWithout(record: unknown, omit: string): [whole: string, without: string] {
  try {
    if (!isRecord(record)) throw NOT_CANONICAL;
    const keys = Object.keys(record).sort();
    let whole = '';
    let without = '';
    for (const key of keys) {
      const piece = `${JSON.stringify(key)}:${write(record[key])}`;
      whole += whole === '' ? piece : `,${piece}`;
      if (key !== omit) without += without === '' ? piece : `,${piece}`;
    }
    return [`{${whole}}`, `{${without}}`];
  } catch (error) {
    if (error !== NOT_CANONICAL) throw error;
    throw malformed(refusal(record, '$') ?? '$ must be an object');
  }
}

/** Thrown by `write` for a value canonical JSON may not hold; `refusal` says which and where. */
const NOT_CANONICAL = new Error('not canonical');

const isCanonicalNumber = (value: number) => Number.isSafeInteger(value) && value >= 0 && !Object.is(value, -0);
const isRecord = (value: unknown): value is Record<string, unknown> => {
  if (!isPlainObject(value)) return false;
  const prototype = Object.getPrototypeOf(value) as object | null;
  return prototype === Object.prototype || prototype === null;
};

function write(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!isCanonicalNumber(value)) throw NOT_CANONICAL;
    return String(value);
  }
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + write(value[i]);
    return `${out}]`;
  }
  if (isRecord(value)) {
    // The default sort compares UTF-16 code units, as RFC 8785 §3.2.3 asks.
    const keys = Object.keys(value).sort();
    let out = '{';
    for (let i = 0; i < keys.length; i++) out += `${i === 0 ? '' : ','}${JSON.stringify(keys[i])}:${write(value[keys[i]!])}`;
    return `${out}}`;
  }
  throw NOT_CANONICAL;
}

/** Why `write` refused `value`, naming the first value it may not hold by its path; `null` if it may hold all. */
function refusal(value: unknown, where: string): string | null {
  if (typeof value === 'string') return null;
  if (typeof value === 'number') return isCanonicalNumber(value) ? null : `${where} must be an integer from 0 to 2^53 - 1`;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = refusal(value[i], `${where}[${i}]`);
      if (found !== null) return found;
    }
    return null;
  }
  if (isRecord(value)) {
    for (const key of Object.keys(value).sort()) {
      const found = refusal(value[key], `${where}.${key}`);
      if (found !== null) return found;
    }
    return null;
  }
  return `${where} holds ${value === null ? 'null' : typeof value === 'boolean' ? String(value) : `a ${typeof value}`}, which a signed object may not`;
}

/** A JSON object (not an array, not null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The fields of a signed object (or one of its members): one the spec does
 * not define is `MALFORMED` (v2 §1: a reader refuses what it cannot check).
 * A missing field is refused by the type check of that field.
 *
 * @throws KeywardError `MALFORMED`
 */
export function exactFields(value: unknown, where: string, fields: readonly string[]): Record<string, unknown> {
  if (!isPlainObject(value)) throw malformed(`${where} must be a JSON object`);
  for (const key of Object.keys(value)) {
    if (!fields.includes(key)) throw malformed(`${where} has a field a signed object may not have: ${JSON.stringify(key.slice(0, 40))}`);
  }
  return value;
}

/** @throws KeywardError `MALFORMED` unless `value` is a string */
export function stringField(value: unknown, where: string): string {
  if (typeof value !== 'string') throw malformed(`${where} must be a string`);
  return value;
}

/**
 * Checks a base64url field without decoding it.
 *
 * @returns the field's text
 * @throws KeywardError `MALFORMED` unless `value` is strict b64u of `length` bytes (or, without a length, of at least one)
 */
export function b64uField(value: unknown, where: string, length?: number): string {
  const text = stringField(value, where);
  const size = b64uLength(text, where);
  if (length !== undefined && size !== length) throw malformed(`${where} must be ${length} bytes`);
  if (size === 0) throw malformed(`${where} must not be empty`);
  return text;
}

/** @throws KeywardError `MALFORMED` unless `value` is a key or identity ID (`"SHA256:"` and 64 lowercase hex digits) */
export function idField(value: unknown, where: string): string {
  if (!isKeyId(value)) throw malformed(`${where} is not a SHA256: ID`);
  return value;
}

/** ISO 8601 UTC with milliseconds: `2026-11-28T12:00:00.000Z`. */
const ISO_UTC_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** @throws KeywardError `MALFORMED` unless `value` is an ISO 8601 UTC time with milliseconds (v2 §4) */
export function timeField(value: unknown, where: string): string {
  const text = stringField(value, where);
  if (!ISO_UTC_MS.test(text) || Number.isNaN(Date.parse(text)) || new Date(text).toISOString() !== text) {
    throw malformed(`${where} must be an ISO 8601 UTC time with milliseconds`);
  }
  return text;
}
