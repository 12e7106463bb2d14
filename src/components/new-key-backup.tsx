import { useEffect, useId, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { BackupForm } from './backup-form.tsx';
import { ErrorNotice } from './error-notice.tsx';
import { StoredKeyId } from './stored-key-id.tsx';
import type { StoredKey, UiError } from '../store/types.ts';
import { useAppStore } from '../store/use-app-store.ts';

/** What keeping a key without a backup means, by role, in the person's words. */
const WITHOUT_BACKUP: Record<'owner' | 'authority-own', string> = {
  owner: 'Continue without a backup: if this browser loses its data, only my backup authority can recover my files',
  'authority-own':
    'Continue without a backup: if this browser loses its data, every escrow blob made for this key becomes useless',
};

/**
 * The step right after a key pair is created: it is not stored (nor usable)
 * until a passphrase-protected backup is downloaded, or the person ticks that
 * they keep it without one and what that means. It can also be discarded.
 */
export function NewKeyBackup({ role, onSaved }: { role: 'owner' | 'authority-own'; onSaved?: (key: StoredKey) => void }) {
  const { newKey, keepNewKeyWithoutBackup, discardNewKey } = useAppStore(
    useShallow((s) => ({
      newKey: s.newKey?.key.role === role ? s.newKey.key : null,
      keepNewKeyWithoutBackup: s.keepNewKeyWithoutBackup,
      discardNewKey: s.discardNewKey,
    })),
  );
  const [understood, setUnderstood] = useState(false);
  const [error, setError] = useState<UiError | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const id = useId();
  const keyId = newKey?.keyId;
  useEffect(() => {
    // The form that made the key is gone: the step that must come next gets the focus.
    if (keyId) heading.current?.focus();
  }, [keyId]);
  if (!newKey) return null;

  return (
    <section className="new-key-backup" aria-labelledby={`${id}-heading`}>
      <h3 id={`${id}-heading`} ref={heading} tabIndex={-1}>
        Back up your new key pair
      </h3>
      <p>
        <strong className="row__name">{newKey.name}</strong> · {newKey.modulusBits} bits · <StoredKeyId storedKey={newKey} />
      </p>
      <p className="warning">
        This key pair is not saved yet. Download a passphrase-protected backup now: it is the only copy outside this browser, and
        once the key is saved it can be used here but never read out again. Until you decide, leaving or reloading this page
        discards the new key pair.
      </p>
      <BackupForm keyId={newKey.keyId} onDone={() => onSaved?.(newKey)} />
      <div className="new-key-backup__without">
        <label className="checkbox">
          <input
            type="checkbox"
            checked={understood}
            onChange={(e) => {
              setUnderstood(e.target.checked);
              setError(null);
            }}
          />
          {WITHOUT_BACKUP[role]}
        </label>
        <div className="actions">
          <button
            type="button"
            className="button button--quiet"
            disabled={!understood}
            onClick={() =>
              void keepNewKeyWithoutBackup().then((failure) => {
                setError(failure);
                if (!failure) onSaved?.(newKey);
              })
            }
          >
            Save the key without a backup
          </button>
          <button type="button" className="button button--quiet" onClick={discardNewKey}>
            Discard this key pair
          </button>
        </div>
      </div>
      {error && <ErrorNotice error={error} />}
    </section>
  );
}
