import { useRef } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { IdentitySignInForm } from '../../components/private-identity-form.tsx';
import { KeyId } from '../../components/key-id.tsx';
import { turnedOff, turnedOn, useFocusOnChange } from '../../components/use-focus-on-change.ts';
import { useAppStore } from '../../store/use-app-store.ts';
import { AuditCheck } from './audit-check.tsx';
import { BundleReceipts } from './bundle-receipts.tsx';
import { DepositSearch } from './deposit-search.tsx';
import { ReceiptFiles } from './receipt-files.tsx';

/**
 * The authority's desk at the escrow service: shown only when the app has a
 * service (its `keyward-service.json`). Signed in, an officer or a council
 * member searches the deposits, exports them to the escrow check, uploads
 * the receipts and verifies the audit log.
 */
export function DeskPanel() {
  const { available, signedIn, signInAtDesk, signOutOfDesk } = useAppStore(
    useShallow((s) => ({ available: s.deskAvailable, signedIn: s.deskSignedIn, signInAtDesk: s.signInAtDesk, signOutOfDesk: s.signOutOfDesk })),
  );
  const heading = useRef<HTMLHeadingElement>(null);
  const who = useRef<HTMLParagraphElement>(null);
  // Signed in: focus goes to who is signed in, above the search; signed out (or the session ended): to the section's heading.
  useFocusOnChange(signedIn !== null, turnedOn, who);
  useFocusOnChange(signedIn !== null, turnedOff, heading);
  if (!available) return null;

  return (
    <section className="panel desk" aria-labelledby="desk-heading">
      <h2 id="desk-heading" ref={heading} tabIndex={-1}>
        Escrow service desk
      </h2>
      {!signedIn ? (
        <>
          <p>
            Officers and council members find the escrow blobs deposited with the service here, check them with the authority’s
            key in this browser, and send the service their receipts.
          </p>
          <IdentitySignInForm
            name={{ heading: 'Sign in to the escrow service' }}
            intro="Your private identity signs the service’s challenge. It is used for signing in only and is not stored."
            fieldLabel="Your private identity (PEM or JWK)"
            submitLabel="Sign in"
            signIn={signInAtDesk}
          />
        </>
      ) : (
        <>
          <div className="actions">
            <p ref={who} tabIndex={-1} role="status">
              Signed in as <bdi>{signedIn.name}</bdi> ({signedIn.roles.join(', ')}) <KeyId keyId={signedIn.identityId} />, until{' '}
              {signedIn.expiresAt.replace('T', ' ').slice(0, 16)} UTC.
            </p>
            <button type="button" className="button button--quiet button--small" onClick={signOutOfDesk}>
              Sign out
            </button>
          </div>
          <DepositSearch />
          <BundleReceipts />
          <ReceiptFiles />
          {/* The whole log is the officers' to read (`GET /v1/audit`); anyone may compare its head. */}
          {signedIn.roles.includes('officer') && <AuditCheck />}
        </>
      )}
    </section>
  );
}
