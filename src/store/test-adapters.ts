/**
 * In-memory adapters for store and component tests: the same interfaces as
 * the IndexedDB stores and the downloader, with real crypto run in-process.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PrivateIdentity, PublicIdentity } from '../core/index.ts';
import { createInlineCrypto } from '../io/crypto-client.ts';
import type { Downloader } from '../io/download.ts';
import { type KeyStore, type StoredCouncil, type StoredKey, mergeKey } from '../io/key-store.ts';
import type { RegisterEntry, RegisterStore } from '../io/register-store.ts';
import type { PersistState } from '../io/storage.ts';
import { createAppStore } from './app-store.ts';
import type { Adapters } from './types.ts';

export function memoryKeyStore(): KeyStore {
  const keys = new Map<string, StoredKey>();
  const councils = new Map<string, StoredCouncil>();
  return {
    list: () => Promise.resolve([...keys.values()].sort((a, b) => a.createdAt - b.createdAt)),
    get: (keyId) => Promise.resolve(keys.get(keyId)),
    put(key) {
      keys.set(key.keyId, mergeKey(keys.get(key.keyId), key));
      return Promise.resolve();
    },
    update(keyId, patch) {
      const existing = keys.get(keyId);
      if (!existing) return Promise.reject(new Error(`no key ${keyId}`));
      if (patch.identity && existing.identity) return Promise.reject(new Error(`${keyId} already is an identity`));
      const updated = { ...existing, ...patch };
      keys.set(keyId, updated);
      return Promise.resolve(updated);
    },
    remove(keyId) {
      keys.delete(keyId);
      return Promise.resolve();
    },
    listCouncils: () => Promise.resolve([...councils.values()].sort((a, b) => a.pinnedAt - b.pinnedAt)),
    putCouncil(council) {
      if (!councils.has(council.id)) councils.set(council.id, council);
      return Promise.resolve();
    },
    removeCouncil(id) {
      councils.delete(id);
      return Promise.resolve();
    },
  };
}

export function memoryRegisterStore(): RegisterStore {
  const entries = new Map<string, RegisterEntry>();
  return {
    list: () => Promise.resolve([...entries.values()].sort((a, b) => b.encryptedAt - a.encryptedAt)),
    get: (fileId) => Promise.resolve(entries.get(fileId)),
    add(entry) {
      entries.set(entry.fileId, entry);
      return Promise.resolve();
    },
    addReceipt(fileId, receipt) {
      const existing = entries.get(fileId);
      if (!existing) return Promise.reject(new Error(`no entry ${fileId}`));
      const updated = existing.receipt ? existing : { ...existing, receipt };
      entries.set(fileId, updated);
      return Promise.resolve(updated);
    },
    remove(fileId) {
      entries.delete(fileId);
      return Promise.resolve();
    },
    clear() {
      entries.clear();
      return Promise.resolve();
    },
  };
}

/** Records what would have been downloaded. */
export function recordingDownloader(): Downloader & { saved: { name: string; blob: Blob }[] } {
  const saved: { name: string; blob: Blob }[] = [];
  return {
    saved,
    save(blob, name) {
      saved.push({ name, blob });
    },
    saveZip(files, zipName) {
      saved.push({ name: zipName, blob: new Blob(files.map((f) => f.blob)) });
      return Promise.resolve();
    },
  };
}

/** A fresh store over in-memory adapters and in-process crypto. */
export async function createTestStore(overrides: Partial<Adapters> = {}) {
  let persist: PersistState = 'denied';
  const adapters = {
    keyStore: memoryKeyStore(),
    registerStore: memoryRegisterStore(),
    crypto: await createInlineCrypto(),
    download: recordingDownloader(),
    storage: {
      persisted: () => Promise.resolve(persist),
      request: () => {
        persist = 'granted';
        return Promise.resolve(persist);
      },
    },
    ...overrides,
  };
  return { store: createAppStore(adapters), adapters };
}

// --- decrypt / escrow / recover tests ---------------------------------------

/**
 * A `.keyward` file and its escrow blob made by the core directly (not by the
 * store under test), for the owner and authority public keys given as PEM.
 */
export async function makeKeywardFile(options: {
  plaintext: Uint8Array;
  name: string;
  ownerPublicPem: string;
  authorityPublicPem: string;
  description?: string;
  ownerName?: string;
  authorityName?: string;
  chunkSize?: number;
}): Promise<{ file: File; escrowJson: string; serial: string; fileId: string }> {
  const { collectBytes, encryptFile, importPublicKey, serializeBlob, streamFromBytes } = await import('../core/index.ts');
  const encrypted = await encryptFile(streamFromBytes(options.plaintext), {
    meta: { name: options.name, type: 'application/octet-stream', size: options.plaintext.length, lastModified: Date.UTC(2026, 10, 1, 9, 30) },
    owner: await importPublicKey(options.ownerPublicPem),
    authority: await importPublicKey(options.authorityPublicPem),
    ownerName: options.ownerName ?? 'Ada Lovelace',
    authorityName: options.authorityName ?? 'IT backup desk',
    description: options.description ?? 'Quarterly report',
    ...(options.chunkSize === undefined ? {} : { chunkSize: options.chunkSize }),
  });
  const bytes = await collectBytes(encrypted.stream);
  return {
    file: new File([bytes], `${options.name}.keyward`),
    escrowJson: serializeBlob(encrypted.escrowBlob),
    serial: encrypted.serial,
    fileId: encrypted.fileId,
  };
}

/** The key ID of a public key PEM (spec §1), computed by the core. */
export async function keyIdOfPem(publicPem: string): Promise<string> {
  const { importPublicKey } = await import('../core/index.ts');
  return (await importPublicKey(publicPem)).keyId;
}

/** The bytes of a Blob, for comparing outputs. */
export async function bytesOf(blob: Blob): Promise<Uint8Array> {
  return new Uint8Array(await blob.arrayBuffer());
}

/**
 * A test key's PEM text (src/core/testdata/keys). Read from disk because
 * Vite's default `server.fs.deny` (`*.{crt,pem}`) refuses `?raw` imports of
 * `.pem` files in the happy-dom (web) transform.
 */
export function testKeyPem(name: string): string {
  // A plain path: Vite would turn `new URL(path, import.meta.url)` into a (denied) asset import.
  return readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'core', 'testdata', 'keys', name), 'utf8');
}

/**
 * Stores `key` again as versions before the backup step left a new key pair
 * when the page was left before its backup: non-extractable, never backed up,
 * no decision recorded (`cannotBeBackedUp`), and re-reads the keys.
 */
export async function storeAsUnbackable(test: Awaited<ReturnType<typeof createTestStore>>, key: StoredKey): Promise<void> {
  await test.adapters.keyStore.put({ ...key, backedUpAt: undefined, origin: 'generated' });
  await test.store.getState().loadKeys();
}

// --- v2: identities ----------------------------------------------------------

/** A new identity made by the core (3072-bit RSA), extractable so tests can export it. */
export async function makeIdentity() {
  const { generateIdentity } = await import('../core/index.ts');
  return generateIdentity({ bits: 3072, extractable: true });
}

/**
 * A store whose owner key pair is the identity `owner` (imported as its
 * 2-block PEM) and whose confirmed authority is `authority`: an identity
 * (pinned by its identity ID) or, given as PEM text, a v1 public key.
 */
export async function storeWithIdentities(
  owner: PrivateIdentity,
  authority: PublicIdentity | string,
  overrides: Partial<Adapters> = {},
): Promise<Awaited<ReturnType<typeof createTestStore>> & { ownerKeyId: string; authorityKeyId: string }> {
  const { exportPrivateIdentity, exportPublicIdentity } = await import('../core/index.ts');
  const test = await createTestStore(overrides);
  const own = await test.store.getState().importKey({ text: await exportPrivateIdentity(owner, 'pem'), name: 'Ada Lovelace', accept: 'private' });
  if ('error' in own) throw new Error(own.error.message);
  const text = typeof authority === 'string' ? authority : await exportPublicIdentity(authority, 'pem');
  const pinned = await test.store.getState().importKey({ text, name: 'IT backup desk', accept: 'public' });
  if ('error' in pinned) throw new Error(pinned.error.message);
  await test.store.getState().confirmAuthority(pinned.key.keyId);
  return { ...test, ownerKeyId: own.key.keyId, authorityKeyId: pinned.key.keyId };
}

/**
 * A signed object (receipt, recovery blob) re-signed by `signer` in the name
 * of `field` (`authority` or `issuer`): validly signed, by someone else.
 */
export async function resignedBy<T extends { signature: string }>(object: T, field: 'authority' | 'issuer', signer: PrivateIdentity, context: 'keyward/v2 receipt' | 'keyward/v2 recovery'): Promise<T> {
  const { b64u, canonicalJson, signAs, utf8 } = await import('../core/index.ts');
  const named = (object as unknown as Record<string, Record<string, unknown>>)[field]!;
  const changed: Record<string, unknown> = { ...object, [field]: { ...named, id: signer.id, publicKey: b64u(signer.rsaSpki), signingKey: b64u(signer.ed25519Spki) } };
  delete changed.signature;
  return { ...(changed as unknown as T), signature: b64u(await signAs(signer, context, utf8(canonicalJson(changed)))) };
}

/**
 * A file signed by `owner` (a v2 file) and its v2 escrow blob for the
 * identity `authority`, made by the core directly (not the store under test).
 */
export async function makeSignedFile(options: { owner: PrivateIdentity; authority: PublicIdentity; plaintext: Uint8Array; name: string; description?: string; ownerName?: string }) {
  const { collectBytes, encryptFile, serializeSigned, streamFromBytes } = await import('../core/index.ts');
  const { owner, authority, plaintext, name } = options;
  const encrypted = await encryptFile(streamFromBytes(plaintext), {
    meta: { name, type: 'application/octet-stream', size: plaintext.length, lastModified: Date.UTC(2026, 10, 1, 9, 30) },
    owner: owner.encryption,
    signer: owner,
    authority,
    ownerName: options.ownerName ?? 'Ada Lovelace',
    authorityName: 'IT backup desk',
    description: options.description ?? 'Quarterly report',
  });
  const bytes = await collectBytes(encrypted.stream);
  const { escrowBlob } = await encrypted.done;
  if (escrowBlob.format !== 'keyward-escrow/2') throw new Error('expected a v2 escrow blob');
  return { file: new File([bytes], `${name}.keyward`), escrowBlob, escrowJson: serializeSigned(escrowBlob), fileId: encrypted.fileId, serial: encrypted.serial };
}
