import { type SubmitEvent, useId, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { KeyId } from '../../components/key-id.tsx';
import type { UiError } from '../../store/types.ts';
import { useAppStore } from '../../store/use-app-store.ts';

/** Option (b), spec §5: wrap the file key for the owner's new public key, without ever seeing the file. */
export function IssueRecoveryForm() {
  const { issueRecovery, recovery, ownerName } = useAppStore(
    useShallow((s) => ({ issueRecovery: s.issueRecovery, recovery: s.escrowCase?.recovery, ownerName: s.escrowCase?.blob.owner.name ?? '' })),
  );
  const [publicKey, setPublicKey] = useState('');
  const [newName, setNewName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<UiError | null>(null);
  const id = useId();

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      setError(await issueRecovery(publicKey, newName));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="escrow-option" aria-labelledby={`${id}-heading`} onSubmit={(event) => void submit(event)}>
      <h3 id={`${id}-heading`}>Issue a recovery blob</h3>
      <p className="field-hint">
        Without the file: the file key is wrapped again for the owner’s new public key. The owner opens the file with the recovery
        blob and their new key pair.
      </p>
      <label htmlFor={`${id}-key`}>Owner's new public key (PEM or JWK)</label>
      <textarea id={`${id}-key`} value={publicKey} spellCheck={false} autoComplete="off" placeholder="-----BEGIN PUBLIC KEY-----" onChange={(e) => { setPublicKey(e.target.value); }} />
      <label htmlFor={`${id}-name`}>Owner name (optional)</label>
      <input id={`${id}-name`} type="text" value={newName} autoComplete="off" aria-describedby={`${id}-name-hint`} onChange={(e) => { setNewName(e.target.value); }} />
      <p className="field-hint" id={`${id}-name-hint`}>
        Written into the recovery blob. Left empty, it keeps <bdi>{ownerName ? `“${ownerName}”` : 'the escrow blob’s (empty) name'}</bdi>.
      </p>
      <div className="actions">
        <button type="submit" className="button" disabled={busy}>
          Download recovery blob
        </button>
        {busy && <span role="status">Issuing…</span>}
      </div>
      {error && <ErrorNotice error={error} />}
      {recovery && !error && (
        <div className="status--done" role="status">
          <p>
            Saved <bdi className="row__name">{recovery.name}</bdi>. Send it to the owner: with their new key pair it opens the
            encrypted file.
          </p>
          <p>
            Issued for the owner's new key <KeyId keyId={recovery.ownerKeyId} />
          </p>
        </div>
      )}
    </form>
  );
}
