import { type SubmitEvent, useId, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { KeyNameField } from '../../components/key-name-field.tsx';
import { type KeyBits, KeySizeFieldset } from '../../components/key-size-fieldset.tsx';
import { NewKeyBackup } from '../../components/new-key-backup.tsx';
import { useFormAction } from '../../components/use-form-action.ts';
import type { StoredKey } from '../../store/types.ts';
import { useAppStore } from '../../store/use-app-store.ts';

/**
 * A new key pair of mine, made in this browser (spec §1: 3072 bits unless 4096
 * is asked for). Once made, it is backed up (or the person declines that)
 * before it is saved: `NewKeyBackup` replaces the form until then.
 */
export function CreateKeyForm({ onCreated }: { onCreated?: (key: StoredKey) => void }) {
  const { generateKey, creating } = useAppStore(
    useShallow((s) => ({ generateKey: s.generateKey, creating: s.newKey?.key.role === 'owner' })),
  );
  const [name, setName] = useState('');
  const [bits, setBits] = useState<KeyBits>(3072);
  const [keepExportable, setKeepExportable] = useState(false);
  const { busy, error, run, clearError } = useFormAction();
  const id = useId();

  if (creating) return <NewKeyBackup role="owner" {...(onCreated ? { onSaved: onCreated } : {})} />;

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    await run(async () => {
      const result = await generateKey({ name, bits, role: 'owner', keepExportable });
      if ('error' in result) return result.error;
      setName('');
      setKeepExportable(false);
      return null;
    });
  };

  const nameInvalid = error?.code === 'NAME_REQUIRED';
  return (
    <form className="key-form" noValidate onSubmit={(event) => void submit(event)}>
      <KeyNameField
        id={`${id}-name`}
        label="Name for this key"
        placeholder="Ada Lovelace"
        value={name}
        invalid={nameInvalid}
        hint="Usually your name: it is written into every file you encrypt, so your backup authority knows whose it is."
        onChange={(text) => {
          setName(text);
          if (nameInvalid) clearError();
        }}
      />
      <KeySizeFieldset name={`${id}-bits`} bits={bits} onChange={setBits} />
      <label className="checkbox">
        <input type="checkbox" checked={keepExportable} aria-describedby={`${id}-exportable-hint`} onChange={(e) => { setKeepExportable(e.target.checked); }} />
        Keep the private key exportable
      </label>
      <p className="field-hint" id={`${id}-exportable-hint`}>
        Off (recommended): the private key can be used in this browser but never read out once saved; you download its backup
        before it is saved. On: you can also export a backup later.
      </p>
      <div className="actions">
        <button type="submit" className="button" disabled={busy}>
          Create key pair
        </button>
        {busy && <span role="status">Creating the key pair… this takes a few seconds.</span>}
      </div>
      {error && <ErrorNotice error={error} />}
    </form>
  );
}
