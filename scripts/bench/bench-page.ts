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
import type { Peer, PeerRequest, PeerResponse } from './peers.worker.ts';

const input = document.querySelector('input')!;
const pipeline = createWorkerCrypto();
const temps = createTempFiles();
if (!temps) throw new Error('this browser has no OPFS');
const ceilingWorker = new Worker(new URL('./ceiling.worker.ts', import.meta.url), { type: 'module' });
const peersWorker = new Worker(new URL('./peers.worker.ts', import.meta.url), { type: 'module' });
/** Each peer's latest output, which its decrypt then opens. */
const peerOutputs = new Map<Peer, Blob>();
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

function peerRun(request: PeerRequest): Promise<Blob> {
  return new Promise((resolve, reject) => {
    peersWorker.onmessage = (event: MessageEvent<PeerResponse>) => {
      if ('error' in event.data) reject(new Error(`${request.peer} ${request.op}: ${event.data.error}`));
      else resolve(event.data.output);
    };
    peersWorker.postMessage(request);
  });
}

/** Main-thread tasks over 50 ms (the Long Tasks API), as they end. */
const longTasks: number[] = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) longTasks.push(entry.duration);
}).observe({ type: 'longtask' });

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
  cipherCeiling: (chunkSize: number, bytes: number, decrypt = false) => ceiling({ op: 'cipher', chunkSize, bytes, decrypt }),
  /** Writing `bytes` to a temp file through the app's sink, in pieces of `chunkSize` (the temp file then removed). */
  async writeCeiling(chunkSize: number, bytes: number): Promise<number> {
    const target = temps.target()!;
    const ms = await ceiling({ op: 'write', target, chunkSize, bytes });
    if (target.kind === 'temp') await temps.release(target);
    return ms;
  },
  cores: () => navigator.hardwareConcurrency,

  /** A peer encrypts chosen file `index` (`file.stream()` to a Blob) in its Worker; kept for its decrypt. */
  async peerEncrypt(peer: Peer, index: number): Promise<{ ms: number; outputSize: number }> {
    const input = chosen(index);
    peerOutputs.delete(peer);
    const started = performance.now();
    const output = await peerRun({ peer, op: 'encrypt', input });
    const ms = performance.now() - started;
    peerOutputs.set(peer, output);
    return { ms, outputSize: output.size };
  },

  /** The peer decrypts its own latest output (`blob.stream()` to a Blob); the output is checked against the input's size. */
  async peerDecrypt(peer: Peer): Promise<{ ms: number; outputSize: number }> {
    const input = peerOutputs.get(peer);
    if (!input) throw new Error(`${peer} has no output to decrypt`);
    const started = performance.now();
    const output = await peerRun({ peer, op: 'decrypt', input });
    const ms = performance.now() - started;
    peerOutputs.delete(peer);
    return { ms, outputSize: output.size };
  },

  /** Whether a peer's decryption of chosen file `index` gave back its bytes (compared piece by piece; untimed). */
  async peerRoundTrip(peer: Peer, index: number): Promise<boolean> {
    const plain = chosen(index);
    const sealed = await peerRun({ peer, op: 'encrypt', input: plain });
    const opened = await peerRun({ peer, op: 'decrypt', input: sealed });
    if (opened.size !== plain.size) return false;
    const step = 8 * 1024 * 1024;
    for (let at = 0; at < plain.size; at += step) {
      const [a, b] = await Promise.all([plain.slice(at, at + step).arrayBuffer(), opened.slice(at, at + step).arrayBuffer()]);
      const x = new Uint8Array(a);
      const y = new Uint8Array(b);
      for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
    }
    return true;
  },
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

  /**
   * `count` small files through the pipeline, four at a time as the app's
   * queue runs them: the milliseconds, and the longest main-thread task
   * (Long Tasks API, tasks over 50 ms; 0 when there was none) while they ran.
   */
  async smallFiles(count: number, size: number): Promise<{ ms: number; longestTaskMs: number; tasksOver100Ms: number }> {
    const files = Array.from({ length: count }, (_, i) => new File([new Uint8Array(size).fill(i & 0xff)], `note-${String(i)}.txt`));
    const args = await Promise.all(files.map((file) => encryptArgs(file, 262_144)));
    if (!PerformanceObserver.supportedEntryTypes.includes('longtask')) throw new Error('this browser has no Long Tasks API');
    let next = 0;
    await new Promise((resolve) => setTimeout(resolve, 100));
    longTasks.length = 0;
    const started = performance.now();
    const lane = async () => {
      while (next < args.length) {
        const result = await pipeline.run('encrypt', args[next++]!);
        if (result.temp) await temps.release(result.temp);
      }
    };
    await Promise.all([lane(), lane(), lane(), lane()]);
    const ms = performance.now() - started;
    // Entries are delivered after their task: let the observer catch up.
    await new Promise((resolve) => setTimeout(resolve, 100));
    return { ms, longestTaskMs: Math.max(0, ...longTasks), tasksOver100Ms: longTasks.filter((d) => d > 100).length };
  },

  /** Removes every temp output (between runs). */
  sweep: () => temps.sweep(),
};

(window as unknown as { keywardBench: typeof bench }).keywardBench = bench;
document.title = 'Keyward benchmark (ready)';
