import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { KeyId } from '../../components/key-id.tsx';
import { formatDate } from '../../store/format.ts';
import { backupStatus, ownKeyPair } from '../../store/slices/keys-slice.ts';
import { useAppStore } from '../../store/use-app-store.ts';
import { BackupForm } from '../../components/backup-form.tsx';
import { CreateKeyForm } from './create-key-form.tsx';
import { KeyImportForm } from './key-import-form.tsx';
import { BACKUP_HEADING } from './first-run-focus.ts';

/** First-run step 1: create or import my key pair, then keep a backup of it. */
export function OwnKeyStep() {
  const { key, pending } = useAppStore(
    useShallow((s) => {
      const own = ownKeyPair(s.keys);
      return { key: own, pending: own !== undefined && s.pendingBackup?.keyId === own.keyId };
    }),
  );
  const [choice, setChoice] = useState<'create' | 'import' | null>(null);

  if (!key) {
    return (
      <>
        <h2>1. Your key pair</h2>
        <p>Create a new key pair here, or import the one you already have (PEM or JWK).</p>
        <div className="actions">
          <button type="button" className="button" aria-pressed={choice === 'create'} onClick={() => { setChoice('create'); }}>
            Create a key pair
          </button>
          <button type="button" className="button" aria-pressed={choice === 'import'} onClick={() => { setChoice('import'); }}>
            Import a key pair
          </button>
        </div>
        {choice === 'create' && <CreateKeyForm />}
        {choice === 'import' && (
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
        Key ID <KeyId keyId={key.keyId} />
      </p>
      {status === 'missing' && (
        <div className="first-run__backup">
          <h3 id={BACKUP_HEADING} tabIndex={-1}>
            Download a backup
          </h3>
          <p className="warning">
            {pending
              ? 'Your private key is stored so that it can be used here but never read out. Download a passphrase-protected backup now: once you leave or reload this page, no backup can be made, and if this browser’s storage is lost, so is the key.'
              : 'No backup of this private key was exported.'}
          </p>
          <BackupForm keyId={key.keyId} />
        </div>
      )}
      {status === 'exported' && key.backedUpAt !== undefined && (
        <p className="status--done">Backup downloaded {formatDate(key.backedUpAt)}. Keep the file and its passphrase in separate safe places.</p>
      )}
      {status === 'imported' && <p className="row__meta">Imported from a key file: keep that file safe, it is your backup.</p>}
    </>
  );
}
