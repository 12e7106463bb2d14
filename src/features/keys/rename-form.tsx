import { type SubmitEvent, useId, useState } from 'react';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { useFormAction } from '../../components/use-form-action.ts';
import type { StoredKey } from '../../store/types.ts';
import { useAppStore } from '../../store/use-app-store.ts';

/** A new name for a stored key (its key ID does not change). */
export function RenameForm({ storedKey, onDone }: { storedKey: StoredKey; onDone: () => void }) {
  const renameKey = useAppStore((s) => s.renameKey);
  const [name, setName] = useState(storedKey.name);
  const { busy, error, run, clearError } = useFormAction();
  const id = useId();

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    if (await run(() => renameKey(storedKey.keyId, name))) onDone();
  };

  return (
    <form className="rename-form" onSubmit={(event) => void submit(event)}>
      <label htmlFor={`${id}-name`}>New name</label>
      <input id={`${id}-name`} type="text" value={name} autoComplete="off" required onChange={(e) => { setName(e.target.value); clearError(); }} />
      <div className="actions">
        <button type="submit" className="button button--small" disabled={busy || name.trim() === ''}>
          Save name
        </button>
        <button type="button" className="button button--quiet button--small" onClick={onDone}>
          Cancel
        </button>
      </div>
      {error && <ErrorNotice error={error} />}
    </form>
  );
}
