/**
 * Property tests (fast-check): round trips for random sizes around chunk
 * boundaries and every chunk size, and parser fuzzing where any input gives a
 * result or a KeywardError, never a TypeError or RangeError.
 */
import fc from 'fast-check';
import { b64u, concat, u32be, utf8 } from './bytes.ts';
import { openFile } from './decrypt-file.ts';
import { encryptFile } from './encrypt-file.ts';
import { isKeywardError } from './errors.ts';
import { MAGIC, MAX_CHUNK_SIZE, MIN_CHUNK_SIZE } from './format/constants.ts';
import { parseBlob, serializeBlob } from './format/escrow-blob.ts';
import { parseHeader } from './format/header.ts';
import type { PrivateKeyInfo } from './keys/types.ts';
import { collectBytes, streamFromBytes } from './streams.ts';
import { makeKeyPair, openBytes, patternBytes, sealBytes, expectSameBytes } from './test-support.ts';

const CHUNK_SIZES: number[] = [];
for (let size = MIN_CHUNK_SIZE; size <= MAX_CHUNK_SIZE; size *= 2) CHUNK_SIZES.push(size);

/** Runs `work`; passes if it succeeds or throws a KeywardError. */
async function resultOrKeywardError(work: () => unknown): Promise<boolean> {
  try {
    await work();
    return true;
  } catch (error) {
    if (isKeywardError(error)) return true;
    throw error;
  }
}

let payloadKey: CryptoKey;
let owner: PrivateKeyInfo;
let authority: PrivateKeyInfo;
beforeAll(async () => {
  payloadKey = await globalThis.crypto.subtle.importKey('raw', new Uint8Array(32).fill(3), 'AES-GCM', false, ['encrypt', 'decrypt']);
  [owner, authority] = await Promise.all([makeKeyPair(), makeKeyPair()]);
});

describe('round trips', () => {
  it.for(CHUNK_SIZES)('chunk size %i: cs-1, cs and cs+1 bytes', async (chunkSize) => {
    for (const size of [chunkSize - 1, chunkSize, chunkSize + 1]) {
      const plain = patternBytes(size, size);
      const sealed = await sealBytes(payloadKey, chunkSize, plain);
      const opened = await openBytes(payloadKey, chunkSize, sealed, size);
      expect(opened.length).toBe(size);
      expectSameBytes(opened, plain);
    }
  });

  it('random sizes near chunk boundaries, cut into random pieces', async () => {
    const chunkSize = fc.constantFrom(65536, 131072);
    const scenario = chunkSize.chain((cs) =>
      fc.record({
        cs: fc.constant(cs),
        size: fc.oneof(fc.integer({ min: 0, max: 3 * cs + 2 }), fc.integer({ min: 0, max: 3 }).chain((k) => fc.integer({ min: k * cs - 2, max: k * cs + 2 }).filter((n) => n >= 0))),
        pieces: fc.array(fc.integer({ min: 1, max: 200_000 }), { minLength: 1, maxLength: 4 }),
        seed: fc.integer({ min: 1, max: 2 ** 31 }),
      }),
    );
    await fc.assert(
      fc.asyncProperty(scenario, async ({ cs, size, pieces, seed }) => {
        const plain = patternBytes(size, seed);
        const sealed = await sealBytes(payloadKey, cs, plain, pieces);
        const opened = await openBytes(payloadKey, cs, sealed, size, pieces);
        expectSameBytes(opened, plain);
      }),
      { numRuns: 40 },
    );
  });

  it('whole files with random names and sizes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme', maxLength: 80 }), fc.integer({ min: 0, max: 140_000 }), fc.string(), async (name, size, description) => {
        const plain = patternBytes(size, size + 7);
        const meta = { name, type: '', size, lastModified: 0 };
        const encrypted = await encryptFile(streamFromBytes(plain), { meta, owner, authority, description, chunkSize: 65536 });
        const file = await collectBytes(encrypted.stream);
        const opened = await openFile(streamFromBytes(file), { keys: [owner] });
        expectSameBytes(await collectBytes(opened.plaintext), plain);
        expect(opened.meta).toEqual(meta);
        expect(parseBlob(serializeBlob(encrypted.escrowBlob)).description).toBe(description);
      }),
      { numRuns: 15 },
    );
  });
});

describe('parser fuzzing: a result or a KeywardError, nothing else', () => {
  const keyId = `SHA256:${'0'.repeat(64)}`;
  const validHeader = {
    version: 1,
    fileId: b64u(new Uint8Array(16)),
    salt: b64u(new Uint8Array(16)),
    chunkSize: 65536,
    recipients: [{ role: 'owner', alg: 'RSA-OAEP-256', keyId, wrappedKey: 'AAAA' }],
    meta: b64u(new Uint8Array(20)),
  };
  const framed = (json: Uint8Array) => concat(MAGIC, u32be(json.length), json, new Uint8Array(32));

  it('parseHeader on arbitrary bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (bytes) => {
        expect(await resultOrKeywardError(() => parseHeader(bytes))).toBe(true);
        expect(await resultOrKeywardError(() => parseHeader(concat(MAGIC, bytes)))).toBe(true);
        expect(await resultOrKeywardError(() => parseHeader(framed(bytes)))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('parseHeader on arbitrary JSON and on headers with one field replaced', async () => {
    const replaced = fc.record({
      field: fc.constantFrom('version', 'fileId', 'salt', 'chunkSize', 'recipients', 'meta', '__proto__', 'constructor'),
      value: fc.jsonValue(),
    });
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), replaced, async (json, { field, value }) => {
        expect(await resultOrKeywardError(() => parseHeader(framed(utf8(JSON.stringify(json)))))).toBe(true);
        const text = JSON.stringify({ ...validHeader, [field]: value });
        expect(await resultOrKeywardError(() => parseHeader(framed(utf8(text))))).toBe(true);
        const stanza = JSON.stringify({ ...validHeader, recipients: [{ ...validHeader.recipients[0], [field === 'version' ? 'role' : 'keyId']: value }] });
        expect(await resultOrKeywardError(() => parseHeader(framed(utf8(stanza))))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('parseBlob on arbitrary text, values and mutated blobs', async () => {
    const blob = {
      format: 'keyward-escrow/1',
      fileId: b64u(new Uint8Array(16)),
      serial: 'KW-0000-0000-0000-0000',
      description: '',
      createdAt: '2026-11-28T12:00:00.000Z',
      owner: { name: 'a', keyId },
      authority: { name: 'b', keyId },
      salt: b64u(new Uint8Array(16)),
      headerHmac: b64u(new Uint8Array(32)),
      wrappedKey: 'AAAA',
      mac: b64u(new Uint8Array(32)),
    };
    await fc.assert(
      fc.asyncProperty(fc.string(), fc.anything(), fc.constantFrom(...Object.keys(blob), 'owner.keyId'), fc.jsonValue(), async (text, value, field, replacement) => {
        expect(await resultOrKeywardError(() => parseBlob(text))).toBe(true);
        expect(await resultOrKeywardError(() => parseBlob(value))).toBe(true);
        const mutated = field === 'owner.keyId' ? { ...blob, owner: { name: 'a', keyId: replacement } } : { ...blob, [field]: replacement };
        expect(await resultOrKeywardError(() => parseBlob(JSON.stringify(mutated)))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('openPieces on arbitrary payloads', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 70_000 }), async (bytes) => {
        const outcome = await resultOrKeywardError(() => openBytes(payloadKey, 65536, bytes));
        expect(outcome).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('openFile on a real file with random bytes flipped, cut or appended: never a success that differs', async () => {
    const plain = patternBytes(150_000, 77);
    const encrypted = await encryptFile(streamFromBytes(plain), {
      meta: { name: 'x', type: '', size: plain.length, lastModified: 0 },
      owner,
      authority,
      chunkSize: 65536,
    });
    const file = await collectBytes(encrypted.stream);
    const edit = fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat({ max: file.length - 1 }), bit: fc.integer({ min: 0, max: 7 }) }),
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat({ max: file.length - 1 }), bit: fc.constant(0) }),
      fc.record({ kind: fc.constant('append' as const), at: fc.integer({ min: 1, max: 70_000 }), bit: fc.constant(0) }),
    );
    await fc.assert(
      fc.asyncProperty(edit, async ({ kind, at, bit }) => {
        const changed = kind === 'flip' ? file.slice() : kind === 'cut' ? file.slice(0, at) : concat(file, patternBytes(at, 5));
        if (kind === 'flip') changed[at]! ^= 1 << bit;
        let error: unknown = null;
        try {
          const opened = await openFile(streamFromBytes(changed), { keys: [owner] });
          await collectBytes(opened.plaintext);
        } catch (caught) {
          error = caught;
        }
        expect(isKeywardError(error), String(error)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });
});
