import { type SubmitEvent, useId, useState } from 'react';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { NewKeyBackup } from '../../components/new-key-backup.tsx';
import type { UiError } from '../../store/types.ts';
import { useAppStore } from '../../store/use-app-store.ts';

/**
 * A new authority key pair, made in this browser (spec §1: 3072 bits unless
 * 4096 is asked for), saved only once backed up or declined (`NewKeyBackup`).
 */
export function CreateAuthorityKey() {
  const generateKey = useAppStore((s) => s.generateKey);
  const creating = useAppStore((s) => s.newKey?.key.role === 'authority-own');
  const [name, setName] = useState('');
  const [bits, setBits] = useState<3072 | 4096>(3072);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<UiError | null>(null);
  const id = useId();

  if (creating) return <NewKeyBackup role="authority-own" />;

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const result = await generateKey({ name, bits, role: 'authority-own' });
      if ('error' in result) setError(result.error);
      else setName('');
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="authority-form" noValidate aria-labelledby={`${id}-heading`} onSubmit={(event) => void submit(event)}>
      <h3 id={`${id}-heading`}>Create authority key pair</h3>
      <label htmlFor={`${id}-name`}>Authority key name</label>
      <input
        id={`${id}-name`}
        type="text"
        value={name}
        placeholder="IT backup desk"
        autoComplete="off"
        required
        onChange={(e) => {
          setName(e.target.value);
          setError(null);
        }}
      />
      <fieldset>
        <legend>Key size</legend>
        {([3072, 4096] as const).map((size) => (
          <label key={size} className="radio">
            <input type="radio" name={`${id}-bits`} value={size} checked={bits === size} onChange={() => { setBits(size); }} />
            {size} bits
          </label>
        ))}
      </fieldset>
      <p className="field-hint">3072 bits is the default; 4096 bits takes longer to create and to use.</p>
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
