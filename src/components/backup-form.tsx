import { type SubmitEvent, useId, useState } from 'react';
import { ErrorNotice } from './error-notice.tsx';
import { appError } from '../store/errors.ts';
import type { UiError } from '../store/types.ts';
import { useAppStore } from '../store/use-app-store.ts';

export interface BackupFormProps {
  keyId: string;
  /** After the backup was downloaded. */
  onDone?: () => void;
  onCancel?: () => void;
}

/**
 * A passphrase-protected backup of a private key (encrypted PKCS#8 PEM). A key
 * that can no longer be read out gets the reason instead of the form.
 */
export function BackupForm({ keyId, onDone, onCancel }: BackupFormProps) {
  const exportPrivateBackup = useAppStore((s) => s.exportPrivateBackup);
  // Strings, not the error object: a fresh object per render would never settle.
  const problemCode = useAppStore((s) => s.backupProblem(keyId)?.code ?? null);
  const problemMessage = useAppStore((s) => s.backupProblem(keyId)?.message ?? '');
  const [passphrase, setPassphrase] = useState('');
  const [repeat, setRepeat] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<UiError | null>(null);
  const id = useId();

  if (problemCode) {
    return (
      <div className="backup-form">
        <ErrorNotice error={{ code: problemCode, message: problemMessage }} />
        {onCancel && (
          <button type="button" className="button button--quiet button--small" onClick={onCancel}>
            Close
          </button>
        )}
      </div>
    );
  }

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    if (passphrase !== repeat) {
      setError(appError('PASSPHRASE_MISMATCH'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const failure = await exportPrivateBackup(keyId, passphrase);
      if (failure) {
        setError(failure);
        return;
      }
      setPassphrase('');
      setRepeat('');
      onDone?.();
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="backup-form" onSubmit={(event) => void submit(event)}>
      <label htmlFor={`${id}-pass`}>Backup passphrase</label>
      <input
        id={`${id}-pass`}
        type="password"
        autoComplete="new-password"
        value={passphrase}
        aria-describedby={`${id}-hint`}
        onChange={(e) => {
          setPassphrase(e.target.value);
          setError(null);
        }}
      />
      <label htmlFor={`${id}-repeat`}>Repeat passphrase</label>
      <input
        id={`${id}-repeat`}
        type="password"
        autoComplete="new-password"
        value={repeat}
        onChange={(e) => {
          // An error about the passphrases is stale once either changes.
          setRepeat(e.target.value);
          setError(null);
        }}
      />
      <p className="field-hint" id={`${id}-hint`}>
        At least 8 characters. The backup file cannot be opened without it, so keep the passphrase apart from the file.
      </p>
      <div className="actions">
        <button type="submit" className="button" disabled={busy}>
          Download backup
        </button>
        {onCancel && (
          <button type="button" className="button button--quiet" onClick={onCancel}>
            Cancel
          </button>
        )}
        {busy && <span role="status">Encrypting the backup…</span>}
      </div>
      {error && <ErrorNotice error={error} />}
    </form>
  );
}
