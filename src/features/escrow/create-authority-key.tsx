import { type SubmitEvent, useId, useState } from 'react';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { KeyNameField } from '../../components/key-name-field.tsx';
import { type KeyBits, KeySizeFieldset } from '../../components/key-size-fieldset.tsx';
import { NewKeyBackup } from '../../components/new-key-backup.tsx';
import { useFormAction } from '../../components/use-form-action.ts';
import { useAppStore } from '../../store/use-app-store.ts';

/**
 * A new authority key pair, made in this browser (spec §1: 3072 bits unless
 * 4096 is asked for), saved only once backed up or declined (`NewKeyBackup`).
 */
export function CreateAuthorityKey() {
  const generateKey = useAppStore((s) => s.generateKey);
  const creating = useAppStore((s) => s.newKey?.key.role === 'authority-own');
  const [name, setName] = useState('');
  const [bits, setBits] = useState<KeyBits>(3072);
  const { busy, error, run, clearError } = useFormAction();
  const id = useId();

  if (creating) return <NewKeyBackup role="authority-own" />;

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    await run(async () => {
      const result = await generateKey({ name, bits, role: 'authority-own' });
      if ('error' in result) return result.error;
      setName('');
      return null;
    });
  };

  return (
    <form className="authority-form" noValidate aria-labelledby={`${id}-heading`} onSubmit={(event) => void submit(event)}>
      <h3 id={`${id}-heading`}>Create authority key pair</h3>
      <KeyNameField
        id={`${id}-name`}
        label="Authority key name"
        placeholder="IT backup desk"
        value={name}
        invalid={error?.code === 'NAME_REQUIRED'}
        onChange={(text) => {
          setName(text);
          clearError();
        }}
      />
      <KeySizeFieldset name={`${id}-bits`} bits={bits} onChange={setBits} />
      <div className="actions">
        <button type="submit" className="button" disabled={busy}>
          Create authority key pair
        </button>
        {busy && <span role="status">Creating the key pair…</span>}
      </div>
      {error && <ErrorNotice error={error} />}
    </form>
  );
}
