import { useRef } from 'react';
import { shrank, useFocusOnChange } from '../../components/use-focus-on-change.ts';
import { useAppStore } from '../../store/use-app-store.ts';
import { backupStatus } from '../../store/slices/keys-slice.ts';
import { AddKey } from './add-key.tsx';
import { CouncilCard } from './council-card.tsx';
import { CouncilPin } from './council-pin.tsx';
import { KeyCard } from './key-card.tsx';

/** Journey 4: the keys stored in this browser, their exports and backups, and adding another. */
export function KeysPanel() {
  const keys = useAppStore((s) => s.keys);
  const councils = useAppStore((s) => s.councils);
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
      {councils.length > 0 && (
        <ul role="list" className="key-list" aria-label="Pinned councils">
          {councils.map((council) => (
            <CouncilCard key={council.id} council={council} />
          ))}
        </ul>
      )}
      <AddKey />
      <section className="add-key" aria-labelledby="pin-council-heading">
        <h3 id="pin-council-heading">Pin a council</h3>
        <p>
          A council is a backup authority of several people: any k of its n members together can recover a file escrowed to it,
          fewer cannot. Load the council file your organisation gave you and compare its council ID.
        </p>
        <CouncilPin />
      </section>
    </section>
  );
}
