import { useEffect, useRef, useState } from 'react';
import { tabId, tabPanelId } from '../components/tab-ids.ts';
import { TabList } from '../components/tab-list.tsx';
import { backupStatus } from '../store/slices/keys-slice.ts';
import { useAppStore } from '../store/use-app-store.ts';
import { DecryptPanel } from '../features/decrypt/decrypt-panel.tsx';
import { EncryptPanel } from '../features/encrypt/encrypt-panel.tsx';
import { FirstRun } from '../features/keys/first-run.tsx';
import { KeysPanel } from '../features/keys/keys-panel.tsx';
import { RecoverPanel } from '../features/recover/recover-panel.tsx';
import { RegisterPanel } from '../features/register/register-panel.tsx';

const TABS = [
  ['encrypt', 'Encrypt'],
  ['decrypt', 'Decrypt'],
  ['register', 'Escrow register'],
  ['keys', 'Keys'],
] as const;
type Tab = (typeof TABS)[number][0];

/** The owner's journeys. Until a key pair and a confirmed authority exist, the first-run screen. */
export function OwnerView() {
  const ready = useAppStore((s) => s.keys.some((k) => k.role === 'owner' && k.privateKey) && s.keys.some((k) => k.role === 'authority' && k.confirmedAt));
  const unbackedUp = useAppStore((s) => s.keys.filter((k) => k.role === 'owner' && backupStatus(k) === 'missing').length);
  const [tab, setTab] = useState<Tab>('encrypt');
  const title = useRef<HTMLHeadingElement>(null);
  const wasReady = useRef(ready);
  useEffect(() => {
    // First run just finished (its Confirm button is gone): focus goes to this screen's title, not to the page body.
    if (ready && !wasReady.current) title.current?.focus();
    wasReady.current = ready;
  }, [ready]);
  if (!ready) return <FirstRun />;
  return (
    <>
      <h1 className="view-title" ref={title} tabIndex={-1}>
        My files
      </h1>
      {unbackedUp > 0 && (
        <p className="warning" role="status">
          Your private key has no backup yet. If this browser loses its data, only your backup authority can recover your
          files.{' '}
          <button type="button" className="button button--small" onClick={() => { setTab('keys'); }}>
            Back up in Keys
          </button>
        </p>
      )}
      <TabList className="tabs" label="What to do" tabs={TABS} selected={tab} onSelect={setTab} idPrefix="owner" />
      <section role="tabpanel" id={tabPanelId('owner')} aria-labelledby={tabId('owner', tab)} className="panel">
        {tab === 'encrypt' && <EncryptPanel />}
        {tab === 'decrypt' && (
          <>
            <DecryptPanel />
            <RecoverPanel />
          </>
        )}
        {tab === 'register' && <RegisterPanel />}
        {tab === 'keys' && <KeysPanel />}
      </section>
    </>
  );
}
