/**
 * The peers Keyward is measured against, each in a Worker as Keyward's
 * pipeline runs, each streaming a disk-backed File (`file.stream()`) into a
 * Blob, and decrypting its own output (`blob.stream()`) into a Blob:
 *
 * - `openpgp`: OpenPGP.js 6 with `aeadProtect` (SEIPDv2, AES-256-GCM, checked
 *   on every decrypt; the library's default 256 KiB AEAD chunks; in a browser
 *   its GCM is WebCrypto's), to a curve25519 key made once per Worker;
 * - `age`: age-encryption (typage), to an X25519 identity made once per Worker;
 * - `libsodium`: libsodium-wrappers' secretstream (XChaCha20-Poly1305) in
 *   64 KiB chunks, the last one tagged FINAL, as hat.sh encrypts (a random
 *   key in place of hat.sh's Argon2id from a password: key derivation is not
 *   what is measured).
 *
 * The page times each request with `performance.now()` around the round trip.
 */
import { Decrypter, Encrypter, generateX25519Identity, identityToRecipient } from 'age-encryption';
import sodium from 'libsodium-wrappers';
import * as openpgp from 'openpgp';

export type Peer = 'openpgp' | 'age' | 'libsodium';
export type PeerRequest = { peer: Peer; op: 'encrypt' | 'decrypt'; input: Blob };
export type PeerResponse = { output: Blob } | { error: string };

const SODIUM_CHUNK = 64 * 1024;

/** The bytes of `stream` in pieces of exactly `size` (the last may be shorter), each told whether it is the last. */
async function* exactPieces(stream: ReadableStream<Uint8Array>, size: number): AsyncGenerator<{ bytes: Uint8Array; last: boolean }> {
  const reader = stream.getReader();
  let buffer = new Uint8Array(size);
  let fill = 0;
  let pending: Uint8Array | undefined;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    for (let at = 0; at < value.length; ) {
      if (fill === size) {
        if (pending) yield { bytes: pending, last: false };
        pending = buffer;
        buffer = new Uint8Array(size);
        fill = 0;
      }
      const take = Math.min(size - fill, value.length - at);
      buffer.set(value.subarray(at, at + take), fill);
      fill += take;
      at += take;
    }
  }
  if (pending) yield { bytes: pending, last: fill === 0 };
  if (fill > 0 || !pending) yield { bytes: buffer.subarray(0, fill), last: true };
}

function fromGenerator(generator: AsyncGenerator<Uint8Array, void>): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await generator.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
  });
}

const toBlob = (stream: ReadableStream<Uint8Array>) => new Response(stream as ReadableStream<Uint8Array<ArrayBuffer>>).blob();

const pgpKeys = openpgp.generateKey({ type: 'curve25519', userIDs: [{ name: 'Bench' }], format: 'object', config: { aeadProtect: true } });
const ageKeys = generateX25519Identity().then(async (identity) => ({ identity, recipient: await identityToRecipient(identity) }));
const sodiumKey = sodium.ready.then(() => sodium.crypto_secretstream_xchacha20poly1305_keygen());

async function openpgpRun(op: 'encrypt' | 'decrypt', input: Blob): Promise<Blob> {
  const { privateKey, publicKey } = await pgpKeys;
  if (op === 'encrypt') {
    const message = await openpgp.createMessage({ binary: input.stream() });
    // Typed with @openpgp/web-stream-tools' stream type, which is not installed: a web ReadableStream here.
    const sealed: unknown = await openpgp.encrypt({ message, encryptionKeys: publicKey, format: 'binary', config: { aeadProtect: true } });
    return toBlob(sealed as ReadableStream<Uint8Array>);
  }
  const message = await openpgp.readMessage({ binaryMessage: input.stream() });
  // The benchmark's claim is AEAD: refuse a message that is not SEIPDv2 with AES-256-GCM.
  const sealed = message.packets.findPacket(openpgp.enums.packet.symEncryptedIntegrityProtectedData) as unknown as
    | { version: number; cipherAlgorithm: openpgp.enums.symmetric; aeadAlgorithm: openpgp.enums.aead }
    | undefined;
  const { aead, symmetric } = openpgp.enums;
  if (sealed?.version !== 2 || sealed.cipherAlgorithm !== symmetric.aes256 || sealed.aeadAlgorithm !== aead.gcm) {
    throw new Error('OpenPGP.js did not use AEAD (SEIPDv2, AES-256-GCM)');
  }
  const opened: { data: unknown } = await openpgp.decrypt({ message, decryptionKeys: privateKey, format: 'binary' });
  return toBlob(opened.data as ReadableStream<Uint8Array>);
}

async function ageRun(op: 'encrypt' | 'decrypt', input: Blob): Promise<Blob> {
  const { identity, recipient } = await ageKeys;
  if (op === 'encrypt') {
    const encrypter = new Encrypter();
    encrypter.addRecipient(recipient);
    return toBlob(await encrypter.encrypt(input.stream()));
  }
  const decrypter = new Decrypter();
  decrypter.addIdentity(identity);
  return toBlob(await decrypter.decrypt(input.stream()));
}

async function sodiumRun(op: 'encrypt' | 'decrypt', input: Blob): Promise<Blob> {
  const key = await sodiumKey;
  const { TAG_FINAL, TAG_MESSAGE, ABYTES, HEADERBYTES } = {
    TAG_FINAL: sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL,
    TAG_MESSAGE: sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE,
    ABYTES: sodium.crypto_secretstream_xchacha20poly1305_ABYTES,
    HEADERBYTES: sodium.crypto_secretstream_xchacha20poly1305_HEADERBYTES,
  };
  if (op === 'encrypt') {
    const { state, header } = sodium.crypto_secretstream_xchacha20poly1305_init_push(key);
    return toBlob(
      fromGenerator(
        (async function* () {
          yield header;
          for await (const { bytes, last } of exactPieces(input.stream(), SODIUM_CHUNK)) {
            yield sodium.crypto_secretstream_xchacha20poly1305_push(state, bytes, null, last ? TAG_FINAL : TAG_MESSAGE);
          }
        })(),
      ),
    );
  }
  const header = new Uint8Array(await input.slice(0, HEADERBYTES).arrayBuffer());
  const state = sodium.crypto_secretstream_xchacha20poly1305_init_pull(header, key);
  return toBlob(
    fromGenerator(
      (async function* () {
        let final = false;
        for await (const { bytes } of exactPieces(input.slice(HEADERBYTES).stream(), SODIUM_CHUNK + ABYTES)) {
          if (final) throw new Error('secretstream: data after the final chunk');
          const opened = sodium.crypto_secretstream_xchacha20poly1305_pull(state, bytes, null);
          if (!opened) throw new Error('secretstream: a chunk failed to authenticate');
          final = opened.tag === TAG_FINAL;
          yield opened.message;
        }
        if (!final) throw new Error('secretstream: truncated');
      })(),
    ),
  );
}

const runners: Record<Peer, (op: 'encrypt' | 'decrypt', input: Blob) => Promise<Blob>> = { openpgp: openpgpRun, age: ageRun, libsodium: sodiumRun };

self.onmessage = (event: MessageEvent<PeerRequest>) => {
  const { peer, op, input } = event.data;
  runners[peer](op, input).then(
    (output) => {
      self.postMessage({ output } satisfies PeerResponse);
    },
    (error: unknown) => {
      self.postMessage({ error: String(error) } satisfies PeerResponse);
    },
  );
};
