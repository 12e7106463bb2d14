/** Authority mode: check an escrow blob, then decrypt the file or issue a recovery blob for the owner's new key. */
import type { StateCreator } from 'zustand';
import { type DetectedKey, KeywardError, detectKeyFormat } from '../../core/index.ts';
import { appError, toUiError } from '../errors.ts';
import { recoveryName } from '../names.ts';
import type { Adapters, AppState, AuthoritySlice, UiError } from '../types.ts';
import { type DecryptRunner, privateKeysOf, readBlobFile } from './decrypt-slice.ts';

/** Which kind of key pasted text holds, or the error that says why it is not a key. */
function detectKind(text: string): DetectedKey['kind'] | UiError {
  try {
    return detectKeyFormat(text).kind;
  } catch (error) {
    return toUiError(error);
  }
}

export const createAuthoritySlice =
  (adapters: Adapters): StateCreator<AppState & { decryptRunner: DecryptRunner }, [], [], AuthoritySlice> =>
  (set, get) => {
    const authorityKeyFor = (keyId: string) => privateKeysOf(get().keys, ['authority-own']).find((k) => k.keyId === keyId);
    let loads = 0;

    return {
      escrowCase: null,
      escrowLoadError: null,

      async importAuthorityKey({ text, name, passphrase }) {
        if (text.trim() === '') return { error: appError('KEY_MISSING', 'Paste the authority’s private key (PEM or JWK) first.') };
        const kind = detectKind(text);
        if (typeof kind !== 'string') return { error: kind };
        // A public key alone cannot open escrow blobs; refuse it before anything is stored.
        if (kind === 'public') return { error: toUiError(new KeywardError('KEY_NOT_PRIVATE')) };
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
          fail(appError('NOT_ESCROW_BLOB', 'This is a recovery blob, which the owner opens. The authority works from the escrow blob the owner sent.'));
          return;
        }
        const key = authorityKeyFor(blob.authority.keyId);
        let outcome: { verified: true } | { verified: false; error: UiError };
        if (!key) {
          outcome = {
            verified: false,
            error: {
              code: 'NO_MATCHING_KEY',
              message: `This escrow blob is for the authority key ${blob.authority.keyId}, which is not stored here. Import that authority key pair, then open the blob again.`,
              keyIds: [blob.authority.keyId],
            },
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
          return Promise.resolve(key ? ({ kind: 'blob', blobText: escrow.text, key } as const) : { error: appError('KEY_GONE', 'The authority key is no longer stored here.') });
        });
      },

      async issueRecovery(newOwnerPublicKey, ownerName) {
        const escrow = get().escrowCase;
        if (!escrow?.verified) return appError('NO_ESCROW', 'Open and check an escrow blob first.');
        const key = authorityKeyFor(escrow.blob.authority.keyId);
        if (!key) return appError('KEY_GONE', 'The authority key is no longer stored here.');
        if (newOwnerPublicKey.trim() === '') return appError('KEY_MISSING', 'Paste the owner’s new public key (PEM or JWK) first.');
        // Detected before import: an encrypted private key would otherwise ask for its passphrase.
        const kind = detectKind(newOwnerPublicKey);
        if (typeof kind !== 'string') return kind;
        if (kind === 'private') {
          return appError('KEY_NOT_PUBLIC', 'This is a private key. Ask the owner for the public half of their new key pair (NAME.pub.pem), never the private key.');
        }
        try {
          const imported = await adapters.crypto.run('importKey', { text: newOwnerPublicKey, extractable: false });
          if (imported.kind !== 'public') return appError('KEY_NOT_PUBLIC', 'This is a private key. Ask the owner for the public half of their new key pair.');
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
