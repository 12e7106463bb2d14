import { type SubmitEvent, useId, useState } from 'react';
import { useAppStore } from '../../store/use-app-store.ts';

/** A new authority key pair, made and kept in this browser (spec §1: 3072 bits unless 4096 is asked for). */
export function CreateAuthorityKey() {
  const generateKey = useAppStore((s) => s.generateKey);
  const [name, setName] = useState('');
  const [bits, setBits] = useState<3072 | 4096>(3072);
  const [busy, setBusy] = useState(false);
  const id = useId();

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    setBusy(true);
    try {
      const key = await generateKey({ name, bits, role: 'authority-own' });
      if (key) setName('');
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="authority-form" aria-labelledby={`${id}-heading`} onSubmit={(event) => void submit(event)}>
      <h3 id={`${id}-heading`}>Create authority key pair</h3>
      <label htmlFor={`${id}-name`}>Authority key name</label>
      <input id={`${id}-name`} type="text" value={name} placeholder="IT backup desk" autoComplete="off" onChange={(e) => { setName(e.target.value); }} />
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
    </form>
  );
}
