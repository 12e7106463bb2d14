import { b64u, concat, fromUtf8, u32be, utf8 } from '../bytes.ts';
import { expectCode } from '../test-support.ts';
import { HMAC_LENGTH, MAGIC } from './constants.ts';
import { type Header, checkMagic, encodeHeader, parseHeader } from './header.ts';

const keyId = (n: number) => `SHA256:${n.toString(16).padStart(64, '0')}`;
const sample = (): Header => ({
  version: 1,
  fileId: b64u(new Uint8Array(16).fill(1)),
  salt: b64u(new Uint8Array(16).fill(2)),
  chunkSize: 65536,
  recipients: [{ role: 'owner', alg: 'RSA-OAEP-256', keyId: keyId(1), wrappedKey: b64u(new Uint8Array(384).fill(3)) }],
  meta: b64u(new Uint8Array(40).fill(4)),
});
const hmac = new Uint8Array(HMAC_LENGTH).fill(9);

/** A file prefix with arbitrary header JSON. */
function prefixWith(json: string | Uint8Array): Uint8Array {
  const bytes = typeof json === 'string' ? utf8(json) : json;
  return concat(MAGIC, u32be(bytes.length), bytes, hmac);
}

describe('header (spec §3)', () => {
  it('round-trips and keeps the exact bytes read', () => {
    const headerBytes = encodeHeader(sample());
    const parsed = parseHeader(concat(headerBytes, hmac, utf8('payload')));
    expect(parsed.header).toEqual(sample());
    expect(parsed.headerBytes).toEqual(headerBytes);
    expect(parsed.hmac).toEqual(hmac);
    expect(parsed.prefixSize).toBe(headerBytes.length + 32);
    expect(fromUtf8(headerBytes.subarray(0, 10))).toBe('KEYWARD/1\n');
  });

  it('ignores unknown fields but keeps them in the HMAC input', () => {
    const json = JSON.stringify({ zzz: [1, 2], ...sample(), future: { a: 'b' } });
    const parsed = parseHeader(prefixWith(json));
    expect(parsed.header).toEqual(sample());
    expect(fromUtf8(parsed.headerBytes.subarray(14))).toBe(json);
  });

  it('writes unknown fields after the known ones and never lets them replace a known one', () => {
    const bytes = encodeHeader(sample(), { chunkSize: 'x', note: 'hi' });
    const json = JSON.parse(fromUtf8(bytes.subarray(14))) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(['version', 'fileId', 'salt', 'chunkSize', 'recipients', 'meta', 'note']);
    expect(json.chunkSize).toBe(65536);
  });

  it('tells other files and future versions apart', async () => {
    await expectCode(() => { checkMagic(utf8('%PDF-1.7\n')); }, 'NOT_KEYWARD');
    await expectCode(() => { checkMagic(new Uint8Array(0)); }, 'NOT_KEYWARD');
    await expectCode(() => { checkMagic(utf8('KEYWARX')); }, 'NOT_KEYWARD');
    await expectCode(() => { checkMagic(utf8('keyward/1\n')); }, 'NOT_KEYWARD');
    // KEYWARD/2 is the signed file of spec v2; 3 is a future version.
    expect(() => { checkMagic(utf8('KEYWARD/2\n')); }).not.toThrow();
    const future = await expectCode(() => { checkMagic(utf8('KEYWARD/3\n')); }, 'UNSUPPORTED_VERSION');
    expect(future.details.version).toBe('3');
    await expectCode(() => { checkMagic(utf8('KEYWARD/1\r')); }, 'UNSUPPORTED_VERSION');
  });

  it('refuses a header with a key given twice, at any depth', async () => {
    for (const json of [
      JSON.stringify(sample()).replace('"version":1', '"version":1,"version":1'),
      JSON.stringify(sample()).replace('"role":"owner"', '"role":"recipient","role":"owner"'),
    ]) {
      const bytes = utf8(json);
      await expectCode(() => parseHeader(concat(MAGIC, u32be(bytes.length), bytes, hmac)), 'MALFORMED', /twice/);
    }
  });

  it('bounds the header length', async () => {
    await expectCode(() => parseHeader(concat(MAGIC, u32be(0), hmac)), 'MALFORMED');
    await expectCode(() => parseHeader(concat(MAGIC, u32be(1_048_577))), 'MALFORMED');
    await expectCode(() => parseHeader(concat(MAGIC, u32be(0xffffffff))), 'MALFORMED');
  });

  it('calls a file cut inside its magic, header length, header or HMAC TRUNCATED, and an empty one NOT_KEYWARD (§3)', async () => {
    await expectCode(() => parseHeader(new Uint8Array(0)), 'NOT_KEYWARD');
    for (const length of [1, 6, 8, 9]) await expectCode(() => parseHeader(MAGIC.subarray(0, length)), 'TRUNCATED');
    await expectCode(() => parseHeader(MAGIC), 'TRUNCATED');
    await expectCode(() => parseHeader(concat(MAGIC, new Uint8Array(2))), 'TRUNCATED');
    await expectCode(() => parseHeader(concat(MAGIC, u32be(100), utf8('{}'))), 'TRUNCATED');
    const whole = encodeHeader(sample());
    await expectCode(() => parseHeader(whole), 'TRUNCATED');
    await expectCode(() => parseHeader(concat(whole, hmac.subarray(0, 31))), 'TRUNCATED');
    expect(parseHeader(concat(whole, hmac)).prefixSize).toBe(whole.length + 32);
    // A short start that is not a prefix of a magic (v1 or v2) is still told apart.
    await expectCode(() => parseHeader(utf8('KEYWARD/2')), 'TRUNCATED');
    await expectCode(() => parseHeader(utf8('KEYWARD/3')), 'UNSUPPORTED_VERSION');
    await expectCode(() => parseHeader(utf8('KEYWAX')), 'NOT_KEYWARD');
  });

  const mutate = (change: (h: Record<string, unknown>) => void) => {
    const h = sample() as unknown as Record<string, unknown>;
    change(h);
    return JSON.stringify(h);
  };
  const stanza = (h: Record<string, unknown>) => (h.recipients as Record<string, unknown>[])[0]!;

  it.for<[string, string]>([
    ['not JSON', '{"version":1,'],
    ['an array', '[]'],
    ['null', 'null'],
    ['invalid UTF-8', '\u0000'],
    ['version 2', mutate((h) => (h.version = 2))],
    ['version as a string', mutate((h) => (h.version = '1'))],
    ['missing salt', mutate((h) => delete h.salt)],
    ['missing recipients', mutate((h) => delete h.recipients)],
    ['missing meta', mutate((h) => delete h.meta)],
    ['chunkSize as a string', mutate((h) => (h.chunkSize = '65536'))],
    ['chunkSize not a power of two', mutate((h) => (h.chunkSize = 65537))],
    ['chunkSize too small', mutate((h) => (h.chunkSize = 32768))],
    ['chunkSize too large', mutate((h) => (h.chunkSize = 33554432))],
    ['salt with padding', mutate((h) => (h.salt = `${h.salt as string}==`))],
    ['salt of 15 bytes', mutate((h) => (h.salt = b64u(new Uint8Array(15))))],
    ['fileId with a bad character', mutate((h) => (h.fileId = `${(h.fileId as string).slice(1)}+`))],
    ['no recipients', mutate((h) => (h.recipients = []))],
    ['65 recipients', mutate((h) => (h.recipients = Array.from({ length: 65 }, (_, i) => ({ ...stanza(h), keyId: keyId(i) }))))],
    ['a duplicate key ID', mutate((h) => (h.recipients = [stanza(h), { ...stanza(h), role: 'recipient' }]))],
    ['an unknown role', mutate((h) => (stanza(h).role = 'friend'))],
    ['another algorithm', mutate((h) => (stanza(h).alg = 'RSA-OAEP'))],
    ['an upper-case key ID', mutate((h) => (stanza(h).keyId = keyId(0xabcdef).toUpperCase()))],
    ['an empty wrapped key', mutate((h) => (stanza(h).wrappedKey = ''))],
    ['meta as a number', mutate((h) => (h.meta = 5))],
  ])('rejects a header with %s as MALFORMED', async ([, json]) => {
    const bytes = json === '\u0000' ? prefixWith(new Uint8Array([0x7b, 0xff, 0x7d])) : prefixWith(json);
    await expectCode(() => parseHeader(bytes), 'MALFORMED');
  });

  it('accepts 64 recipients and every chunk size', () => {
    const many = mutate((h) => (h.recipients = Array.from({ length: 64 }, (_, i) => ({ ...stanza(h), keyId: keyId(i) }))));
    expect(parseHeader(prefixWith(many)).header.recipients).toHaveLength(64);
    for (let size = 65536; size <= 16777216; size *= 2) {
      expect(parseHeader(prefixWith(mutate((h) => (h.chunkSize = size)))).header.chunkSize).toBe(size);
    }
  });
});
