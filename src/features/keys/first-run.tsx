import { useEffect, useRef } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { cannotBeBackedUp, ownKeyPair, unconfirmedAuthority } from '../../store/slices/keys-slice.ts';
import { useAppStore } from '../../store/use-app-store.ts';
import { AuthorityStep } from './authority-step.tsx';
import { AUTHORITY_HEADING, useFirstRunFocus } from './first-run-focus.ts';
import { OwnKeyStep } from './own-key-step.tsx';

/**
 * Journey 1: the app explains itself, then my key pair (created or imported)
 * and my backup authority's public key, confirmed by its key ID. The owner
 * view replaces this screen once both exist.
 */
export function FirstRun() {
  const { hasKeyPair, undecided, authorityPending, persist, requestPersistence } = useAppStore(
    useShallow((s) => {
      const own = ownKeyPair(s.keys);
      return {
        hasKeyPair: own !== undefined,
        undecided: own !== undefined && cannotBeBackedUp(own),
        authorityPending: unconfirmedAuthority(s.keys) !== undefined,
        persist: s.persist,
        requestPersistence: s.requestPersistence,
      };
    }),
  );
  // A new key pair is saved only once backed up or declined (NewKeyBackup); set-up goes on after that.
  useFirstRunFocus({ keyPair: hasKeyPair, backupAsked: undecided, authorityPending });
  const asked = useRef(false);
  useEffect(() => {
    // Once a private key exists, losing the site's storage would lose it: ask the browser to keep it.
    if (!hasKeyPair || asked.current || persist === 'granted' || persist === 'unsupported') return;
    asked.current = true;
    void requestPersistence();
  }, [hasKeyPair, persist, requestPersistence]);

  return (
    <section className="panel first-run" aria-labelledby="first-run-heading">
      <h1 id="first-run-heading">Welcome to Keyward</h1>
      <p>
        Keyward encrypts your files in this browser. Each file is locked for your key pair, and a copy of its file key is escrowed
        to your backup authority, who can recover the file for you if your key is ever lost. No server sees your keys or your files.
      </p>
      <p>Two steps to start: your key pair, then your backup authority’s public key.</p>
      <ol className="first-run__steps">
        <li>
          <OwnKeyStep />
        </li>
        <li>
          {hasKeyPair && !undecided ? (
            <AuthorityStep />
          ) : hasKeyPair ? (
            <>
              <h2 id={AUTHORITY_HEADING} tabIndex={-1}>
                2. Your backup authority
              </h2>
              <p className="row__meta">First decide what happens to your key pair, which has no backup.</p>
            </>
          ) : (
            <>
              <h2 id={AUTHORITY_HEADING} tabIndex={-1}>
                2. Your backup authority
              </h2>
              <p className="row__meta">Once you have a key pair, add the public key your backup authority gave you.</p>
            </>
          )}
        </li>
      </ol>
      {hasKeyPair && (
        <p className="row__meta" role="status">
          {persist === 'granted'
            ? 'This browser has agreed to keep Keyward’s storage, so your keys stay until you delete them.'
            : 'This browser may clear Keyward’s storage when space runs low: keep your key backup safe.'}
        </p>
      )}
    </section>
  );
}
