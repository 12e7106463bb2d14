import { AuthorityKeys } from '../features/escrow/authority-keys.tsx';
import { EscrowCasePanel } from '../features/escrow/escrow-case-panel.tsx';

/** The backup authority's journeys: its own key pair, then escrow blobs to recover from. */
export function AuthorityView() {
  return (
    <>
      <AuthorityKeys />
      <EscrowCasePanel />
    </>
  );
}
