import { type SubmitEvent, useId, useState } from 'react';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { KeyTextField } from '../../components/key-text-field.tsx';
import { useFormAction } from '../../components/use-form-action.ts';
import { useAppStore } from '../../store/use-app-store.ts';

/** The authority's existing key pair, pasted as PEM or JWK (an encrypted PKCS#8 key takes its passphrase). */
export function ImportAuthorityKey() {
  const importAuthorityKey = useAppStore((s) => s.importAuthorityKey);
  const [text, setText] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [name, setName] = useState('');
  const { busy, error, run, clearError } = useFormAction();
  const id = useId();
  const edit = (setValue: (value: string) => void) => (value: string) => {
    setValue(value);
    clearError();
  };

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    const imported = await run(async () => {
      const result = await importAuthorityKey({ text, name, passphrase });
      return 'error' in result ? result.error : null;
    });
    if (!imported) return;
    // The private key's text is not kept in the page once it is stored.
    setText('');
    setPassphrase('');
    setName('');
  };

  return (
    <form className="authority-form" aria-labelledby={`${id}-heading`} onSubmit={(event) => void submit(event)}>
      <h3 id={`${id}-heading`}>Import authority key pair</h3>
      <KeyTextField id={`${id}-key`} label="Authority private key (PEM or JWK)" value={text} placeholder="-----BEGIN PRIVATE KEY-----" onChange={edit(setText)} />
      <label htmlFor={`${id}-passphrase`}>Passphrase</label>
      <input id={`${id}-passphrase`} type="password" value={passphrase} autoComplete="off" aria-describedby={`${id}-passphrase-hint`} onChange={(e) => { edit(setPassphrase)(e.target.value); }} />
      <p className="field-hint" id={`${id}-passphrase-hint`}>
        Only for an encrypted key (<code>ENCRYPTED PRIVATE KEY</code>).
      </p>
      <label htmlFor={`${id}-name`}>Name for the imported key</label>
      <input id={`${id}-name`} type="text" value={name} placeholder="IT backup desk" autoComplete="off" onChange={(e) => { edit(setName)(e.target.value); }} />
      <div className="actions">
        <button type="submit" className="button" disabled={busy}>
          Import authority key
        </button>
        {busy && <span role="status">Importing…</span>}
      </div>
      {error && <ErrorNotice error={error} />}
    </form>
  );
}
