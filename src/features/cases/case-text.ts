import type { CaseState } from '../../store/types.ts';

/** The state of a case, in words. */
export function caseStateText(state: CaseState): string {
  switch (state) {
    case 'open':
      return 'Open: waiting for an officer to check who you are';
    case 'verified':
      return 'Verified: waiting for the recovery blobs';
    case 'ready':
      return 'Ready: every file has its recovery blobs';
    case 'refused':
      return 'Refused';
  }
}
