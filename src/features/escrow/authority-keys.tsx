import { useRef } from 'react';
import { shrank, useFocusOnChange } from '../../components/use-focus-on-change.ts';
import { useShallow } from 'zustand/react/shallow';
import { useAppStore } from '../../store/use-app-store.ts';
import { AuthorityKeyCard } from './authority-key-card.tsx';
import { CreateAuthorityKey } from './create-authority-key.tsx';
import { ImportAuthorityKey } from './import-authority-key.tsx';

/** Journey 6, first part: the authority's own key pair, created or imported, and its public key handed out. */
export function AuthorityKeys() {
  const keys = useAppStore(useShallow((s) => s.keys.filter((k) => k.role === 'authority-own')));
  const heading = useRef<HTMLHeadingElement>(null);
  // A key pair deleted from its card takes the button with it: focus goes to this list's heading, not to the page body.
  useFocusOnChange(keys.length, shrank, heading, true);
  const forms = (
    <div className="two-columns">
      <CreateAuthorityKey />
      <ImportAuthorityKey />
    </div>
  );
  return (
    <section className="panel" aria-labelledby="authority-heading">
      <h1 id="authority-heading" className="view-title">Backup authority</h1>
      <p>
        A backup authority holds the key pair that owners escrow their file keys to. When an owner has lost their key pair, and
        you have checked who they are by your own rules, open their escrow blob below: decrypt the file for them, or issue a
        recovery blob for their new public key so that you never see the file.
      </p>
      <h2 ref={heading} tabIndex={-1}>
        Your authority key pair
      </h2>
      {keys.length === 0 ? (
        <>
          <p>No authority key pair is stored in this browser yet. Create one, or import the one you already have.</p>
          {forms}
        </>
      ) : (
        <>
          <ul className="key-list" aria-label="Authority key pairs">
            {keys.map((key) => (
              <AuthorityKeyCard key={key.keyId} storedKey={key} />
            ))}
          </ul>
          <details className="authority-keys__more">
            <summary>Add another authority key pair</summary>
            {forms}
          </details>
        </>
      )}
    </section>
  );
}
