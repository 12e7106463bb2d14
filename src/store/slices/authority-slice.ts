/**
 * Authority mode: check escrow blobs (one, many, or the owner's register zip),
 * then, for one of them, decrypt the file or issue a recovery blob for the
 * owner's new key once its key ID was compared with the owner.
 */
import type { StateCreator } from 'zustand';
import { ESCROW_FORMAT, type KeyBlob, type PublicKeyInfo } from '../../core/index.ts';
import { isZipFile, readEscrowZip } from '../../io/escrow-zip.ts';
import { appError, toUiError } from '../errors.ts';
import { keyKindOf } from '../key-text.ts';
import { recoveryName } from '../names.ts';
import type { Adapters, AppState, AuthoritySlice, EscrowListItem, UiError } from '../types.ts';
import { type DecryptRunner, privateKeysOf, readBlobFile } from './decrypt-slice.ts';

/** One blob to check: its name in the list, and its parsed text, or why it could not be read. */
type Found = { fileName: string } & ({ text: string; blob: KeyBlob } | { error: UiError });

export const createAuthoritySlice =
  (adapters: Adapters): StateCreator<AppState & { decryptRunner: DecryptRunner }, [], [], AuthoritySlice> =>
  (set, get) => {
    const authorityKeyFor = (keyId: string) => privateKeysOf(get().keys, ['authority-own']).find((k) => k.keyId === keyId);
    let loads = 0;
    let nextId = 1;

    /** Each dropped file's blobs: a blob file is one, a zip gives one per `.json` entry (or its own error). */
    async function findBlobs(files: readonly File[]): Promise<{ found: Found[]; skipped: string[] }> {
      const found: Found[] = [];
      const skipped: string[] = [];
      for (const file of files) {
        if (!isZipFile(file)) {
          found.push({ fileName: file.name, ...(await readBlobFile(adapters, file)) });
          continue;
        }
        try {
          const zip = await readEscrowZip(file);
          skipped.push(...zip.skipped.map((name) => `${file.name} › ${name}`));
          if (zip.blobs.length === 0) found.push({ fileName: file.name, error: appError('ZIP_NO_BLOBS') });
          for (const entry of zip.blobs) {
            const fileName = `${file.name} › ${entry.name}`;
            if ('error' in entry) {
              found.push({ fileName, error: toUiError(entry.error) });
              continue;
            }
            try {
              found.push({ fileName, text: entry.text, blob: await adapters.crypto.run('parseBlob', { text: entry.text }) });
            } catch (error) {
              found.push({ fileName, error: toUiError(error) });
            }
          }
        } catch (error) {
          found.push({ fileName: file.name, error: toUiError(error) });
        }
      }
      return { found, skipped };
    }

    /** spec §5: the authority's key unwraps the blob and its MAC verifies, or the blob says which error. */
    async function check(text: string, blob: KeyBlob): Promise<{ verified: true } | { verified: false; error: UiError }> {
      if (blob.format !== ESCROW_FORMAT) {
        return {
          verified: false,
          error: appError('NOT_ESCROW_BLOB'),
        };
      }
      const key = authorityKeyFor(blob.authority.keyId);
      if (!key) {
        return {
          verified: false,
          error: appError('NO_MATCHING_KEY', { keyIds: [blob.authority.keyId] }),
        };
      }
      try {
        await adapters.crypto.run('openBlob', { text, key });
        return { verified: true };
      } catch (error) {
        return { verified: false, error: toUiError(error) };
      }
    }

    /**
     * The owner's new public key, refused when it is a private key, a backup
     * authority's key (the one this blob is for, or any stored here), or the
     * key the file was already encrypted for.
     */
    async function newOwnerKey(text: string): Promise<{ key: PublicKeyInfo } | { error: UiError }> {
      const escrow = get().escrowCase;
      if (!escrow?.verified) return { error: appError('NO_ESCROW') };
      if (text.trim() === '') return { error: appError('KEY_MISSING') };
      // Detected before import: an encrypted private key would otherwise ask for its passphrase.
      const kind = keyKindOf(text);
      if (typeof kind !== 'string') return { error: kind };
      if (kind === 'private') return { error: appError('KEY_NOT_PUBLIC') };
      try {
        const imported = await adapters.crypto.run('importKey', { text, extractable: false });
        if (imported.kind !== 'public') return { error: appError('KEY_NOT_PUBLIC') };
        const authorityKeyIds = get()
          .keys.filter((k) => k.role === 'authority-own' || k.role === 'authority')
          .map((k) => k.keyId);
        if (imported.keyId === escrow.blob.authority.keyId || authorityKeyIds.includes(imported.keyId)) {
          return { error: appError('KEY_IS_AUTHORITY') };
        }
        // The owner lost this key; a blob for it only helps someone who still has it, and they need none.
        if (imported.keyId === escrow.blob.owner.keyId) return { error: appError('KEY_IS_ESCROWED_OWNER') };
        return { key: { publicKey: imported.publicKey, keyId: imported.keyId, modulusBits: imported.modulusBits } };
      } catch (error) {
        return { error: toUiError(error) };
      }
    }

    /**
     * A key pair just imported may be the one blobs shown as `NO_MATCHING_KEY`
     * are for: they are checked again, so that error does not outlive its cause.
     */
    async function recheckFor(keyId: string): Promise<void> {
      const waiting = (item: { verified: boolean; error?: UiError; blob?: KeyBlob }) =>
        !item.verified && item.error?.code === 'NO_MATCHING_KEY' && item.blob?.authority.keyId === keyId;
      const escrow = get().escrowCase;
      if (escrow && waiting(escrow)) {
        const outcome = await check(escrow.text, escrow.blob);
        if (get().escrowCase === escrow) set({ escrowCase: { fileName: escrow.fileName, text: escrow.text, blob: escrow.blob, ...outcome } });
      }
      for (const item of get().escrowList.filter(waiting)) {
        if (item.text === undefined || !item.blob) continue;
        const next: EscrowListItem = { ...item, ...(await check(item.text, item.blob)) };
        if (next.verified) delete next.error;
        set({ escrowList: get().escrowList.map((i) => (i === item ? next : i)) });
      }
    }

    return {
      escrowCase: null,
      escrowLoadError: null,
      escrowList: [],
      escrowSkipped: [],

      async importAuthorityKey({ text, name, passphrase }) {
        if (text.trim() === '') return { error: appError('KEY_MISSING') };
        const kind = keyKindOf(text);
        if (typeof kind !== 'string') return { error: kind };
        // A public key alone cannot open escrow blobs; refuse it before anything is stored.
        if (kind === 'public') return { error: appError('KEY_NOT_PRIVATE') };
        const imported = await get().importKey({ text, name, privateRole: 'authority-own', ...(passphrase ? { passphrase } : {}) });
        if ('key' in imported) await recheckFor(imported.key.keyId);
        return imported;
      },

      async loadEscrowBlobs(files) {
        if (files.length === 0) return;
        const load = ++loads;
        const { found, skipped } = await findBlobs(files);
        if (load !== loads) return;

        // One blob file dropped alone opens at once, as its case (or says why it is no blob).
        const only = found[0];
        if (files.length === 1 && found.length === 1 && only && !isZipFile(files[0]!)) {
          if ('error' in only) {
            set({ escrowCase: null, escrowList: [], escrowSkipped: [], escrowLoadError: { fileName: only.fileName, error: only.error } });
            return;
          }
          const outcome = await check(only.text, only.blob);
          if (load !== loads) return;
          set({ escrowList: [], escrowSkipped: [], escrowLoadError: null, escrowCase: { fileName: only.fileName, text: only.text, blob: only.blob, ...outcome } });
          return;
        }

        // Several: a list, each blob judged on its own as its check finishes.
        const items: EscrowListItem[] = found.map((f) => {
          const id = String(nextId++);
          return 'error' in f
            ? { id, fileName: f.fileName, checking: false, verified: false, error: f.error }
            : { id, fileName: f.fileName, checking: true, verified: false, text: f.text, blob: f.blob };
        });
        set({ escrowCase: null, escrowLoadError: null, escrowList: items, escrowSkipped: skipped });
        // Outcomes are shown a few at a time: a register of thousands would otherwise copy the list once per blob.
        const outcomes = new Map<string, Partial<EscrowListItem>>();
        const flush = () => {
          if (outcomes.size === 0) return;
          set({ escrowList: get().escrowList.map((i) => { const outcome = outcomes.get(i.id); return outcome ? { ...i, ...outcome } : i; }) });
          outcomes.clear();
        };
        let last = Date.now();
        for (const item of items) {
          if (!item.checking || item.text === undefined || !item.blob) continue;
          const outcome = await check(item.text, item.blob);
          if (load !== loads) return;
          outcomes.set(item.id, { ...outcome, checking: false });
          if (Date.now() - last >= 100) {
            flush();
            last = Date.now();
          }
        }
        flush();
      },

      openEscrowCase(id) {
        const item = get().escrowList.find((i) => i.id === id);
        if (!item?.verified || item.text === undefined || !item.blob) return;
        set({ escrowCase: { fileName: item.fileName, text: item.text, blob: item.blob, verified: true } });
      },

      closeEscrowCase() {
        // A case opened from the list goes back to the list; a blob opened alone leaves nothing behind.
        if (get().escrowList.length === 0) loads++;
        set({ escrowCase: null, escrowLoadError: null });
      },

      clearEscrowList() {
        loads++;
        set({ escrowCase: null, escrowLoadError: null, escrowList: [], escrowSkipped: [] });
      },

      recoverFile(file) {
        const escrow = get().escrowCase;
        if (!escrow?.verified) return;
        get().decryptRunner.start(file, 'escrow', () => {
          const key = authorityKeyFor(escrow.blob.authority.keyId);
          return Promise.resolve(key ? ({ kind: 'blob', blobText: escrow.text, key } as const) : { error: appError('KEY_GONE') });
        });
      },

      async checkRecoveryKey(newOwnerPublicKey) {
        const result = await newOwnerKey(newOwnerPublicKey);
        return 'error' in result ? result : { keyId: result.key.keyId, modulusBits: result.key.modulusBits };
      },

      async issueRecovery(newOwnerPublicKey, ownerName, confirmedKeyId) {
        const escrow = get().escrowCase;
        const found = await newOwnerKey(newOwnerPublicKey);
        if ('error' in found) return found.error;
        if (!escrow) return appError('NO_ESCROW');
        // The key ID the authority compared with the owner must be the key the blob is issued to.
        if (found.key.keyId !== confirmedKeyId) return appError('KEY_NOT_CONFIRMED');
        const key = authorityKeyFor(escrow.blob.authority.keyId);
        if (!key) return appError('KEY_GONE');
        try {
          const { json, blob } = await adapters.crypto.run('issueRecovery', {
            escrowText: escrow.text,
            authority: key,
            newOwner: found.key,
            ...(ownerName.trim() ? { ownerName: ownerName.trim() } : {}),
          });
          const name = recoveryName(blob.serial);
          adapters.download.save(new Blob([json], { type: 'application/json' }), name);
          // The case may have been closed or replaced meanwhile; do not bring it back.
          const current = get().escrowCase;
          if (current?.text === escrow.text) set({ escrowCase: { ...current, recovery: { json, name, ownerKeyId: found.key.keyId } } });
          return null;
        } catch (error) {
          return toUiError(error);
        }
      },
    };
  };
