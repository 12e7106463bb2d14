import { concat } from '../bytes.ts';
import { expectCode, expectSameBytes, openBytes, patternBytes, sealBytes, throughPieces } from '../test-support.ts';
import { TAG_LENGTH } from './constants.ts';
import { CHUNKS_IN_FLIGHT, chunkNonce, ciphertextSize, openPieces, pieceSizeFor, plaintextSize, sealPieces } from './stream.ts';

const CS = 65536;
const FULL = CS + TAG_LENGTH;
let key: CryptoKey;
beforeAll(async () => {
  key = await globalThis.crypto.subtle.importKey('raw', new Uint8Array(32).fill(7), 'AES-GCM', false, ['encrypt', 'decrypt']);
});

const seal = (plain: Uint8Array, chunkSize = CS) => sealBytes(key, chunkSize, plain);
/** Opened whole, in one piece. */
const open = (sealed: Uint8Array, expectedSize?: number, chunkSize = CS) => openBytes(key, chunkSize, sealed, expectedSize);
/** Opened in pieces that cut chunks anywhere, through one reused buffer. */
const openInPieces = (sealed: Uint8Array, expectedSize?: number, chunkSize = CS) =>
  throughPieces(openPieces(key, chunkSize, sealed.length, expectedSize === undefined ? {} : { expectedSize }), sealed);
/** Opened in pieces that cut chunks anywhere, its size not known up front (a pipe). */
const openUnknownSize = (sealed: Uint8Array, expectedSize?: number, chunkSize = CS) =>
  throughPieces(openPieces(key, chunkSize, undefined, expectedSize === undefined ? {} : { expectedSize }), sealed);
/** Opened in pieces of whole chunks (what the app and the CLI read). */
const openInChunkPieces = (sealed: Uint8Array, expectedSize?: number, chunkSize = CS) =>
  openBytes(key, chunkSize, sealed, expectedSize, [pieceSizeFor(chunkSize + TAG_LENGTH, 2 * (chunkSize + TAG_LENGTH))]);

describe('STREAM payload (spec §4)', () => {
  it('builds nonces as an 11-byte big-endian counter and a last flag', () => {
    expect([...chunkNonce(0, false)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect([...chunkNonce(1, true)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1]);
    expect([...chunkNonce(0x1_0000_0102, false)]).toEqual([0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 2, 0]);
  });

  it.for([0, 1, CS - 1, CS, CS + 1, 2 * CS, 2 * CS + 1, 3 * CS + 1000])('round-trips %i bytes', async (size) => {
    const plain = patternBytes(size, size + 1);
    const sealed = await seal(plain);
    expect(sealed.length).toBe(ciphertextSize(size, CS));
    expect(plaintextSize(sealed.length, CS)).toBe(size);
    expectSameBytes(await open(sealed, size), plain);
  });

  it('seals an empty plaintext as one empty last chunk', async () => {
    const sealed = await seal(new Uint8Array(0));
    expect(sealed.length).toBe(TAG_LENGTH);
    const expected = new Uint8Array(
      await globalThis.crypto.subtle.encrypt({ name: 'AES-GCM', iv: chunkNonce(0, true) }, key, new Uint8Array(0)),
    );
    expect(sealed).toEqual(expected);
  });

  it('gives the same bytes whatever the input and output piece sizes', async () => {
    const plain = patternBytes(2 * CS + 77, 3);
    const reference = await seal(plain);
    expectSameBytes(await sealBytes(key, CS, plain, [1, 7, 4096, CS + 3]), reference);
    expectSameBytes(await openBytes(key, CS, reference, plain.length, [1, 13, FULL, 5]), plain);
  });

  it('decrypts byte by byte', async () => {
    const plain = patternBytes(CS + 5, 4);
    const sealed = await seal(plain);
    expectSameBytes(await openBytes(key, CS, sealed, plain.length, [1]), plain);
  });

  describe.for([
    ['in one piece', open],
    ['in pieces that cut chunks', openInPieces],
    ['in pieces of whole chunks', openInChunkPieces],
    ['of unknown size', openUnknownSize],
  ] as const)('refuses, %s', ([, open]) => {
    const threeChunks = () => seal(patternBytes(2 * CS + 1000, 9));

    it('a flipped bit in a chunk, naming the chunk', async () => {
      const sealed = await threeChunks();
      sealed[FULL + 10]! ^= 1;
      expect((await expectCode(open(sealed), 'CHUNK_TAMPERED')).details.chunkIndex).toBe(1);
    });

    it('a flipped bit in a tag', async () => {
      const sealed = await threeChunks();
      sealed[FULL - 1]! ^= 0x80;
      expect((await expectCode(open(sealed), 'CHUNK_TAMPERED')).details.chunkIndex).toBe(0);
    });

    it('swapped chunks', async () => {
      const s = await threeChunks();
      const swapped = concat(s.subarray(FULL, 2 * FULL), s.subarray(0, FULL), s.subarray(2 * FULL));
      expect((await expectCode(open(swapped), 'CHUNK_TAMPERED')).details.chunkIndex).toBe(0);
    });

    it('a duplicated chunk', async () => {
      const s = await threeChunks();
      const duplicated = concat(s.subarray(0, 2 * FULL), s.subarray(FULL, 2 * FULL), s.subarray(2 * FULL));
      expect((await expectCode(open(duplicated), 'CHUNK_TAMPERED')).details.chunkIndex).toBe(2);
    });

    it('a file cut at a chunk boundary as TRUNCATED', async () => {
      const s = await threeChunks();
      await expectCode(open(s.subarray(0, 2 * FULL)), 'TRUNCATED');
      await expectCode(open(s.subarray(0, FULL)), 'TRUNCATED');
    });

    it('a file cut inside the last chunk, or inside a tag', async () => {
      const s = await threeChunks();
      expect((await expectCode(open(s.subarray(0, s.length - 1)), 'CHUNK_TAMPERED')).details.chunkIndex).toBe(2);
      expect((await expectCode(open(s.subarray(0, 2 * FULL + 5)), 'CHUNK_TAMPERED')).details.chunkIndex).toBe(2);
    });

    it('an empty payload as TRUNCATED', async () => {
      await expectCode(open(new Uint8Array(0)), 'TRUNCATED');
    });

    it('bytes after a full-size last chunk as TRAILING_DATA', async () => {
      const s = await seal(patternBytes(2 * CS, 5));
      await expectCode(open(concat(s, new Uint8Array([0]))), 'TRAILING_DATA');
      await expectCode(open(concat(s, s.subarray(0, FULL))), 'TRAILING_DATA');
    });

    it('one byte after a short last chunk (spec §4 only tells full-size chunks apart)', async () => {
      const s = await threeChunks();
      expect((await expectCode(open(concat(s, new Uint8Array([0]))), 'CHUNK_TAMPERED')).details.chunkIndex).toBe(2);
    });

    it('a plaintext of another size than the metadata says', async () => {
      const s = await seal(patternBytes(1000, 1));
      const error = await expectCode(open(s, 999), 'SIZE_MISMATCH');
      expect(error.details).toMatchObject({ expectedSize: 999, actualSize: 1000 });
    });

    it('the wrong chunk size', async () => {
      const s = await seal(patternBytes(CS * 2 + 1, 1));
      await expectCode(open(s, undefined, 2 * CS), 'CHUNK_TAMPERED');
    });
  });

  describe('piece by piece, for a payload of known size', () => {
    it.for([0, 1, CS - 1, CS, CS + 1, 2 * CS, 3 * CS + 1000])('seals %i bytes the same in any pieces, and opens them', async (size) => {
      const plain = patternBytes(size, size + 3);
      const reference = await seal(plain);
      for (const sizes of [[1], [CS], [3 * CS], [5, CS + 11, 2 * CS - 1]]) {
        const sealed = await throughPieces(sealPieces(key, CS, size), plain, sizes);
        expectSameBytes(sealed, reference);
        expectSameBytes(await throughPieces(openPieces(key, CS, sealed.length, { expectedSize: size }), sealed, sizes), plain);
        expectSameBytes(await throughPieces(openPieces(key, CS, undefined, { expectedSize: size }), sealed, sizes), plain);
      }
    });

    it('gives each whole chunk of a piece out at once, and holds back none', async () => {
      const sealer = sealPieces(key, CS, 3 * CS);
      expect((await sealer.push(patternBytes(CS + 5, 1))).map((c) => c.length)).toEqual([FULL]);
      expect((await sealer.push(patternBytes(2 * CS - 5, 2))).map((c) => c.length)).toEqual([FULL, FULL]);
      expect(await sealer.finish()).toEqual([]);
    });

    it('refuses a source that delivers more or fewer bytes than announced', async () => {
      const more = sealPieces(key, CS, 10);
      await expectCode(more.push(patternBytes(11, 1)), 'SIZE_MISMATCH');
      const fewer = sealPieces(key, CS, 11);
      await fewer.push(patternBytes(10, 1));
      await expectCode(fewer.finish(), 'SIZE_MISMATCH');
      const opener = openPieces(key, CS, 100);
      await expectCode(opener.push(new Uint8Array(101)), 'TRUNCATED');
    });

    it('reports the first failing chunk in order, however the calls finish', async () => {
      const s = await seal(patternBytes(4 * CS, 2));
      s[3 * FULL + 1]! ^= 1;
      s[FULL + 1]! ^= 1;
      const error = await expectCode(openPieces(key, CS, s.length).push(s), 'CHUNK_TAMPERED');
      expect(error.details.chunkIndex).toBe(1);
    });
  });

  it('never gives out a chunk that failed, nor any after it', async () => {
    const s = await seal(patternBytes(4 * CS, 2));
    s[2 * FULL + 3]! ^= 1;
    const opener = openPieces(key, CS, s.length);
    expect((await opener.push(s.subarray(0, 2 * FULL))).map((c) => c.length)).toEqual([CS, CS]);
    expect((await expectCode(opener.push(s.subarray(2 * FULL)), 'CHUNK_TAMPERED')).details.chunkIndex).toBe(2);
  });

  it(`has at most ${CHUNKS_IN_FLIGHT} chunks in flight, and every one settled when a piece is done`, async () => {
    const real = globalThis.crypto.subtle;
    const original = { encrypt: real.encrypt.bind(real), decrypt: real.decrypt.bind(real) };
    let running = 0;
    let most = 0;
    const counting = (fn: 'encrypt' | 'decrypt') => async (...args: Parameters<SubtleCrypto['encrypt']>) => {
      running++;
      most = Math.max(most, running);
      try {
        return await original[fn](...args);
      } finally {
        running--;
      }
    };
    const plain = patternBytes(12 * CS + 5, 8);
    const sealed = await seal(plain);
    const spy = [vi.spyOn(real, 'encrypt').mockImplementation(counting('encrypt')), vi.spyOn(real, 'decrypt').mockImplementation(counting('decrypt'))];
    try {
      const opener = openPieces(key, CS, sealed.length);
      for (let at = 0; at < sealed.length; at += 6 * FULL) {
        await opener.push(sealed.subarray(at, at + 6 * FULL));
        expect(running).toBe(0);
      }
      await opener.finish();
      await sealBytes(key, CS, plain, [12 * CS]);
    } finally {
      for (const s of spy) s.mockRestore();
    }
    expect(most).toBe(CHUNKS_IN_FLIGHT);
  });

  it('sizes pieces in whole chunks', () => {
    expect(pieceSizeFor(FULL, 8 << 20)).toBe(127 * FULL);
    expect(pieceSizeFor(FULL, 1)).toBe(FULL);
  });

  it('computes sizes', () => {
    expect(ciphertextSize(0, CS)).toBe(16);
    expect(ciphertextSize(CS, CS)).toBe(FULL);
    expect(ciphertextSize(CS + 1, CS)).toBe(FULL + 17);
    expect(plaintextSize(0, CS)).toBeNull();
    expect(plaintextSize(15, CS)).toBeNull();
    expect(plaintextSize(FULL + 16, CS)).toBeNull();
    expect(plaintextSize(FULL + 17, CS)).toBe(CS + 1);
  });
});
