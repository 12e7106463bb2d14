import { useRef } from 'react';
import { shrank, useFocusOnChange } from '../../components/use-focus-on-change.ts';
import { useAppStore } from '../../store/use-app-store.ts';
import { backupStatus } from '../../store/slices/keys-slice.ts';
import { AddKey } from './add-key.tsx';
import { KeyCard } from './key-card.tsx';

/** Journey 4: the keys stored in this browser, their exports and backups, and adding another. */
export function KeysPanel() {
  const keys = useAppStore((s) => s.keys);
  const withoutBackup = keys.filter((k) => backupStatus(k) === 'missing');
  const heading = useRef<HTMLHeadingElement>(null);
  // A deleted key takes its card, and the Delete button with it: focus goes to the list's heading, not to the page body.
  useFocusOnChange(keys.length, shrank, heading, true);

  return (
    <section className="keys-panel" aria-labelledby="keys-heading">
      <h2 id="keys-heading" ref={heading} tabIndex={-1}>Your keys</h2>
      <p>
        Give your public key to people who need it; keep your private key’s backup safe. Compare key IDs aloud, in groups of four,
        to be sure a key is the right one.
      </p>
      {withoutBackup.length > 0 && (
        <p className="warning">
          No backup exported yet for {withoutBackup.map((k) => `“${k.name}”`).join(', ')}. If this browser’s storage is lost, files
          encrypted for {withoutBackup.length === 1 ? 'it' : 'them'} can only be recovered by your backup authority.
        </p>
      )}
      {keys.length === 0 ? (
        <p>No keys are stored in this browser.</p>
      ) : (
        // role="list": Safari drops the list role of a list styled without bullets.
        <ul role="list" className="key-list" aria-label="Stored keys">
          {keys.map((key) => (
            <KeyCard key={key.keyId} storedKey={key} />
          ))}
        </ul>
      )}
      <AddKey />
    </section>
  );
}
