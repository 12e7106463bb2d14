import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { ConfirmDialog } from './confirm-dialog.tsx';
import { ErrorNotice } from './error-notice.tsx';
import { StoredKeyId } from './stored-key-id.tsx';
import { useFormAction } from './use-form-action.ts';
import type { StoredKey } from '../store/types.ts';
import { useAppStore } from '../store/use-app-store.ts';

/**
 * A stored key pair of mine that has no backup and can never get one (saved
 * non-extractable, and the page was left before its backup). Said plainly,
 * with the two ways on. My own key pair: replace it while no file is
 * encrypted for it, or keep it with the backup authority as the only
 * recovery. An authority key pair: whether escrow blobs were made for it
 * cannot be known here, so replacing it is always offered, behind a
 * confirmation that every escrow blob made for it becomes unopenable; or keep it.
 */
export function UnbackableKey({ storedKey }: { storedKey: StoredKey }) {
  const authority = storedKey.role === 'authority-own';
  const { used, deleteKey, declineBackup } = useAppStore(
    useShallow((s) => ({
      used: !authority && s.register.some((e) => e.owner.keyId === storedKey.keyId),
      deleteKey: s.deleteKey,
      declineBackup: s.declineBackup,
    })),
  );
  const { busy, error, run } = useFormAction();
  const [confirming, setConfirming] = useState(false);
  const remove = () => void run(() => deleteKey(storedKey.keyId));
  return (
    <div className="unbackable-key">
      <p className="warning">
        “{storedKey.name}” has no backup, and none can be made any more: it was saved so that it can be used here but never read
        out, and its backup was not downloaded before the page was left.{' '}
        {authority
          ? 'If this browser loses its data, no escrow blob made for it can ever be opened again.'
          : 'If this browser loses its data, so is this key.'}
      </p>
      {authority ? (
        <p>
          Whether owners have already escrowed files to it cannot be known here. If none has, replace it with a key pair you back
          up; if some have, keep it, and keep this browser’s data safe.
        </p>
      ) : used ? (
        <p>Files are already encrypted for it: keep it, and keep your backup authority’s escrow blobs safe.</p>
      ) : (
        <p>No file has been encrypted for it yet, so you can still replace it with a key pair you back up.</p>
      )}
      <div className="actions">
        {authority ? (
          <button type="button" className="button" disabled={busy} onClick={() => { setConfirming(true); }}>
            Delete it and create a new key pair…
          </button>
        ) : (
          !used && (
            <button type="button" className="button" disabled={busy} onClick={remove}>
              Delete it and create a new key pair
            </button>
          )
        )}
        <button type="button" className="button button--quiet" disabled={busy} onClick={() => void run(() => declineBackup(storedKey.keyId))}>
          {authority ? 'Keep it without a backup' : 'Keep it: only my backup authority can recover my files'}
        </button>
      </div>
      {authority && (
        <ConfirmDialog
          open={confirming}
          title="Delete this authority key pair?"
          confirmLabel="Delete key pair"
          danger
          onCancel={() => { setConfirming(false); }}
          onConfirm={() => {
            setConfirming(false);
            remove();
          }}
        >
          {/* Only while open: a closed dialog's text would still be found inside the card. */}
          {confirming && (
            <>
              <p>
                <strong className="row__name">{storedKey.name}</strong> <StoredKeyId storedKey={storedKey} />
              </p>
              <p className="warning">
                Every escrow blob already made for this key pair can then never be opened, by you or anyone: the files escrowed
                in them can no longer be recovered for their owners.
              </p>
              <p>Owners then escrow to your new key pair: give them its public key, and its key ID to compare.</p>
              <p>This cannot be undone.</p>
            </>
          )}
        </ConfirmDialog>
      )}
      {error && <ErrorNotice error={error} />}
    </div>
  );
}
