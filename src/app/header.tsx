import { useShallow } from 'zustand/react/shallow';
import { backupStatus } from '../store/slices/keys-slice.ts';
import { useAppStore } from '../store/use-app-store.ts';

/** Title, mode switch and the storage-persistence state (keys must not be lost). */
export function Header() {
  const { mode, setMode, persist, requestPersistence, needsBackup } = useAppStore(
    useShallow((s) => ({
      mode: s.mode,
      setMode: s.setMode,
      persist: s.persist,
      requestPersistence: s.requestPersistence,
      needsBackup: s.keys.some((k) => backupStatus(k) === 'missing'),
    })),
  );
  return (
    <header className="header">
      <div className="header__brand">
        <img src="/favicon.svg" alt="" width={28} height={28} />
        <span className="header__title">Keyward</span>
      </div>
      <nav className="mode-switch" aria-label="Mode">
        <button type="button" aria-pressed={mode === 'owner'} onClick={() => { setMode('owner'); }}>
          My files
        </button>
        <button type="button" aria-pressed={mode === 'authority'} onClick={() => { setMode('authority'); }}>
          Backup authority
        </button>
      </nav>
      <div className="persist" data-state={persist}>
        {persist === 'granted' ? (
          <span>Storage: kept by the browser</span>
        ) : (
          <>
            <span>Storage: may be cleared by the browser</span>
            {persist !== 'unsupported' && (
              <button type="button" className="button button--small" onClick={() => void requestPersistence()}>
                Keep my keys
              </button>
            )}
            {needsBackup && <span className="persist__hint">Export a backup of your private key.</span>}
          </>
        )}
      </div>
    </header>
  );
}
