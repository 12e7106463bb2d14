import { type SubmitEvent, useId, useState } from 'react';
import type { StoredKey } from '../../store/types.ts';
import { useAppStore } from '../../store/use-app-store.ts';

/** A new key pair of mine, made in this browser (spec §1: 3072 bits unless 4096 is asked for). */
export function CreateKeyForm({ onCreated }: { onCreated?: (key: StoredKey) => void }) {
  const generateKey = useAppStore((s) => s.generateKey);
  const [name, setName] = useState('');
  const [bits, setBits] = useState<3072 | 4096>(3072);
  const [keepExportable, setKeepExportable] = useState(false);
  const [busy, setBusy] = useState(false);
  const id = useId();

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    setBusy(true);
    try {
      // A failure is reported by the store as a notice; the form keeps its values.
      const key = await generateKey({ name, bits, role: 'owner', keepExportable });
      if (!key) return;
      setName('');
      setKeepExportable(false);
      onCreated?.(key);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="key-form" onSubmit={(event) => void submit(event)}>
      <label htmlFor={`${id}-name`}>Name for this key</label>
      <input
        id={`${id}-name`}
        type="text"
        value={name}
        placeholder="Ada Lovelace"
        autoComplete="off"
        aria-describedby={`${id}-name-hint`}
        onChange={(e) => { setName(e.target.value); }}
      />
      <p className="field-hint" id={`${id}-name-hint`}>
        Usually your name: it is written into every file you encrypt, so your backup authority knows whose it is.
      </p>
      <fieldset>
        <legend>Key size</legend>
        {([3072, 4096] as const).map((size) => (
          <label key={size} className="radio">
            <input type="radio" name={`${id}-bits`} value={size} checked={bits === size} onChange={() => { setBits(size); }} />
            {size} bits
          </label>
        ))}
        <p className="field-hint">3072 bits is the default; 4096 bits takes longer to create and to use.</p>
      </fieldset>
      <label className="checkbox">
        <input type="checkbox" checked={keepExportable} aria-describedby={`${id}-exportable-hint`} onChange={(e) => { setKeepExportable(e.target.checked); }} />
        Keep the private key exportable
      </label>
      <p className="field-hint" id={`${id}-exportable-hint`}>
        Off (recommended): the private key can be used in this browser but never read out; you download one backup right after
        creating it. On: you can export a backup at any time.
      </p>
      <div className="actions">
        <button type="submit" className="button" disabled={busy}>
          Create key pair
        </button>
        {busy && <span role="status">Creating the key pair… this takes a few seconds.</span>}
      </div>
    </form>
  );
}
