import { useCallback, useState } from 'react';
import type { UiError } from '../store/types.ts';

/**
 * A form's one action: `busy` while it runs, and its error, shown until the
 * action runs again and succeeds or the person changes an input
 * (`clearError` from every `onChange`), so no error outlives its cause.
 * `showError` shows an error found outside the action (a file that could not
 * be read into the form).
 */
export function useFormAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<UiError | null>(null);
  const clearError = useCallback(() => {
    setError(null);
  }, []);
  const run = useCallback(async (action: () => Promise<UiError | null>): Promise<boolean> => {
    setBusy(true);
    setError(null);
    try {
      const failed = await action();
      setError(failed);
      return failed === null;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run, clearError, showError: setError };
}
