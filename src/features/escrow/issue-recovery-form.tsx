import { type SubmitEvent, useEffect, useId, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { KeyId } from '../../components/key-id.tsx';
import { KeyTextField } from '../../components/key-text-field.tsx';
import { useFormAction } from '../../components/use-form-action.ts';
import type { UiError } from '../../store/types.ts';
import { useAppStore } from '../../store/use-app-store.ts';

type KeyCheck = { keyId: string; modulusBits: number; identityId?: string } | { error: UiError };

/**
 * Option (b), spec §5 and spec v2 §6: wrap the file key for the owner's new
 * public key (a v1 blob) or new identity (a v2 blob: the recovery blob is
 * signed by this authority's identity), without ever seeing the file. The
 * new key's or identity's ID is shown first, and the authority confirms it
 * compared that ID with the owner before anything is issued: a pasted key
 * could be anyone's.
 */
export function IssueRecoveryForm() {
  const { issueRecovery, checkRecoveryKey, recovery, ownerName, signed, member } = useAppStore(
    useShallow((s) => ({
      issueRecovery: s.issueRecovery,
      checkRecoveryKey: s.checkRecoveryKey,
      recovery: s.escrowCase?.recovery,
      ownerName: s.escrowCase?.blob.owner.name ?? '',
      signed: s.escrowCase?.blob.format === 'keyward-escrow/2',
      member: s.escrowCase?.member,
    })),
  );
  const what = signed ? 'identity' : 'key';
  const [publicKey, setPublicKey] = useState('');
  const [newName, setNewName] = useState('');
  const [confirmed, setConfirmed] = useState(false);
  const [checked, setChecked] = useState<{ text: string; result: KeyCheck } | null>(null);
  const { busy, error, run, clearError } = useFormAction();
  const id = useId();

  // The check belongs to the text it was made for; a later paste makes it stale at once.
  useEffect(() => {
    if (publicKey.trim() === '') return;
    let current = true;
    void checkRecoveryKey(publicKey).then((result) => {
      if (current) setChecked({ text: publicKey, result });
    });
    return () => {
      current = false;
    };
  }, [publicKey, checkRecoveryKey]);
  const check = checked?.text === publicKey && publicKey.trim() !== '' ? checked.result : null;
  const newKey = check && !('error' in check) ? check : null;
  const writtenName = newName.trim() || ownerName;

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    await run(() => issueRecovery(publicKey, newName, confirmed && newKey ? (newKey.identityId ?? newKey.keyId) : ''));
  };

  return (
    <form className="escrow-option" aria-labelledby={`${id}-heading`} onSubmit={(event) => void submit(event)}>
      <h3 id={`${id}-heading`}>{member ? 'Issue a partial recovery blob' : 'Issue a recovery blob'}</h3>
      <p className="field-hint">
        {member
          ? `Without the file: your share (member ${String(member.index)}) is wrapped for the owner’s new identity, in a partial recovery blob signed with your identity. The owner needs partials from ${String(member.council.threshold)} members of the council, once they pinned it.`
          : signed
          ? 'Without the file: the file key is wrapped again for the owner’s new identity, in a recovery blob signed with your identity. The owner opens the file with it and their new identity, once they pinned you.'
          : 'Without the file: the file key is wrapped again for the owner’s new public key. The owner opens the file with the recovery blob and their new key pair.'}
      </p>
      <KeyTextField
        id={`${id}-key`}
        label={signed ? "Owner's new public identity (PEM or JWK)" : "Owner's new public key (PEM or JWK)"}
        value={publicKey}
        placeholder="-----BEGIN PUBLIC KEY-----"
        onChange={(value) => {
          setPublicKey(value);
          setConfirmed(false);
          clearError();
        }}
      />
      {check && 'error' in check && <ErrorNotice error={check.error} />}
      <label htmlFor={`${id}-name`}>Owner name (optional)</label>
      <input id={`${id}-name`} type="text" value={newName} autoComplete="off" aria-describedby={`${id}-name-hint`} onChange={(e) => { setNewName(e.target.value); clearError(); }} />
      <p className="field-hint" id={`${id}-name-hint`}>
        Written into the recovery blob. Left empty, it keeps <bdi>{ownerName ? `“${ownerName}”` : 'the escrow blob’s (empty) name'}</bdi>.
      </p>
      {newKey && (
        <div className="card" role="group" aria-label={`The new ${what} to compare`}>
          <p>
            New {what} of <bdi className="escrow-details__text">{writtenName || '(no name given)'}</bdi>:{' '}
            <KeyId keyId={newKey.identityId ?? newKey.keyId} /> ({newKey.modulusBits} bits)
          </p>
          <label className="checkbox">
            <input type="checkbox" checked={confirmed} onChange={(e) => { setConfirmed(e.target.checked); clearError(); }} />I compared this {what} ID with the owner, by phone or in person
          </label>
        </div>
      )}
      <div className="actions">
        <button type="submit" className="button" disabled={busy || (check !== null && 'error' in check)}>
          {member ? 'Download partial recovery blob' : 'Download recovery blob'}
        </button>
        {busy && <span role="status">Issuing…</span>}
      </div>
      {error && <ErrorNotice error={error} />}
      {recovery && !error && (
        <div className="status--done" role="status">
          <p>
            Saved <bdi className="row__name">{recovery.name}</bdi>.{' '}
            {recovery.partial
              ? 'Send it to the owner: with partials of enough other members of the council and their new identity, it opens the encrypted file.'
              : 'Send it to the owner: with their new key pair it opens the encrypted file.'}
          </p>
          <p>
            {recovery.signed ? "Signed with your identity and issued for the owner's new identity " : "Issued for the owner's new key "}
            <KeyId keyId={recovery.ownerKeyId} />
          </p>
        </div>
      )}
    </form>
  );
}
