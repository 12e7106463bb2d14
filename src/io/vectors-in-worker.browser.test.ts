/**
 * Every vector of core/testdata/manifest.json through the app's real
 * pipeline in Chromium: the crypto Worker reads the File, runs the core and
 * writes to this tab's temp folder (a file of at most 256 KiB to memory).
 * Each vector runs twice: read in the crypto Worker (every vector is smaller
 * than one 8 MiB piece), and in pieces of one chunk, so that a payload of
 * more than one chunk is read by the reader Worker. A bad vector must fail
 * with exactly its code and leave no temp file; a good one must give exactly
 * its bytes. The v2 file and recovery vectors run the same ways, to a temp
 * target and to memory (every vector is at most 256 KiB, so the temp target
 * also writes to memory), and the receipts through the Worker's verifyReceipt.
 */
import manifest from '../core/testdata/manifest.json';
import authorityPubPem from '../core/testdata/keys/authority.pub.pem?raw';
import { type PrivateIdentity, importPrivateIdentity, importPublicKey, isKeywardError, parseCouncil, parseHeader } from '../core/index.ts';
import { type TestVector as Vector, patternBytes, vectorKeys } from '../core/test-support.ts';
import { type CryptoClient, createWorkerCrypto } from './crypto-client.ts';
import type { OutputTarget, UnlockArgs } from './crypto-protocol.ts';
import { type TempFiles, createTempFiles } from './temp-files.ts';
import { filesIn } from './test-support.ts';
import { type CouncilVector, type V2Vector, councilManifest, v2Manifest } from '../core/test-vectors.ts';


const files = import.meta.glob<string>('../core/testdata/vectors/*', { query: '?url', import: 'default', eager: true });
const keyTexts = import.meta.glob<string>('../core/testdata/keys/*.pem', { query: '?raw', import: 'default', eager: true });
// Vite's server refuses to serve .pem files: the identities come in as text.
const identityTexts = import.meta.glob<string>('../core/testdata/vectors/id-*.pem', { query: '?raw', import: 'default', eager: true });
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

const v2 = v2Manifest(manifest);
const idOf = (name: string) => v2.identities[name]!.id;
const identities = new Map<string, Promise<PrivateIdentity>>();
function identityNamed(name: string): Promise<PrivateIdentity> {
  let identity = identities.get(name);
  if (!identity) {
    identity = importPrivateIdentity(identityTexts[`../core/testdata/${v2.identities[name]!.private}`]!);
    identities.set(name, identity);
  }
  return identity;
}

/**
 * The Worker's `decrypt` takes no expected signer (the app pins no file
 * owner; it shows who signed): a vector whose refusal comes from an expected
 * signer (spec v2 §3.4 step 2) runs as what the Worker is asked, and the
 * Worker must then name the file's real signer, never the expected one.
 */
const refusedOnlyForItsSigner = (v: V2Vector) =>
  v.kind === 'file' && v.expect === 'SIGNER_UNTRUSTED' && v.expectSigner !== undefined && (v.recovery === undefined || v.expectSigner !== 'owner') && !v.recoveryV1;

/**
 * The v2 vectors that have no Worker call, and why: `verify` and escrow
 * checks are the CLI's (the Worker verifies a file only by decrypting it);
 * a v1 recovery blob reaches the Worker only as `blob`, which has no pins, since
 * the decrypt slice refuses an unsigned one once every pinned authority is
 * an identity; signed-object and identity vectors parse, they open nothing.
 */
function notInTheWorker(v: V2Vector): string | undefined {
  if (v.kind === 'verify' || v.kind === 'escrow') return `${v.kind}: not a Worker operation`;
  if (v.kind === 'signed-object' || v.kind === 'identity') return `${v.kind}: nothing to open`;
  if (v.recoveryV1 !== undefined) return 'a v1 recovery blob: refused by the decrypt slice, not the Worker';
  return undefined;
}

describe('every v2 test vector through the crypto Worker', () => {
  let client: CryptoClient;
  let temps: TempFiles;
  beforeAll(() => {
    client = createWorkerCrypto();
    temps = createTempFiles()!;
  });
  afterAll(() => {
    client.dispose();
  });

  /** Opens a v2 file vector in the Worker; the outcome as a code, or the plaintext's SHA-256 and the signer the Worker names. */
  async function outcome(vector: V2Vector, pieceBytes: number | undefined, output: 'temp' | 'memory'): Promise<{ code: string } | { sha256: string; signer: string | null }> {
    const key = (await identityNamed(vector.key!)).encryption;
    const unlock: UnlockArgs = vector.recovery
      ? { kind: 'recovery-v2', blobText: await textOf(vector.recovery), key, trusted: (vector.trusted ?? []).map(idOf) }
      : { kind: 'keys', keys: [key] };
    const temp = temps.target()!;
    if (temp.kind !== 'temp') throw new Error('expected a temp target');
    const target: OutputTarget = output === 'temp' ? temp : { kind: 'memory' };
    const file = new File([await bytesOf(vector.file!)], 'vector.keyward');
    try {
      const result = await client.run('decrypt', { file, unlock, target, ...(pieceBytes === undefined ? {} : { pieceBytes }) });
      const sha256 = hex(await crypto.subtle.digest('SHA-256', await result.output.arrayBuffer()));
      if (result.temp) await temps.release(result.temp);
      return { sha256, signer: result.signer };
    } catch (error) {
      // A failure leaves nothing behind.
      expect(await filesIn(temp.session)).toEqual([]);
      if (!isKeywardError(error)) throw error;
      return { code: error.code };
    }
  }

  it('leaves out only what has no Worker call', () => {
    const left = v2.v2.filter((v) => notInTheWorker(v) !== undefined);
    expect(left.filter((v) => v.kind === 'file').map((v) => v.name)).toEqual(['v2-attack-recovery-v1']);
    expect(v2.v2.filter(refusedOnlyForItsSigner).map((v) => v.name)).toEqual(['v2-file-other-signer', 'v2-file-v1-expected-signer', 'v2-recovery-other-signer']);
    expect(v2.v2.filter((v) => v.kind === 'file' || v.kind === 'receipt').length).toBeGreaterThan(20);
  });

  describe.for([
    ['read in the crypto Worker, to a temp target', undefined, 'temp'],
    ['read in the crypto Worker, to memory', undefined, 'memory'],
    ['in pieces of one chunk, read by the reader Worker, to a temp target', 1, 'temp'],
    ['in pieces of one chunk, read by the reader Worker, to memory', 1, 'memory'],
  ] as const)('%s', ([, pieceBytes, output]) => {
    const files = v2.v2.filter((v) => v.kind === 'file' && notInTheWorker(v) === undefined);
    it.for(files.map((v) => [v.name, v] as const))('%s', async ([, vector]) => {
      const result = await outcome(vector, pieceBytes, output);
      if (refusedOnlyForItsSigner(vector)) {
        expect(result).toMatchObject({ sha256: expect.any(String) as unknown });
        expect((result as { signer: string | null }).signer).not.toBe(idOf(vector.expectSigner!));
        return;
      }
      if (vector.expect === 'success') {
        expect(result).toEqual({ sha256: vector.sha256, signer: idOf('owner') });
        return;
      }
      expect(result, vector.description).toEqual({ code: vector.expect });
    });
  });

  it.for(v2.v2.filter((v) => v.kind === 'receipt').map((v) => [v.name, v] as const))('receipt %s: the Worker\'s verifyReceipt', async ([, vector]) => {
    const args = { receiptText: await textOf(vector.receipt!), escrowText: await textOf(vector.escrow!) };
    if (vector.expect === 'success') {
      expect((await client.run('verifyReceipt', args)).authority.id).toBe(idOf('authority'));
      return;
    }
    await expect(client.run('verifyReceipt', args)).rejects.toMatchObject({ code: vector.expect });
  });
});

/**
 * The council vectors (spec v2 §8) through the Worker's calls: the owner's
 * `decrypt` with partials, a member's `checkEscrowAsMember`, the drill's
 * `runDrill` (one blob, the keys present), and `parseCouncil`. The ceremony
 * and drill-report vectors have no Worker call (the CLI's `recover` and
 * `verify --council`).
 */
describe('every council test vector through the crypto Worker', () => {
  const councils = councilManifest(manifest).councils;
  const ofKind = (kind: CouncilVector['kind']) => councils.filter((v) => v.kind === kind).map((v) => [v.name, v] as const);
  let client: CryptoClient;
  let temps: TempFiles;
  beforeAll(() => {
    client = createWorkerCrypto();
    temps = createTempFiles()!;
  });
  afterAll(() => {
    client.dispose();
  });

  it('runs every kind that has a Worker call', () => {
    const inTheWorker = new Set(['council', 'member-check', 'quorum-check', 'partials']);
    expect(councils.filter((v) => !inTheWorker.has(v.kind)).map((v) => v.kind)).toEqual(['ceremony', 'ceremony', 'drill', 'drill']);
    expect(councils.filter((v) => v.kind === 'partials').length).toBeGreaterThanOrEqual(10);
  });

  it.for(ofKind('council'))('%s: parseCouncil', async ([, vector]) => {
    const run = client.run('parseCouncil', { text: await textOf(vector.council!) });
    if (vector.expect === 'success') expect((await run).id).toBe(vector.councilId);
    else await expect(run).rejects.toMatchObject({ code: vector.expect });
  });

  it.for(ofKind('member-check'))("%s: a member's checkEscrowAsMember", async ([, vector]) => {
    const run = client.run('checkEscrowAsMember', { text: await textOf(vector.escrow!), member: await identityNamed(vector.key!) });
    if (vector.expect === 'success') expect((await run).index).toBe(vector.index);
    else await expect(run).rejects.toMatchObject({ code: vector.expect });
  });

  it.for(ofKind('quorum-check'))('%s: runDrill of the keys present', async ([, vector]) => {
    const members = await Promise.all(vector.keys!.map(identityNamed));
    const run = client.run('runDrill', { blobs: [{ bytes: await bytesOf(vector.escrow!) }], members });
    if (vector.expect === 'success') {
      expect((await run).report.results.map((r) => r.result)).toEqual(['GOOD']);
      expect((await run).report.members.map((m) => m.index)).toEqual(vector.present);
    } else if (vector.expect === 'QUORUM_NOT_MET' || vector.expect === 'NO_MATCHING_KEY') {
      // These stop a drill before any blob (§8.5): no report.
      await expect(run).rejects.toMatchObject({ code: vector.expect });
    } else {
      expect((await run).report.results.map((r) => r.result)).toEqual([vector.expect]);
    }
  });

  describe.for([
    ['to a temp target', undefined, 'temp'],
    ['to memory', undefined, 'memory'],
    ['in pieces of one chunk, to a temp target', 1, 'temp'],
  ] as const)('partials, %s', ([, pieceBytes, output]) => {
    it.for(ofKind('partials'))('%s', async ([, vector]) => {
      const unlock: UnlockArgs = {
        kind: 'partials',
        blobTexts: await Promise.all(vector.partials!.map(textOf)),
        key: (await identityNamed(vector.key!)).encryption,
        councils: await Promise.all((vector.pinned ?? []).map(async (path) => parseCouncil(await textOf(path)))),
      };
      const temp = temps.target()!;
      if (temp.kind !== 'temp') throw new Error('expected a temp target');
      const target: OutputTarget = output === 'temp' ? temp : { kind: 'memory' };
      const file = new File([await bytesOf(vector.file!)], 'vector.keyward');
      try {
        const result = await client.run('decrypt', { file, unlock, target, ...(pieceBytes === undefined ? {} : { pieceBytes }) });
        const sha256 = hex(await crypto.subtle.digest('SHA-256', await result.output.arrayBuffer()));
        if (result.temp) await temps.release(result.temp);
        expect(vector.expect, vector.description).toBe('success');
        expect(sha256).toBe(vector.sha256);
      } catch (error) {
        if (!isKeywardError(error)) throw error;
        // A refusal leaves nothing behind.
        expect(await filesIn(temp.session)).toEqual([]);
        expect(error.code, vector.description).toBe(vector.expect);
      }
    });
  });
});
