import { useShallow } from 'zustand/react/shallow';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { useFormAction } from '../../components/use-form-action.ts';
import type { StoredKey } from '../../store/types.ts';
import { useAppStore } from '../../store/use-app-store.ts';

/**
 * A stored key pair of mine that has no backup and can never get one (saved
 * non-extractable, and the page was left before its backup). Said plainly,
 * with the two ways on: replace it while no file is encrypted for it, or keep
 * it with the backup authority as the only recovery.
 */
export function UnbackableKey({ storedKey }: { storedKey: StoredKey }) {
  const { used, deleteKey, declineBackup } = useAppStore(
    useShallow((s) => ({
      used: s.register.some((e) => e.owner.keyId === storedKey.keyId),
      deleteKey: s.deleteKey,
      declineBackup: s.declineBackup,
    })),
  );
  const { busy, error, run } = useFormAction();
  return (
    <div className="unbackable-key">
      <p className="warning">
        “{storedKey.name}” has no backup, and none can be made any more: it was saved so that it can be used here but never read
        out, and its backup was not downloaded before the page was left. If this browser loses its data, so is this key.
      </p>
      {used ? (
        <p>Files are already encrypted for it: keep it, and keep your backup authority’s escrow blobs safe.</p>
      ) : (
        <p>No file has been encrypted for it yet, so you can still replace it with a key pair you back up.</p>
      )}
      <div className="actions">
        {!used && (
          <button type="button" className="button" disabled={busy} onClick={() => void run(() => deleteKey(storedKey.keyId))}>
            Delete it and create a new key pair
          </button>
        )}
        <button type="button" className="button button--quiet" disabled={busy} onClick={() => void run(() => declineBackup(storedKey.keyId))}>
          Keep it: only my backup authority can recover my files
        </button>
      </div>
      {error && <ErrorNotice error={error} />}
    </div>
  );
}
