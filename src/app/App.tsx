import { useShallow } from 'zustand/react/shallow';
import { tabId, tabPanelId } from '../components/tab-ids.ts';
import { useAppStore } from '../store/use-app-store.ts';
import { Header } from './header.tsx';
import { Notices } from './notices.tsx';
import { OwnerView } from './owner-view.tsx';
import { AuthorityView } from './authority-view.tsx';
import { useLeaveWarning } from './leave-warning.ts';

/** The whole app: a header with the mode switch, then the owner's or the authority's journeys. */
export function App() {
  const { mode, keysLoaded } = useAppStore(useShallow((s) => ({ mode: s.mode, keysLoaded: s.keysLoaded })));
  useLeaveWarning();
  return (
    <div className="app">
      <Header />
      <main className="main" id="main">
        <Notices />
        <div role="tabpanel" id={tabPanelId('mode')} aria-labelledby={tabId('mode', mode)}>
          {!keysLoaded ? <p role="status">Opening your key store…</p> : mode === 'owner' ? <OwnerView /> : <AuthorityView />}
        </div>
      </main>
      <footer className="footer">
        Everything happens in this browser: no server sees a key or a byte of your files.
      </footer>
    </div>
  );
}
