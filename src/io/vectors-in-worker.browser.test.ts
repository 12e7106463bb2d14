/**
 * Every vector of core/testdata/manifest.json through the app's real
 * pipeline in Chromium: the crypto Worker reads the File, runs the core and
 * writes to this tab's temp folder (a file of at most 256 KiB to memory).
 * Each vector runs twice: read in the crypto Worker (every vector is smaller
 * than one 8 MiB piece), and in pieces of one chunk, so that a payload of
 * more than one chunk is read by the reader Worker. A bad vector must fail
 * with exactly its code and leave no temp file; a good one must give exactly
 * its bytes.
 */
import manifest from '../core/testdata/manifest.json';
import authorityPubPem from '../core/testdata/keys/authority.pub.pem?raw';
import { importPublicKey, isKeywardError, parseHeader } from '../core/index.ts';
import { type TestVector as Vector, patternBytes, vectorKeys } from '../core/test-support.ts';
import { type CryptoClient, createWorkerCrypto } from './crypto-client.ts';
import type { UnlockArgs } from './crypto-protocol.ts';
import { type TempFiles, createTempFiles } from './temp-files.ts';
import { filesIn } from './test-support.ts';


const files = import.meta.glob<string>('../core/testdata/vectors/*', { query: '?url', import: 'default', eager: true });
const keyTexts = import.meta.glob<string>('../core/testdata/keys/*.pem', { query: '?raw', import: 'default', eager: true });
const vectors = manifest.vectors as Vector[];

const bytesOf = async (relative: string) => new Uint8Array(await (await fetch(files[`../core/testdata/${relative}`]!)).arrayBuffer());
const textOf = async (relative: string) => new TextDecoder().decode(await bytesOf(relative));
const hex = (bytes: ArrayBuffer) => [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, '0')).join('');

const keyNamed = vectorKeys(manifest.keys, (path) => keyTexts[`../core/testdata/${path}`]!);

describe('every test vector through the crypto Worker', () => {
  let client: CryptoClient;
  let temps: TempFiles;
  beforeAll(() => {
    client = createWorkerCrypto();
    temps = createTempFiles()!;
  });
  afterAll(() => {
    client.dispose();
  });

  /** Decrypts a vector as the manifest says; the outcome as a code or the plaintext's SHA-256. */
  async function outcome(vector: Vector, pieceBytes: number | undefined): Promise<{ code: string; chunkIndex?: number; keyIds?: readonly string[] } | { sha256: string }> {
    let unlock: UnlockArgs;
    try {
      const key = await keyNamed(vector.key);
      if (vector.kind === 'file' && vector.open === 'key') unlock = { kind: 'keys', keys: [key] };
      else {
        const blob = vector.kind === 'file' ? (vector.open === 'escrow' ? vector.escrow : vector.recovery) : vector.blob;
        unlock = { kind: 'blob', blobText: await textOf(blob!), key };
      }
    } catch (error) {
      // A key refused on import (the 1024-bit one) fails before the Worker is asked.
      if (isKeywardError(error)) return { code: error.code };
      throw error;
    }
    const target = temps.target()!;
    if (target.kind !== 'temp') throw new Error('expected a temp target');
    const file = new File([await bytesOf(vector.file!)], 'vector.keyward');
    try {
      const result = await client.run('decrypt', { file, unlock, target, ...(pieceBytes === undefined ? {} : { pieceBytes }) });
      const sha256 = hex(await crypto.subtle.digest('SHA-256', await result.output.arrayBuffer()));
      if (result.temp) await temps.release(result.temp);
      return { sha256 };
    } catch (error) {
      // A failure leaves nothing behind.
      expect(await filesIn(target.session)).toEqual([]);
      if (!isKeywardError(error)) throw error;
      return { code: error.code, ...error.details };
    }
  }

  describe.for([
    ['read in the crypto Worker', undefined],
    ['in pieces of one chunk, read by the reader Worker', 1],
  ] as const)('%s', ([, pieceBytes]) => {
    it.for(vectors.map((v) => [v.name, v] as const))('%s', async ([, vector]) => {
      const result = await outcome(vector, pieceBytes);
      if (vector.expect === 'success') {
        expect(result).toEqual({ sha256: vector.sha256 });
        return;
      }
      expect(result).toMatchObject({ code: vector.expect });
      if (vector.chunkIndex !== undefined) expect(result).toMatchObject({ chunkIndex: vector.chunkIndex });
      if (vector.keyIds && 'keyIds' in result) expect([...(result.keyIds ?? [])].sort()).toEqual([...vector.keyIds].sort());
    });
  });

  it('calls a large file cut exactly at a chunk boundary TRUNCATED, whichever piece the cut falls in', async () => {
    const owner = await keyNamed('owner');
    const plain = new File([patternBytes(151 * 65_536 + 10, 21)], 'big.bin');
    const encrypted = await client.run('encrypt', {
      file: plain,
      meta: { name: plain.name, type: '', size: plain.size, lastModified: 0 },
      owner,
      authority: await importPublicKey(authorityPubPem),
      ownerName: '',
      authorityName: '',
      description: '',
      chunkSize: 65_536,
    });
    const bytes = new Uint8Array(await encrypted.output.arrayBuffer());
    const prefixSize = parseHeader(bytes).prefixSize;
    // 150 chunks of 152: the file's last chunk is now 149. 127 is the first chunk of the second 8 MiB piece.
    for (const kept of [150, 127, 128, 1]) {
      const cut = new File([bytes.subarray(0, prefixSize + kept * 65_552)], 'cut.keyward');
      const target = temps.target()!;
      await expect(client.run('decrypt', { file: cut, unlock: { kind: 'keys', keys: [owner] }, target })).rejects.toMatchObject({ code: 'TRUNCATED' });
      await expect(client.run('decrypt', { file: cut, unlock: { kind: 'keys', keys: [owner] }, target, pieceBytes: 3 * 65_552 })).rejects.toMatchObject({
        code: 'TRUNCATED',
      });
    }
  });
});
