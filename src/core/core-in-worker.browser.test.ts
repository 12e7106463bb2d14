/** The core runs unchanged in a module Worker (Chromium only: Node has no web Worker). */
import authorityPem from './testdata/keys/authority.pem?raw';
import encryptedOwnerPem from './testdata/keys/owner-encrypted.pem?raw';
import passphrase from './testdata/keys/owner-encrypted.passphrase.txt?raw';
import newOwnerPem from './testdata/keys/new-owner.pem?raw';
import ownerPem from './testdata/keys/owner.pem?raw';
import weakPubPem from './testdata/keys/weak-1024.pub.pem?raw';
import type { WorkerReply, WorkerRequest } from './core-in-worker.worker.ts';
import { patternBytes } from './test-support.ts';

describe('the core in a module Worker', () => {
  it('imports keys, encrypts, decrypts, recovers and refuses as in the page', async () => {
    const worker = new Worker(new URL('./core-in-worker.worker.ts', import.meta.url), { type: 'module' });
    try {
      const reply = new Promise<WorkerReply>((resolve, reject) => {
        worker.onmessage = (event: MessageEvent<WorkerReply | { error: string }>) => {
          if ('error' in event.data) reject(new Error(event.data.error));
          else resolve(event.data);
        };
        worker.onerror = (event) => {
          reject(new Error(event.message));
        };
      });
      const request: WorkerRequest = {
        ownerPem,
        authorityPem,
        newOwnerPem,
        encryptedOwnerPem,
        passphrase: passphrase.trim(),
        weakPubPem,
        plaintext: patternBytes(200_000, 42),
      };
      worker.postMessage(request);
      const result = await reply;
      expect(result.ownerSha256).toBe(result.plaintextSha256);
      expect(result.recoveredSha256).toBe(result.plaintextSha256);
      expect(result.tamperedCode).toBe('CHUNK_TAMPERED');
      expect(result.weakCode).toBe('KEY_TOO_WEAK');
      expect(new Set(result.keyIds).size).toBe(4);
      for (const keyId of result.keyIds) expect(keyId).toMatch(/^SHA256:[0-9a-f]{64}$/);
    } finally {
      worker.terminate();
    }
  });
});
