import { type SubmitEvent, useId, useState } from 'react';
import { DropZone } from '../../components/drop-zone.tsx';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { appError } from '../../store/errors.ts';
import type { StoredKey, UiError } from '../../store/types.ts';
import { useAppStore } from '../../store/use-app-store.ts';

/** A key is a few kilobytes; a bigger file is not read into the page. */
const MAX_KEY_FILE_BYTES = 1_048_576;

export interface KeyImportFormProps {
  /** `private`: my key pair; `public`: an authority's key; `any`: either (the Keys panel). */
  accept: 'any' | 'public' | 'private';
  keyLabel: string;
  dropLabel: string;
  chooseLabel: string;
  nameLabel: string;
  submitLabel: string;
  placeholder?: string;
  onImported?: (key: StoredKey) => void;
}

/** "owner.pub.pem" → "owner": a name to start from when none was typed. */
const nameFromFile = (fileName: string) => fileName.replace(/(\.(pub|backup|jwk|json|pem|key|txt))+$/i, '');

/**
 * Paste, drop or choose a key (PEM or JWK). On an error the form keeps what
 * was entered; once stored, the key text is cleared from the page.
 */
export function KeyImportForm({ accept, keyLabel, dropLabel, chooseLabel, nameLabel, submitLabel, placeholder, onImported }: KeyImportFormProps) {
  const importKey = useAppStore((s) => s.importKey);
  const [text, setText] = useState('');
  const [name, setName] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [keepExportable, setKeepExportable] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<UiError | null>(null);
  const id = useId();
  const privateAllowed = accept !== 'public';
  const encrypted = text.includes('ENCRYPTED PRIVATE KEY');

  const readFile = async (file: File) => {
    if (file.size > MAX_KEY_FILE_BYTES) {
      setError(appError('KEY_FILE_TOO_LARGE', { path: file.name }));
      return;
    }
    try {
      setText(await file.text());
      setError(null);
      if (name.trim() === '') setName(nameFromFile(file.name));
    } catch {
      setError(appError('FILE_UNREADABLE', { path: file.name }));
    }
  };

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const result = await importKey({ text, name, accept, keepExportable, ...(privateAllowed && passphrase ? { passphrase } : {}) });
      if ('error' in result) {
        setError(result.error);
        return;
      }
      setText('');
      setName('');
      setPassphrase('');
      setKeepExportable(false);
      onImported?.(result.key);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="key-form" onSubmit={(event) => void submit(event)}>
      <label htmlFor={`${id}-key`}>{keyLabel}</label>
      <textarea
        id={`${id}-key`}
        value={text}
        spellCheck={false}
        autoComplete="off"
        autoCapitalize="off"
        placeholder={placeholder}
        onChange={(e) => { setText(e.target.value); }}
      />
      <DropZone
        label={dropLabel}
        hint="A .pem or .json key file; its text appears above."
        buttonLabel={chooseLabel}
        multiple={false}
        onFiles={(files) => void readFile(files[0]!)}
      />
      <label htmlFor={`${id}-name`}>{nameLabel}</label>
      <input id={`${id}-name`} type="text" value={name} autoComplete="off" onChange={(e) => { setName(e.target.value); }} />
      {privateAllowed && (
        <>
          <label htmlFor={`${id}-passphrase`}>Passphrase</label>
          <input
            id={`${id}-passphrase`}
            type="password"
            value={passphrase}
            autoComplete="off"
            aria-describedby={`${id}-passphrase-hint`}
            onChange={(e) => { setPassphrase(e.target.value); }}
          />
          <p className="field-hint" id={`${id}-passphrase-hint`}>
            {encrypted ? 'This key is encrypted: enter its passphrase.' : 'Only for an encrypted key (ENCRYPTED PRIVATE KEY); leave it empty otherwise.'}
          </p>
          <label className="checkbox">
            <input type="checkbox" checked={keepExportable} aria-describedby={`${id}-exportable-hint`} onChange={(e) => { setKeepExportable(e.target.checked); }} />
            Keep the private key exportable
          </label>
          <p className="field-hint" id={`${id}-exportable-hint`}>
            Off (recommended): the private key can be used in this browser but never read out again, so keep your key file as its backup.
          </p>
        </>
      )}
      <div className="actions">
        <button type="submit" className="button" disabled={busy}>
          {submitLabel}
        </button>
        {busy && <span role="status">Importing…</span>}
      </div>
      {error && <ErrorNotice error={error} />}
    </form>
  );
}
