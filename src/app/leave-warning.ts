import { useEffect } from 'react';
import { unsavedWork } from '../store/slices/session-slice.ts';
import { useAppStore } from '../store/use-app-store.ts';

/**
 * The browser's own "Leave site?" question while leaving would lose something
 * (`unsavedWork`): a new key pair not yet backed up or declined, or encrypted
 * outputs not downloaded. Browsers show their own words, never ours.
 */
export function useLeaveWarning(): void {
  const unsaved = useAppStore((s) => unsavedWork(s) !== null);
  useEffect(() => {
    if (!unsaved) return;
    const warn = (event: BeforeUnloadEvent) => {
      event.preventDefault();
    };
    window.addEventListener('beforeunload', warn);
    return () => {
      window.removeEventListener('beforeunload', warn);
    };
  }, [unsaved]);
}
