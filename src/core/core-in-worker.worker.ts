/**
 * A module Worker for `core-in-worker.browser.test.ts`: it runs the same core
 * the page and the CLI run, and reports what it saw.
 */
import {
  collectBytes,
  encryptFile,
  importPrivateKey,
  importPublicKey,
  isKeywardError,
  issueRecoveryBlob,
  openFile,
  sha256,
  streamFromBytes,
  toHex,
} from './index.ts';

export interface WorkerRequest {
  ownerPem: string;
  authorityPem: string;
  newOwnerPem: string;
  encryptedOwnerPem: string;
  passphrase: string;
  weakPubPem: string;
  plaintext: Uint8Array<ArrayBuffer>;
}

export interface WorkerReply {
  keyIds: string[];
  plaintextSha256: string;
  ownerSha256: string;
  recoveredSha256: string;
  tamperedCode: string;
  weakCode: string;
}

async function codeOf(work: () => Promise<unknown>): Promise<string> {
  try {
    await work();
    return 'success';
  } catch (error) {
    return isKeywardError(error) ? error.code : 'not a KeywardError';
  }
}

async function run(request: WorkerRequest): Promise<WorkerReply> {
  const owner = await importPrivateKey(request.ownerPem);
  const authority = await importPrivateKey(request.authorityPem);
  const newOwner = await importPrivateKey(request.newOwnerPem);
  const encryptedOwner = await importPrivateKey(request.encryptedOwnerPem, { passphrase: request.passphrase });
  const plain = request.plaintext;
  const meta = { name: 'in-a-worker.bin', type: '', size: plain.length, lastModified: 0 };
  const encrypted = await encryptFile(streamFromBytes(plain), { meta, owner, authority, chunkSize: 65536 });
  const file = await collectBytes(encrypted.stream);
  const opened = await openFile(streamFromBytes(file), { keys: [owner] });
  const recovery = await issueRecoveryBlob(encrypted.escrowBlob, authority, { newOwner });
  const recovered = await openFile(streamFromBytes(file), { blob: recovery, key: newOwner });
  const tampered = file.slice();
  tampered[tampered.length - 20]! ^= 1;
  return {
    keyIds: [owner.keyId, authority.keyId, newOwner.keyId, encryptedOwner.keyId],
    plaintextSha256: toHex(await sha256(plain)),
    ownerSha256: toHex(await sha256(await collectBytes(opened.plaintext))),
    recoveredSha256: toHex(await sha256(await collectBytes(recovered.plaintext))),
    tamperedCode: await codeOf(async () => collectBytes((await openFile(streamFromBytes(tampered), { keys: [owner] })).plaintext)),
    weakCode: await codeOf(() => importPublicKey(request.weakPubPem)),
  };
}

self.onmessage = (event: MessageEvent<WorkerRequest>) => {
  run(event.data).then(
    (reply) => {
      self.postMessage(reply);
    },
    (error: unknown) => {
      self.postMessage({ error: error instanceof Error ? `${error.name}: ${error.message}` : 'unknown failure' });
    },
  );
};
