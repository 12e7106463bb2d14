import { type SubmitEvent, useId, useState } from 'react';
import { ErrorNotice } from '../../components/error-notice.tsx';
import type { UiError } from '../../store/types.ts';
import { useAppStore } from '../../store/use-app-store.ts';

/** A passphrase-protected PKCS#8 backup of the authority's private key. */
export function ExportBackupForm({ keyId, onClose }: { keyId: string; onClose: () => void }) {
  const exportPrivateBackup = useAppStore((s) => s.exportPrivateBackup);
  const [passphrase, setPassphrase] = useState('');
  const [repeat, setRepeat] = useState('');
  const [error, setError] = useState<UiError | null>(null);
  const id = useId();
  const differs = repeat !== '' && repeat !== passphrase;

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    if (passphrase !== repeat) return;
    const failure = await exportPrivateBackup(keyId, passphrase);
    if (failure) setError(failure);
    else onClose();
  };

  return (
    <form className="export-backup" onSubmit={(event) => void submit(event)} aria-label="Export backup">
      <label htmlFor={`${id}-pass`}>Backup passphrase</label>
      <input id={`${id}-pass`} type="password" autoComplete="new-password" value={passphrase} onChange={(e) => { setPassphrase(e.target.value); }} />
      <label htmlFor={`${id}-repeat`}>Repeat the backup passphrase</label>
      <input id={`${id}-repeat`} type="password" autoComplete="new-password" value={repeat} onChange={(e) => { setRepeat(e.target.value); }} />
      {differs && <p className="field-hint status--failed">The two passphrases differ.</p>}
      <p className="field-hint">At least 8 characters. Without this passphrase the backup cannot be opened.</p>
      <div className="actions">
        <button type="submit" className="button button--small" disabled={passphrase === '' || passphrase !== repeat}>
          Save backup file
        </button>
        <button type="button" className="button button--quiet button--small" onClick={onClose}>
          Cancel
        </button>
      </div>
      {error && <ErrorNotice error={error} />}
    </form>
  );
}
