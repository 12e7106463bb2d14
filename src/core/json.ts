/**
 * The one JSON parser for what Keyward reads from outside (file headers and
 * metadata, escrow and recovery blobs, JWK keys). It is `JSON.parse`
 * (RFC 8259, the same values) except that an object with the same key twice,
 * at any depth, is refused: `JSON.parse` keeps the last value, so a blob
 * could show one `description` and mean another.
 */
import { type ErrorCode, KeywardError } from './errors.ts';

/** Deeper nesting than any Keyward document has is refused, not left to overflow the stack. */
const MAX_DEPTH = 256;

export interface JsonOptions {
  /** The error code thrown (default `MALFORMED`). */
  code?: ErrorCode;
  /** What the text is, for the reason (default "the JSON"). */
  what?: string;
}

const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/**
 * Parses JSON text strictly.
 *
 * @returns the same value `JSON.parse(text)` gives
 * @throws KeywardError `options.code` (default `MALFORMED`) for text that is
 *   not JSON, an object with a duplicate key, or nesting deeper than 256
 */
export function parseJson(text: string, options: JsonOptions = {}): unknown {
  const value = nativeWithoutDuplicates(text);
  return value === REFER ? parseByHand(text, options) : value;
}

/** `nativeWithoutDuplicates` cannot say: `parseByHand` decides (and says why). */
export const REFER = Symbol('refer to parseByHand');

/** Nesting up to this depth is checked here; deeper text goes to `parseByHand` (its limit is MAX_DEPTH). */
const FAST_DEPTH = 64;

/**
 * The fast path of `parseJson`: `JSON.parse` (native), then a count. In JSON
 * text each object member has one `:` outside strings, and `JSON.parse` keeps
 * one key per name: the text has no key twice exactly when the value's keys
 * are as many as the text's colons. The text is JSON once `JSON.parse` took
 * it, so a string ends at the first quote after it that is not escaped (an
 * even number of backslashes before it); the scan jumps there with
 * `indexOf`, and allocates nothing.
 *
 * @returns the value, or REFER for text that is not JSON, has a key twice or nests deeper than FAST_DEPTH
 * (exported for its tests: text it refers is read right, but slowly)
 */
export function nativeWithoutDuplicates(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return REFER;
  }
  let colons = 0;
  let depth = 0;
  for (let at = 0; at < text.length; at++) {
    const c = text.charCodeAt(at);
    if (c === 0x22) {
      // To the string's closing quote: the first one after an even number of backslashes.
      for (;;) {
        at = text.indexOf('"', at + 1);
        if (at < 0) return REFER;
        let backslashes = 0;
        while (text.charCodeAt(at - 1 - backslashes) === 0x5c) backslashes++;
        if (backslashes % 2 === 0) break;
      }
    } else if (c === 0x3a) colons++;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > FAST_DEPTH) return REFER;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return keysIn(value) === colons ? value : REFER;
}

/** The number of keys of every object in a parsed value (at most FAST_DEPTH deep). */
function keysIn(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  let count = 0;
  if (Array.isArray(value)) {
    for (const item of value) count += keysIn(item);
    return count;
  }
  for (const key of Object.keys(value)) count += 1 + keysIn((value as Record<string, unknown>)[key]);
  return count;
}

/** `parseJson` character by character: the reference, and the reason for text it refuses. */
export function parseByHand(text: string, options: JsonOptions = {}): unknown {
  const what = options.what ?? 'the JSON';
  const fail = (why: string): never => {
    throw new KeywardError(options.code ?? 'MALFORMED', { reason: `${what} ${why}` });
  };
  const invalid = () => fail('is not valid JSON');
  let at = 0;

  const space = () => {
    for (;;) {
      const c = text.charCodeAt(at);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) at++;
      else return;
    }
  };

  const string = (): string => {
    // at is on the opening quote.
    at++;
    let out = '';
    let from = at;
    for (;;) {
      if (at >= text.length) return invalid();
      const c = text.charCodeAt(at);
      if (c === 0x22) {
        out += text.slice(from, at);
        at++;
        return out;
      }
      if (c < 0x20) return invalid();
      if (c !== 0x5c) {
        at++;
        continue;
      }
      out += text.slice(from, at);
      const e = text[at + 1];
      if (e === 'u') {
        const hex = text.slice(at + 2, at + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) return invalid();
        out += String.fromCharCode(parseInt(hex, 16));
        at += 6;
      } else {
        const plain = e === undefined ? undefined : ESCAPES[e];
        if (plain === undefined) return invalid();
        out += plain;
        at += 2;
      }
      from = at;
    }
  };

  const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  const number = (): number => {
    NUMBER.lastIndex = at;
    const match = NUMBER.exec(text);
    if (!match || match[0].length === 0) return invalid();
    at += match[0].length;
    return Number(match[0]);
  };

  const literal = (word: string, value: unknown): unknown => {
    if (!text.startsWith(word, at)) return invalid();
    at += word.length;
    return value;
  };

  const value = (depth: number): unknown => {
    if (depth > MAX_DEPTH) return fail('is nested too deeply');
    space();
    const c = text[at];
    switch (c) {
      case '{': {
        at++;
        const object: Record<string, unknown> = {};
        const seen = new Set<string>();
        space();
        if (text[at] === '}') {
          at++;
          return object;
        }
        for (;;) {
          space();
          if (text[at] !== '"') return invalid();
          const key = string();
          if (seen.has(key)) return fail(`has the key ${JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…` : key)} twice`);
          seen.add(key);
          space();
          if (text[at] !== ':') return invalid();
          at++;
          // An own property, as JSON.parse makes it: even "__proto__" is a plain key.
          Object.defineProperty(object, key, { value: value(depth + 1), writable: true, enumerable: true, configurable: true });
          space();
          if (text[at] === ',') {
            at++;
            continue;
          }
          if (text[at] === '}') {
            at++;
            return object;
          }
          return invalid();
        }
      }
      case '[': {
        at++;
        const array: unknown[] = [];
        space();
        if (text[at] === ']') {
          at++;
          return array;
        }
        for (;;) {
          array.push(value(depth + 1));
          space();
          if (text[at] === ',') {
            at++;
            continue;
          }
          if (text[at] === ']') {
            at++;
            return array;
          }
          return invalid();
        }
      }
      case '"':
        return string();
      case 't':
        return literal('true', true);
      case 'f':
        return literal('false', false);
      case 'n':
        return literal('null', null);
      default:
        return number();
    }
  };

  const result = value(0);
  space();
  if (at !== text.length) return invalid();
  return result;
}
