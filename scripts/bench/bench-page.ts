/**
 * The benchmark page: the app's real pipeline (`createWorkerCrypto()` from
 * src/io, writing into this tab's OPFS temp folder exactly as the app does)
 * and the ceiling Worker, exposed as `window.keywardBench` for scripts/bench/run.ts.
 * Every time is taken here with `performance.now()`, around the call only.
 */
import authorityPubPem from '../../src/core/testdata/keys/authority.pub.pem?raw';
import ownerPem from '../../src/core/testdata/keys/owner.pem?raw';
import idAuthorityPubPem from '../../src/core/testdata/vectors/id-authority.pub.pem?raw';
import idOwnerPem from '../../src/core/testdata/vectors/id-owner.pem?raw';
import { importPrivateIdentity, importPrivateKey, importPublicIdentity, importPublicKey } from '../../src/core/index.ts';
import { createWorkerCrypto } from '../../src/io/crypto-client.ts';
import type { EncryptArgs } from '../../src/io/crypto-protocol.ts';
import { createTempFiles } from '../../src/io/temp-files.ts';
import type { CeilingRequest, DigestMethod } from './ceiling.worker.ts';

const input = document.querySelector('input')!;
const pipeline = createWorkerCrypto();
const temps = createTempFiles();
if (!temps) throw new Error('this browser has no OPFS');
const ceilingWorker = new Worker(new URL('./ceiling.worker.ts', import.meta.url), { type: 'module' });
const keys = Promise.all([importPrivateKey(ownerPem), importPublicKey(authorityPubPem)]);
/** Format v2: the owner's identity signs, the authority's identity gets a signed escrow blob. */
const identities = Promise.all([importPrivateIdentity(idOwnerPem), importPublicIdentity(idAuthorityPubPem)]);

function ceiling(request: CeilingRequest): Promise<number> {
  return new Promise((resolve, reject) => {
    ceilingWorker.onmessage = (event: MessageEvent<{ ms: number } | { error: string }>) => {
      if ('error' in event.data) reject(new Error(event.data.error));
      else resolve(event.data.ms);
    };
    ceilingWorker.postMessage(request);
  });
}

function chosen(index: number): File {
  const file = input.files?.[index];
  if (!file) throw new Error(`no file ${String(index)} chosen`);
  return file;
}

async function encryptArgs(file: File, chunkSize: number, signed = false): Promise<EncryptArgs> {
  const [owner, authority] = await keys;
  const [signer, authorityIdentity] = await identities;
  const who = signed
    ? { owner: signer.encryption, signer, authority: authorityIdentity }
    : { owner: { publicKey: owner.publicKey, keyId: owner.keyId, modulusBits: owner.modulusBits }, authority };
  return {
    file,
    meta: { name: file.name, type: file.type, size: file.size, lastModified: file.lastModified },
    ...who,
    ownerName: 'Bench',
    authorityName: 'Bench desk',
    description: '',
    chunkSize,
    target: temps!.target()!,
  };
}

const bench = {
  files: () => Array.from(input.files ?? [], (f) => ({ name: f.name, size: f.size })),
  readCeiling: (index: number, digest = false) => ceiling({ op: 'read', file: chosen(index), digest }),
  cipherCeiling: (chunkSize: number, bytes: number) => ceiling({ op: 'cipher', chunkSize, bytes }),
  digestOption: (method: DigestMethod, chunkSize: number, bytes: number) => ceiling({ op: 'digest', method, chunkSize, bytes }),

  /** The app's encrypt: File in, a disk-backed `.keyward` File out (then removed); `signed`: a signed v2 file. */
  async encrypt(index: number, chunkSize: number, signed = false): Promise<{ ms: number; outputSize: number }> {
    const args = await encryptArgs(chosen(index), chunkSize, signed);
    const started = performance.now();
    const result = await pipeline.run('encrypt', args);
    const ms = performance.now() - started;
    if (result.temp) await temps.release(result.temp);
    return { ms, outputSize: result.output.size };
  },

  /** The app's decrypt: `.keyward` File in, the verified disk-backed plaintext out (then removed). */
  async decrypt(index: number, signed = false): Promise<{ ms: number; outputSize: number }> {
    const [owner] = await keys;
    const [signer] = await identities;
    const file = chosen(index);
    const started = performance.now();
    const result = await pipeline.run('decrypt', { file, unlock: { kind: 'keys', keys: [signed ? signer.encryption : owner] }, target: temps.target()! });
    if (signed && result.signer !== signer.id) throw new Error('the signed file did not report its signer');
    const ms = performance.now() - started;
    if (result.temp) await temps.release(result.temp);
    return { ms, outputSize: result.output.size };
  },

  /** `count` small files through the pipeline, four at a time as the app's queue runs them. */
  async smallFiles(count: number, size: number): Promise<number> {
    const files = Array.from({ length: count }, (_, i) => new File([new Uint8Array(size).fill(i & 0xff)], `note-${String(i)}.txt`));
    const args = await Promise.all(files.map((file) => encryptArgs(file, 262_144)));
    let next = 0;
    const started = performance.now();
    const lane = async () => {
      while (next < args.length) {
        const result = await pipeline.run('encrypt', args[next++]!);
        if (result.temp) await temps.release(result.temp);
      }
    };
    await Promise.all([lane(), lane(), lane(), lane()]);
    return performance.now() - started;
  },

  /** Removes every temp output (between runs). */
  sweep: () => temps.sweep(),
};

(window as unknown as { keywardBench: typeof bench }).keywardBench = bench;
document.title = 'Keyward benchmark (ready)';
