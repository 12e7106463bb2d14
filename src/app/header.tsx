import { useShallow } from 'zustand/react/shallow';
import { TabList } from '../components/tab-list.tsx';
import { backupStatus } from '../store/slices/keys-slice.ts';
import { useAppStore } from '../store/use-app-store.ts';

const MODES = [
  ['owner', 'My files'],
  ['authority', 'Backup authority'],
] as const;

/** Title, mode switch (tabs over the whole page: `App` holds their panel) and the storage-persistence state (keys must not be lost). */
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
      <TabList className="mode-switch" label="Mode" tabs={MODES} selected={mode} onSelect={setMode} idPrefix="mode" />
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
