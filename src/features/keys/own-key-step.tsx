import { useState } from 'react';
import { StoredKeyId } from '../../components/stored-key-id.tsx';
import { formatDate } from '../../store/format.ts';
import { backupStatus, cannotBeBackedUp, ownKeyPair } from '../../store/slices/keys-slice.ts';
import { useAppStore } from '../../store/use-app-store.ts';
import { BackupForm } from '../../components/backup-form.tsx';
import { CreateKeyForm } from './create-key-form.tsx';
import { DeleteKey } from './delete-key.tsx';
import { KeyImportForm } from './key-import-form.tsx';
import { BACKUP_HEADING } from './first-run-focus.ts';
import { UnbackableKey } from '../../components/unbackable-key.tsx';

/** First-run step 1: create (and back up) or import my key pair. */
export function OwnKeyStep() {
  const key = useAppStore((s) => ownKeyPair(s.keys));
  const creating = useAppStore((s) => s.newKey?.key.role === 'owner');
  const [choice, setChoice] = useState<'create' | 'import' | null>(null);

  if (!key) {
    return (
      <>
        <h2>1. Your key pair</h2>
        <p>Create a new key pair here, or import the one you already have (PEM or JWK).</p>
        {!creating && (
          <div className="actions">
            <button type="button" className="button" aria-pressed={choice === 'create'} onClick={() => { setChoice('create'); }}>
              Create a key pair
            </button>
            <button type="button" className="button" aria-pressed={choice === 'import'} onClick={() => { setChoice('import'); }}>
              Import a key pair
            </button>
          </div>
        )}
        {(creating || choice === 'create') && <CreateKeyForm />}
        {!creating && choice === 'import' && (
          <KeyImportForm
            accept="private"
            keyLabel="Your key (PEM or JWK)"
            dropLabel="Drop a key file"
            chooseLabel="Choose key file"
            nameLabel="Name for this key"
            submitLabel="Import key"
            placeholder="-----BEGIN PRIVATE KEY-----"
          />
        )}
      </>
    );
  }

  const status = backupStatus(key);
  return (
    <>
      <h2>1. Your key pair</h2>
      <p>
        <strong className="row__name">{key.name}</strong> · {key.modulusBits} bits
      </p>
      <p>
        <StoredKeyId storedKey={key} />
      </p>
      {cannotBeBackedUp(key) ? (
        <UnbackableKey storedKey={key} />
      ) : status === 'missing' && key.extractable ? (
        <div className="first-run__backup">
          <h3 id={BACKUP_HEADING} tabIndex={-1}>
            Download a backup
          </h3>
          <p className="warning">No backup of this private key was exported yet; it can be exported at any time.</p>
          <BackupForm keyId={key.keyId} />
        </div>
      ) : (
        status === 'missing' && (
          <p className="warning">Saved without a backup: if this browser loses its data, only your backup authority can recover your files.</p>
        )
      )}
      {status === 'exported' && key.backedUpAt !== undefined && (
        <p className="status--done">Backup downloaded {formatDate(key.backedUpAt)}. Keep the file and its passphrase in separate safe places.</p>
      )}
      {status === 'imported' && <p className="row__meta">Imported from a key file: keep that file safe, it is your backup.</p>}
      {/* Set-up is not finished: the wrong key pair can still be removed and another one made or imported. */}
      {!cannotBeBackedUp(key) && (
        <p className="actions">
          <DeleteKey storedKey={key} />
        </p>
      )}
    </>
  );
}
