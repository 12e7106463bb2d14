import { useState } from 'react';
import type { UiError } from '../store/types.ts';
import { ErrorNotice } from './error-notice.tsx';

/**
 * A waiting row's "Choose where to save…" button. The save picker needs the
 * click itself, so the row starts only when the person picks a file.
 */
export function ChooseWhereToSave({ name, choose }: { name?: string; choose: () => Promise<UiError | null> }) {
  const [error, setError] = useState<UiError | null>(null);
  return (
    <>
      <div className="actions">
        <button
          type="button"
          className="button button--small"
          onClick={() => {
            setError(null);
            void choose().then(setError);
          }}
        >
          <span>
            Choose where to save{name !== undefined && <> <bdi>{name}</bdi></>}…
          </span>
        </button>
      </div>
      {error && <ErrorNotice error={error} subject="Choose where to save" />}
    </>
  );
}

/** The option to pick each output's file before it starts (shown only where the browser can). */
export function SaveTargetOption({ checked, onChange, what }: { checked: boolean; onChange: (checked: boolean) => void; what: string }) {
  return (
    <label className="checkbox">
      <input
        type="checkbox"
        checked={checked}
        onChange={(event) => {
          onChange(event.target.checked);
        }}
      />{' '}
      Choose where each {what} goes before it starts (it streams straight to disk, and the file is replaced only once every part is done)
    </label>
  );
}
