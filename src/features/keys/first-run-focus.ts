import { useEffect, useRef } from 'react';

/** The headings first-run focus moves to (each has tabIndex -1 so that it can take focus). */
export const BACKUP_HEADING = 'first-run-backup-heading';
export const AUTHORITY_HEADING = 'first-run-authority-heading';
export const CONFIRM_HEADING = 'first-run-confirm-heading';

export interface FirstRunProgress {
  /** My key pair exists. */
  keyPair: boolean;
  /** Its backup is still asked for (not downloaded, imported or put off). */
  backupAsked: boolean;
  /** An authority key waits for its key ID to be confirmed. */
  authorityPending: boolean;
}

/**
 * Each first-run step ends by removing the button that finished it (Create,
 * Download backup, Add authority, remove the authority), which would drop
 * focus to the page body. When the progress changes, focus moves to the
 * heading of what the person does next; never on the first render, so a
 * reload does not move it.
 */
export function useFirstRunFocus(progress: FirstRunProgress): void {
  const { keyPair, backupAsked, authorityPending } = progress;
  const before = useRef<FirstRunProgress | null>(null);
  useEffect(() => {
    const was = before.current;
    before.current = { keyPair, backupAsked, authorityPending };
    if (!was) return;
    let target: string | null = null;
    if (!was.keyPair && keyPair) target = backupAsked ? BACKUP_HEADING : AUTHORITY_HEADING;
    else if (was.backupAsked && !backupAsked) target = AUTHORITY_HEADING;
    else if (was.authorityPending !== authorityPending) target = authorityPending ? CONFIRM_HEADING : AUTHORITY_HEADING;
    if (target) document.getElementById(target)?.focus();
  }, [keyPair, backupAsked, authorityPending]);
}
