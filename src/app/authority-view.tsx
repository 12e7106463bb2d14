import { CaseDesk } from '../features/cases/index.ts';
import { CouncilSetup, DrillPanel } from '../features/council/index.ts';
import { DeskPanel } from '../features/desk/index.ts';
import { AuthorityKeys } from '../features/escrow/authority-keys.tsx';
import { EscrowCasePanel } from '../features/escrow/escrow-case-panel.tsx';
import { backupStatus, cannotBeBackedUp } from '../store/slices/keys-slice.ts';
import { useAppStore } from '../store/use-app-store.ts';

/** The backup authority's journeys: its own key pair, the escrow service's desk (when there is a service), then escrow blobs to recover from; a council set up, and its drill. */
export function AuthorityView() {
  // Nothing escrows the authority's own key: without an exported backup it exists only in this browser.
  const unbackedUp = useAppStore((s) => s.keys.filter((k) => k.role === 'authority-own' && backupStatus(k) === 'missing').length);
  // A key stored non-extractable can never get one: the banner asks for a backup only where one can be made.
  const next = useAppStore((s) => {
    const own = s.keys.filter((k) => k.role === 'authority-own');
    if (own.some((k) => backupStatus(k) === 'missing' && k.extractable)) return 'Export a passphrase-protected backup below.';
    return own.some(cannotBeBackedUp) ? 'Decide below whether to replace or keep a key that can no longer be backed up.' : '';
  });
  return (
    <>
      {unbackedUp > 0 && (
        <p className="warning" role="status">
          {unbackedUp === 1 ? 'Your authority key has' : `${String(unbackedUp)} of your authority keys have`} no backup, and no one
          holds an escrow of {unbackedUp === 1 ? 'it' : 'them'}. If this browser loses its data, every escrow blob made for{' '}
          {unbackedUp === 1 ? 'it' : 'them'} becomes useless.{' '}
          {next}
        </p>
      )}
      <AuthorityKeys />
      <DeskPanel />
      <EscrowCasePanel />
      <CouncilSetup />
      <DrillPanel />
      <CaseDesk />
    </>
  );
}
