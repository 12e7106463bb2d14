import { useRef, useState } from 'react';
import { AddSigningKey } from '../../components/add-signing-key.tsx';
import { turnedOff, useFocusOnChange } from '../../components/use-focus-on-change.ts';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { StoredKeyId } from '../../components/stored-key-id.tsx';
import { formatDate } from '../../store/format.ts';
import type { StoredKey, UiError } from '../../store/types.ts';
import { useAppStore } from '../../store/use-app-store.ts';
import { BackupForm } from '../../components/backup-form.tsx';
import { UnbackableKey } from '../../components/unbackable-key.tsx';
import { cannotBeBackedUp } from '../../store/slices/keys-slice.ts';

/**
 * One authority key pair: its ID to publish (the identity ID owners pin, spec
 * v2 §2; a v1 key's key ID), its public identity or key to hand out (PEM or
 * JWK), and a backup while one can be made (or, when none can be made any
 * more, the choice between replacing it and keeping it).
 */
export function AuthorityKeyCard({ storedKey }: { storedKey: StoredKey }) {
  const exportPublicKey = useAppStore((s) => s.exportPublicKey);
  const [backupOpen, setBackupOpen] = useState(false);
  const [error, setError] = useState<UiError | null>(null);
  const canBackup = storedKey.extractable;
  const undecided = cannotBeBackedUp(storedKey);
  const backupBadge = useRef<HTMLSpanElement>(null);
  // Keeping it removes the choice and its buttons: focus goes to the badge that says it has no backup, not to the page body.
  useFocusOnChange(undecided, turnedOff, backupBadge);

  const exportPublic = async (format: 'spki-pem' | 'jwk') => {
    setError(await exportPublicKey(storedKey.keyId, format));
  };
  const what = storedKey.identity ? 'public identity' : 'public key';

  return (
    <li className="key-card" aria-label={storedKey.name}>
      <div className="row__head">
        <strong className="row__name">{storedKey.name}</strong>
        <span className="actions">
          <span className="badge">{storedKey.modulusBits} bits</span>
          {storedKey.backedUpAt ? (
            <span className="badge badge--ok">Backed up</span>
          ) : (
            <span className="badge badge--warn" ref={backupBadge} tabIndex={-1}>
              {canBackup ? 'No backup yet' : 'No backup, none can be made'}
            </span>
          )}
        </span>
      </div>
      <div>
        <StoredKeyId storedKey={storedKey} />
      </div>
      <p className="row__meta">
        {storedKey.origin === 'generated' ? 'Created here' : 'Imported'} {formatDate(storedKey.createdAt)}. Owners compare this{' '}
        {storedKey.identity ? 'identity ID and pin it' : 'key ID'} before they escrow to you
        {storedKey.identity ? ', and check the receipts and recovery blobs you sign against it.' : '; a v1 key gets unsigned (v1) escrow blobs only.'}
      </p>
      {undecided && <UnbackableKey storedKey={storedKey} />}
      <AddSigningKey
        storedKey={storedKey}
        cannot="This key opens v1 escrow blobs, but cannot check signed (v2) ones nor sign receipts and recovery blobs."
        next="Export its public identity and send it to the owners: they confirm the new identity ID and pin it, and their new files get signed escrow blobs. Blobs made for the old key still open here."
      />
      <div className="actions">
        <button type="button" className="button button--small" onClick={() => void exportPublic('spki-pem')}>
          Export {what} (PEM)
        </button>
        <button type="button" className="button button--small" onClick={() => void exportPublic('jwk')}>
          Export {what} (JWK)
        </button>
        {canBackup && !backupOpen && (
          <button type="button" className="button button--quiet button--small" onClick={() => { setBackupOpen(true); }}>
            Export backup…
          </button>
        )}
      </div>
      {backupOpen && <BackupForm keyId={storedKey.keyId} onDone={() => { setBackupOpen(false); }} onCancel={() => { setBackupOpen(false); }} />}
      {error && <ErrorNotice error={error} />}
    </li>
  );
}
