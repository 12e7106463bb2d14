import { type SubmitEvent, useId, useRef, useState } from 'react';
import { DropZone } from '../../components/drop-zone.tsx';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { KeyTextField } from '../../components/key-text-field.tsx';
import { useFormAction } from '../../components/use-form-action.ts';
import { appError } from '../../store/errors.ts';
import type { StoredKey } from '../../store/types.ts';
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

/** "owner.pub.pem" → "owner": a name to suggest (shown as such, focused to be checked) when none was typed. */
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
  const { busy, error, run, clearError, showError } = useFormAction();
  /** The file a suggested name came from, until the person edits the name. */
  const [suggestedFrom, setSuggestedFrom] = useState<string | null>(null);
  const nameField = useRef<HTMLInputElement>(null);
  const id = useId();
  /** Any change to what the form sends makes an earlier error stale. */
  const edited = <T,>(set: (value: T) => void) => (value: T) => {
    set(value);
    clearError();
  };
  const privateAllowed = accept !== 'public';
  const encrypted = text.includes('ENCRYPTED PRIVATE KEY');

  const readFile = async (file: File) => {
    if (file.size > MAX_KEY_FILE_BYTES) {
      showError(appError('KEY_FILE_TOO_LARGE', { path: file.name }));
      return;
    }
    try {
      setText(await file.text());
      clearError();
      if (name.trim() === '') {
        // Only a suggestion: the name goes into every escrow blob, so the person checks it.
        setName(nameFromFile(file.name));
        setSuggestedFrom(file.name);
        nameField.current?.focus();
      }
    } catch {
      showError(appError('FILE_UNREADABLE', { path: file.name }));
    }
  };

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    await run(async () => {
      const result = await importKey({ text, name, accept, keepExportable, ...(privateAllowed && passphrase ? { passphrase } : {}) });
      if ('error' in result) return result.error;
      setText('');
      setName('');
      setSuggestedFrom(null);
      setPassphrase('');
      setKeepExportable(false);
      onImported?.(result.key);
      return null;
    });
  };

  return (
    <form className="key-form" noValidate onSubmit={(event) => void submit(event)}>
      <KeyTextField id={`${id}-key`} label={keyLabel} value={text} placeholder={placeholder} onChange={edited(setText)} />
      <DropZone
        label={dropLabel}
        hint="A .pem or .json key file; its text appears above."
        buttonLabel={chooseLabel}
        multiple={false}
        onFiles={(files) => void readFile(files[0]!)}
      />
      <label htmlFor={`${id}-name`}>{nameLabel}</label>
      <input
        ref={nameField}
        id={`${id}-name`}
        type="text"
        value={name}
        autoComplete="off"
        required
        aria-invalid={error?.code === 'NAME_REQUIRED' || undefined}
        aria-describedby={`${id}-name-hint`}
        onChange={(e) => {
          edited(setName)(e.target.value);
          setSuggestedFrom(null);
        }}
      />
      <p className="field-hint" id={`${id}-name-hint`}>
        {suggestedFrom
          ? `Suggested from the file name “${suggestedFrom}”: change it to say whose key this is.`
          : 'Shown with the key, and written into every escrow blob made with it.'}
      </p>
      {privateAllowed && (
        <>
          <label htmlFor={`${id}-passphrase`}>Passphrase</label>
          <input
            id={`${id}-passphrase`}
            type="password"
            value={passphrase}
            autoComplete="off"
            aria-describedby={`${id}-passphrase-hint`}
            onChange={(e) => { edited(setPassphrase)(e.target.value); }}
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
