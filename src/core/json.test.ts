import fc from 'fast-check';
import { isKeywardError } from './errors.ts';
import { REFER, nativeWithoutDuplicates, parseByHand, parseJson } from './json.ts';
import { expectCodeSync } from './test-support.ts';

/** The reader's value, or its KeywardError's reason; anything else thrown fails the test. */
function outcome(text: string, read: (text: string) => unknown = parseJson): { value: unknown } | { reason: string } {
  try {
    return { value: read(text) };
  } catch (error) {
    if (!isKeywardError(error)) throw error;
    return { reason: error.details.reason ?? '' };
  }
}

function viaJsonParse(text: string): { value: unknown } | null {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return null;
  }
}

/**
 * The property: the same value as JSON.parse, or a KeywardError (a duplicate key where JSON.parse took
 * the last); and the same outcome, value or reason, as the reference reader character by character.
 */
function agrees(text: string): void {
  const mine = outcome(text);
  expect(mine).toStrictEqual(outcome(text, parseByHand));
  const theirs = viaJsonParse(text);
  if ('value' in mine) {
    expect(theirs).not.toBeNull();
    expect(mine.value).toStrictEqual(theirs!.value);
  } else if (theirs) {
    expect(mine.reason).toMatch(/twice|nested too deeply/);
  }
}

describe('parseJson: JSON.parse without duplicate keys', () => {
  it('gives what JSON.parse gives for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(undefined, 2, '\t'), (value, indent) => {
        const text = JSON.stringify(value, null, indent);
        expect(parseJson(text)).toStrictEqual(JSON.parse(text));
      }),
      { numRuns: 1000 },
    );
  });

  it('gives what JSON.parse gives, or a KeywardError, for any string', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), agrees), { numRuns: 2000 });
    fc.assert(fc.property(fc.string({ unit: fc.constantFrom(...Array.from('{}[]":,0123456789-+.eE tfnrua\\lsx')) }), agrees), { numRuns: 5000 });
  });

  it('gives what JSON.parse gives, or a KeywardError, for JSON with a character changed, added or dropped', () => {
    const edited = fc
      .tuple(fc.json(), fc.nat(), fc.constantFrom('', '"', '{', '}', ',', ':', '\\', '0', ' ', '\u0000', '\ud800'), fc.boolean())
      .map(([text, at, c, replace]) => {
        const i = text.length === 0 ? 0 : at % text.length;
        return text.slice(0, i) + c + text.slice(replace ? i + 1 : i);
      });
    fc.assert(fc.property(edited, agrees), { numRuns: 3000 });
  });

  it('refuses a key given twice, at any depth, however it is spelled', () => {
    for (const text of [
      '{"description":"harmless","description":"the real one"}',
      '{"owner":{"name":"a","keyId":"x","name":"b"}}',
      '[1,{"a":[{"b":1,"b":1}]}]',
      '{"a":1,"\\u0061":2}',
      '{"__proto__":1,"__proto__":2}',
      // An escaped quote must not end the string for the fast path's count of colons.
      '{"k":"\\"","k":"a"}',
      '{"k":"\\\\\\"","k":"a"}',
    ]) {
      expect(JSON.parse(text)).toBeDefined();
      expectCodeSync(() => parseJson(text), 'MALFORMED', /twice/);
    }
    expect(parseJson('{"a":{"b":1},"b":{"a":1}}')).toEqual({ a: { b: 1 }, b: { a: 1 } });
  });

  it('keeps "__proto__" an own key, as JSON.parse does', () => {
    const value = parseJson('{"__proto__":{"x":1}}') as Record<string, unknown>;
    expect(Object.keys(value)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(value).toStrictEqual(JSON.parse('{"__proto__":{"x":1}}'));
  });

  it('refuses valid JSON nested deeper than 256, and reads it up to that', () => {
    const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
    expect(JSON.parse(nested(300))).toBeDefined();
    expectCodeSync(() => parseJson(nested(300)), 'MALFORMED', /nested too deeply/);
    expectCodeSync(() => parseJson(`{"a":${nested(257)}}`), 'MALFORMED', /nested too deeply/);
    for (const depth of [1, 63, 64, 65, 200, 257]) expect(parseJson(nested(depth))).toStrictEqual(JSON.parse(nested(depth)));
  });

  it('reads an escrow blob\'s shape: long strings with escapes, keys inside strings, nested objects', () => {
    for (const text of [
      `{"prefix":"${'A'.repeat(5000)}","d":"a \\"quoted\\" :{}[] \\\\","o":{"k":"v","n":[1,{"x":"y"}]}}`,
      '{"a":"\\\\","b":"\\u0022:"}',
      '{"a":"x\u2028y","b":{}}',
    ]) {
      expect(parseJson(text)).toStrictEqual(JSON.parse(text));
      expect(parseJson(text)).toStrictEqual(parseByHand(text));
    }
    expectCodeSync(() => parseJson('{"a":"\\\\","a":"\\u0022:"}'), 'MALFORMED', /twice/);
  });

  it('reads JSON without a key twice on its fast path, escaped quotes and backslashes before a closing quote included', () => {
    for (const text of ['{"k":"\\\\","j":":"}', '{"k":"\\"","j":"a"}', '{"k":"\\\\\\"","j":{"a":[1]}}', '["\\\\",{"a":"\\\\\\\\"},":"]', `{"prefix":"${'A'.repeat(5000)}","d":"a \\"quoted\\" :{}[] \\\\"}`]) {
      expect(nativeWithoutDuplicates(text)).toStrictEqual(JSON.parse(text));
    }
    fc.assert(
      fc.property(fc.json(), (text) => {
        expect(nativeWithoutDuplicates(text)).toStrictEqual(JSON.parse(text));
      }),
      { numRuns: 1000 },
    );
    expect(nativeWithoutDuplicates('{"k":"\\\\","k":":"}')).toBe(REFER);
  });

  it('throws the code and names what was read', () => {
    expectCodeSync(() => parseJson('{', { code: 'KEY_UNREADABLE', what: 'the JWK' }), 'KEY_UNREADABLE', /^the JWK is not valid JSON$/);
    expectCodeSync(() => parseJson('['.repeat(100_000)), 'MALFORMED', /nested too deeply/);
  });
});
