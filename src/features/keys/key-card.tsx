import { useRef, useState } from 'react';
import { AddSigningKey } from '../../components/add-signing-key.tsx';
import { turnedOff, useFocusOnChange } from '../../components/use-focus-on-change.ts';
import { useShallow } from 'zustand/react/shallow';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { StoredKeyId } from '../../components/stored-key-id.tsx';
import { formatDate } from '../../store/format.ts';
import type { StoredKey, UiError } from '../../store/types.ts';
import { useAppStore } from '../../store/use-app-store.ts';
import { BackupForm } from '../../components/backup-form.tsx';
import { DeleteKey } from './delete-key.tsx';
import { KeyBadges } from './key-badges.tsx';
import { RenameForm } from './rename-form.tsx';
import { UnbackableKey } from '../../components/unbackable-key.tsx';
import { cannotBeBackedUp, comparedIdOf, idNoun } from '../../store/slices/keys-slice.ts';
import { ROLE_LABELS } from './role-labels.ts';
import { NotKeptNote } from './not-kept-note.tsx';

/** One stored key: what it is, its key ID to compare, and what can be done with it. */
export function KeyCard({ storedKey }: { storedKey: StoredKey }) {
  const { exportPublicKey, confirmAuthority } = useAppStore(
    useShallow((s) => ({ exportPublicKey: s.exportPublicKey, confirmAuthority: s.confirmAuthority })),
  );
  const [open, setOpen] = useState<'backup' | 'rename' | null>(null);
  const [error, setError] = useState<UiError | null>(null);
  const { keyId, name, role, privateKey } = storedKey;
  const unconfirmed = role === 'authority' && storedKey.confirmedAt === undefined;
  const close = () => { setOpen(null); };
  const confirmedBadge = useRef<HTMLSpanElement>(null);
  const undecided = role === 'owner' && cannotBeBackedUp(storedKey);
  const backupBadge = useRef<HTMLSpanElement>(null);
  // Keeping a key that can never be backed up removes the choice and its buttons: focus goes to the badge that says so.
  useFocusOnChange(undecided, turnedOff, backupBadge);
  // Confirm authority removes its own button: focus goes to the badge that says it is confirmed, not to the page body.
  useFocusOnChange(unconfirmed, turnedOff, confirmedBadge);
  const exportPublic = async (format: 'spki-pem' | 'jwk') => {
    setError(await exportPublicKey(keyId, format));
  };

  return (
    <li className="key-card" aria-label={name}>
      <div className="row__head">
        <strong className="row__name">{name}</strong>
        <span className="badge">{ROLE_LABELS[role]}</span>
      </div>
      <p className="row__meta">
        {storedKey.modulusBits} bits · {storedKey.origin === 'generated' ? 'created' : 'imported'} {formatDate(storedKey.createdAt)}
      </p>
      <div>
        <StoredKeyId storedKey={storedKey} />
      </div>
      <KeyBadges storedKey={storedKey} confirmedRef={confirmedBadge} backupRef={backupBadge} />
      {role === 'authority' && <NotKeptNote kind="identity" id={storedKey.identity?.id} />}
      {unconfirmed && (
        <div className="actions">
          <p className="warning">Compare this {idNoun(storedKey)} with your backup authority (for example over the phone) before you trust it.</p>
          <button type="button" className="button button--small" onClick={() => void confirmAuthority(keyId, comparedIdOf(storedKey)).then(setError)}>
            Confirm authority
          </button>
        </div>
      )}
      {undecided && <UnbackableKey storedKey={storedKey} />}
      <AddSigningKey
        storedKey={storedKey}
        cannot="This key can decrypt, but cannot sign: files made with it are unsigned (v1)."
        next="Export its public key again and send it to whoever uses your key (your backup authority, people who check your files): they confirm the new identity ID."
      />
      <div className="actions">
        <button type="button" className="button button--small" onClick={() => void exportPublic('spki-pem')}>
          Export public key (PEM)
        </button>
        <button type="button" className="button button--small" onClick={() => void exportPublic('jwk')}>
          Export public key (JWK)
        </button>
        {privateKey && (
          <button type="button" className="button button--quiet button--small" aria-expanded={open === 'backup'} onClick={() => { setOpen('backup'); }}>
            Export backup…
          </button>
        )}
        <button type="button" className="button button--quiet button--small" aria-expanded={open === 'rename'} onClick={() => { setOpen('rename'); }}>
          Rename
        </button>
        <DeleteKey storedKey={storedKey} />
      </div>
      {open === 'backup' && <BackupForm keyId={keyId} onDone={close} onCancel={close} />}
      {open === 'rename' && <RenameForm storedKey={storedKey} onDone={close} />}
      {error && <ErrorNotice error={error} />}
    </li>
  );
}
