import type { StoredKey } from '../../store/types.ts';

/** How each role is named on screen. */
export const ROLE_LABELS: Record<StoredKey['role'], string> = {
  owner: 'My key pair',
  authority: 'Backup authority',
  'authority-own': 'Authority key pair',
};
