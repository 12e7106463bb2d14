import { type SubmitEvent, useId, useState } from 'react';
import type { StoredKey } from '../../store/types.ts';
import { useAppStore } from '../../store/use-app-store.ts';

/** A new name for a stored key (its key ID does not change). */
export function RenameForm({ storedKey, onDone }: { storedKey: StoredKey; onDone: () => void }) {
  const renameKey = useAppStore((s) => s.renameKey);
  const [name, setName] = useState(storedKey.name);
  const id = useId();

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    await renameKey(storedKey.keyId, name);
    onDone();
  };

  return (
    <form className="rename-form" onSubmit={(event) => void submit(event)}>
      <label htmlFor={`${id}-name`}>New name</label>
      <input id={`${id}-name`} type="text" value={name} autoComplete="off" required onChange={(e) => { setName(e.target.value); }} />
      <div className="actions">
        <button type="submit" className="button button--small" disabled={name.trim() === ''}>
          Save name
        </button>
        <button type="button" className="button button--quiet button--small" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}
