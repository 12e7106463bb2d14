import { type SubmitEvent, useId, useState } from 'react';
import { type KeyBits, KeySizeFieldset } from '../../components/key-size-fieldset.tsx';
import { useFormAction } from '../../components/use-form-action.ts';
import { useAppStore } from '../../store/use-app-store.ts';

/** A new authority key pair, made and kept in this browser (spec §1: 3072 bits unless 4096 is asked for). */
export function CreateAuthorityKey() {
  const generateKey = useAppStore((s) => s.generateKey);
  const [name, setName] = useState('');
  const [bits, setBits] = useState<KeyBits>(3072);
  const { busy, run } = useFormAction();
  const id = useId();

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    // A failure is reported by the store as a notice; the form keeps its values.
    await run(async () => {
      if (await generateKey({ name, bits, role: 'authority-own' })) setName('');
      return null;
    });
  };

  return (
    <form className="authority-form" aria-labelledby={`${id}-heading`} onSubmit={(event) => void submit(event)}>
      <h3 id={`${id}-heading`}>Create authority key pair</h3>
      <label htmlFor={`${id}-name`}>Authority key name</label>
      <input id={`${id}-name`} type="text" value={name} placeholder="IT backup desk" autoComplete="off" onChange={(e) => { setName(e.target.value); }} />
      <KeySizeFieldset name={`${id}-bits`} bits={bits} onChange={setBits} />
      <div className="actions">
        <button type="submit" className="button" disabled={busy}>
          Create authority key pair
        </button>
        {busy && <span role="status">Creating the key pair…</span>}
      </div>
    </form>
  );
}
