import type { Ref } from 'react';
import { formatDate } from '../../store/format.ts';
import { backupStatus } from '../../store/slices/keys-slice.ts';
import type { StoredKey } from '../../store/types.ts';

/**
 * Where the private key lives, whether a backup exists, whether an authority
 * was confirmed (`confirmedRef`: that badge, which takes focus once confirmed;
 * `backupRef`: the badge of a missing backup, which takes focus once the
 * person decided to keep a key that can never be backed up).
 */
export function KeyBadges({
  storedKey,
  confirmedRef,
  backupRef,
}: {
  storedKey: StoredKey;
  confirmedRef?: Ref<HTMLSpanElement>;
  backupRef?: Ref<HTMLSpanElement>;
}) {
  const backup = backupStatus(storedKey);
  return (
    <p className="actions key-card__badges">
      {storedKey.privateKey &&
        (storedKey.extractable ? (
          <span className="badge">Private key can be exported</span>
        ) : (
          <span className="badge badge--ok">Private key stays in this browser</span>
        ))}
      {backup === 'exported' && storedKey.backedUpAt !== undefined && (
        <span className="badge badge--ok">Backup exported {formatDate(storedKey.backedUpAt)}</span>
      )}
      {backup === 'imported' && <span className="badge badge--ok">Imported from a key file (your backup)</span>}
      {backup === 'missing' && (
        <span className="badge badge--warn" ref={backupRef} tabIndex={-1}>
          {storedKey.backupDeclinedAt === undefined ? 'No backup exported yet' : 'Kept without a backup'}
        </span>
      )}
      {storedKey.role === 'authority' &&
        (storedKey.confirmedAt === undefined ? (
          <span className="badge badge--warn">{storedKey.identity ? 'Identity ID' : 'Key ID'} not confirmed</span>
        ) : (
          <span className="badge badge--ok" ref={confirmedRef} tabIndex={-1}>
            {storedKey.identity ? 'Identity ID' : 'Key ID'} confirmed {formatDate(storedKey.confirmedAt)}
          </span>
        ))}
    </p>
  );
}
