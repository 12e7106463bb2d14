/** Authority mode: check an escrow blob, then decrypt the file or issue a recovery blob for the owner's new key. */
import type { StateCreator } from 'zustand';
import { appError, toUiError } from '../errors.ts';
import { keyKindOf } from '../key-text.ts';
import { recoveryName } from '../names.ts';
import type { Adapters, AppState, AuthoritySlice, UiError } from '../types.ts';
import { type DecryptRunner, privateKeysOf, readBlobFile } from './decrypt-slice.ts';

export const createAuthoritySlice =
  (adapters: Adapters): StateCreator<AppState & { decryptRunner: DecryptRunner }, [], [], AuthoritySlice> =>
  (set, get) => {
    const authorityKeyFor = (keyId: string) => privateKeysOf(get().keys, ['authority-own']).find((k) => k.keyId === keyId);
    let loads = 0;

    return {
      escrowCase: null,
      escrowLoadError: null,

      async importAuthorityKey({ text, name, passphrase }) {
        if (text.trim() === '') return { error: appError('KEY_MISSING') };
        const kind = keyKindOf(text);
        if (typeof kind !== 'string') return { error: kind };
        // A public key alone cannot open escrow blobs; refuse it before anything is stored.
        if (kind === 'public') return { error: appError('KEY_NOT_PRIVATE') };
        return get().importKey({ text, name, privateRole: 'authority-own', ...(passphrase ? { passphrase } : {}) });
      },

      async loadEscrowBlob(file) {
        const load = ++loads;
        const fail = (error: UiError) => {
          if (load === loads) set({ escrowCase: null, escrowLoadError: { fileName: file.name, error } });
        };
        const read = await readBlobFile(adapters, file);
        if ('error' in read) {
          fail(read.error);
          return;
        }
        const { text, blob } = read;
        if (blob.format !== 'keyward-escrow/1') {
          fail(appError('NOT_ESCROW_BLOB'));
          return;
        }
        const key = authorityKeyFor(blob.authority.keyId);
        let outcome: { verified: true } | { verified: false; error: UiError };
        if (!key) {
          outcome = {
            verified: false,
            error: appError('NO_MATCHING_KEY', { keyIds: [blob.authority.keyId] }),
          };
        } else {
          try {
            // §5: unwrap and check the MAC before showing the case as genuine.
            await adapters.crypto.run('openBlob', { text, key });
            outcome = { verified: true };
          } catch (error) {
            outcome = { verified: false, error: toUiError(error) };
          }
        }
        // A blob dropped later wins over one still being checked.
        if (load !== loads) return;
        set({ escrowLoadError: null, escrowCase: { fileName: file.name, text, blob, ...outcome } });
      },

      closeEscrowCase() {
        loads++;
        set({ escrowCase: null, escrowLoadError: null });
      },

      recoverFile(file) {
        const escrow = get().escrowCase;
        if (!escrow?.verified) return;
        get().decryptRunner.start(file, 'escrow', () => {
          const key = authorityKeyFor(escrow.blob.authority.keyId);
          return Promise.resolve(key ? ({ kind: 'blob', blobText: escrow.text, key } as const) : { error: appError('KEY_GONE') });
        });
      },

      async issueRecovery(newOwnerPublicKey, ownerName) {
        const escrow = get().escrowCase;
        if (!escrow?.verified) return appError('NO_ESCROW');
        const key = authorityKeyFor(escrow.blob.authority.keyId);
        if (!key) return appError('KEY_GONE');
        if (newOwnerPublicKey.trim() === '') return appError('KEY_MISSING');
        // Detected before import: an encrypted private key would otherwise ask for its passphrase.
        const kind = keyKindOf(newOwnerPublicKey);
        if (typeof kind !== 'string') return kind;
        if (kind === 'private') {
          return appError('KEY_NOT_PUBLIC');
        }
        try {
          const imported = await adapters.crypto.run('importKey', { text: newOwnerPublicKey, extractable: false });
          if (imported.kind !== 'public') return appError('KEY_NOT_PUBLIC');
          const { json, blob } = await adapters.crypto.run('issueRecovery', {
            escrowText: escrow.text,
            authority: key,
            newOwner: { publicKey: imported.publicKey, keyId: imported.keyId, modulusBits: imported.modulusBits },
            ...(ownerName.trim() ? { ownerName: ownerName.trim() } : {}),
          });
          const name = recoveryName(blob.serial);
          adapters.download.save(new Blob([json], { type: 'application/json' }), name);
          // The case may have been closed or replaced meanwhile; do not bring it back.
          const current = get().escrowCase;
          if (current?.text === escrow.text) set({ escrowCase: { ...current, recovery: { json, name, ownerKeyId: imported.keyId } } });
          return null;
        } catch (error) {
          return toUiError(error);
        }
      },
    };
  };
