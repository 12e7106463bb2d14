import { describe, expect, it } from 'vitest';
import { type SealedChunk, chunkNonce, concatAll, webChunkCrypto } from '../core/index.ts';
import { nodeChunkCrypto } from './node-chunk-crypto.ts';

const key = () => new Uint8Array(32).map((_, i) => i * 7 + 1);
/** A sealed chunk in one buffer, whatever parts it came in. */
const whole = async (sealed: SealedChunk | Promise<SealedChunk>) => {
  const value = await sealed;
  return Array.isArray(value) ? concatAll(value as readonly Uint8Array<ArrayBuffer>[]) : (value as Uint8Array<ArrayBuffer>);
};
const plain = new Uint8Array(70_000).map((_, i) => (i * 31) & 0xff);

describe('nodeChunkCrypto', () => {
  it('seals, opens and hashes byte for byte as WebCrypto does', async () => {
    const [node, web] = await Promise.all([nodeChunkCrypto.aead(key()), webChunkCrypto.aead(key())]);
    for (const [i, last] of [[0, false], [5, true]] as const) {
      const sealed = await whole(node.seal(chunkNonce(i, last), plain));
      expect(sealed).toEqual(await whole(web.seal(chunkNonce(i, last), plain)));
      expect(await node.open(chunkNonce(i, last), sealed)).toEqual(plain);
    }
    expect(await nodeChunkCrypto.sha256(plain)).toEqual(await webChunkCrypto.sha256(plain));
  });

  it('opens nothing that does not verify: a changed byte, another nonce, a chunk shorter than a tag', async () => {
    const aead = await nodeChunkCrypto.aead(key());
    const sealed = await whole(aead.seal(chunkNonce(3, false), plain));
    const changed = sealed.slice();
    changed[10]! ^= 1;
    expect(await aead.open(chunkNonce(3, false), changed)).toBeNull();
    expect(await aead.open(chunkNonce(3, true), sealed)).toBeNull();
    expect(await aead.open(chunkNonce(3, false), sealed.subarray(0, 15))).toBeNull();
  });

  it('keeps its own copy of the key: zeroing the bytes it was given changes nothing', async () => {
    const raw = key();
    const aead = await nodeChunkCrypto.aead(raw);
    raw.fill(0);
    const web = await webChunkCrypto.aead(key());
    expect(await whole(aead.seal(chunkNonce(0, true), plain))).toEqual(await whole(web.seal(chunkNonce(0, true), plain)));
  });
});
