import { useEffect, useRef, useState } from 'react';
import { tabId, tabPanelId } from '../components/tab-ids.ts';
import { TabList } from '../components/tab-list.tsx';
import { backupStatus, hasPinnedAuthority, ownKeyPair } from '../store/slices/keys-slice.ts';
import { useAppStore } from '../store/use-app-store.ts';
import { MyCasePanel } from '../features/cases/index.ts';
import { DecryptPanel } from '../features/decrypt/decrypt-panel.tsx';
import { EncryptPanel } from '../features/encrypt/encrypt-panel.tsx';
import { FirstRun } from '../features/keys/first-run.tsx';
import { KeysPanel } from '../features/keys/keys-panel.tsx';
import { RecoverPanel } from '../features/recover/recover-panel.tsx';
import { RegisterPanel } from '../features/register/register-panel.tsx';
import { ServicePanel } from '../features/service/service-panel.tsx';

const TABS = [
  ['encrypt', 'Encrypt'],
  ['decrypt', 'Decrypt'],
  ['register', 'Escrow register'],
  ['keys', 'Keys'],
] as const;
type Tab = (typeof TABS)[number][0];

/** The recovery section's heading, focused when a recovery blob was dropped among encrypted files. */
const focusRecovery = () => document.getElementById('recover-heading')?.focus();

/**
 * Opening files needs no set-up beyond the key (or the recovery blob's key
 * pair): reachable from the first-run screen, with what is needed said.
 */
function OpenFilesNow() {
  const hasKeyPair = useAppStore((s) => ownKeyPair(s.keys) !== undefined);
  const [open, setOpen] = useState(false);
  return (
    <section className="panel" aria-labelledby="open-now-heading">
      <h2 id="open-now-heading">Only here to open a file?</h2>
      <p>
        {hasKeyPair
          ? 'Your key pair opens files encrypted for it, and files with a recovery blob issued for it; no backup authority is needed for that.'
          : 'A .keyward file opens with the key pair it was encrypted for: import that key pair in step 1. A recovery blob opens a file with the key pair it was issued for: create or import that key pair in step 1 first.'}
      </p>
      <button type="button" className="button" aria-expanded={open} onClick={() => { setOpen(!open); }}>
        Decrypt files now
      </button>
      {open && (
        <>
          <DecryptPanel onRecoveryBlob={focusRecovery} />
          <RecoverPanel />
        </>
      )}
    </section>
  );
}

/**
 * The owner's journeys. Until a key pair and a confirmed authority (or a pinned council) exist, the
 * first-run screen, from which decrypting is still reachable.
 */
export function OwnerView() {
  const ready = useAppStore((s) => ownKeyPair(s.keys) !== undefined && hasPinnedAuthority(s));
  const unbackedUp = useAppStore(
    (s) => s.keys.filter((k) => k.role === 'owner' && backupStatus(k) === 'missing' && k.backupDeclinedAt === undefined).length,
  );
  // A key pair made under Keys and not yet backed up or declined is not saved: say so wherever the person is.
  const newKeyWaiting = useAppStore((s) => s.newKey?.key.role === 'owner');
  const [tab, setTab] = useState<Tab>('encrypt');
  const title = useRef<HTMLHeadingElement>(null);
  const wasReady = useRef(ready);
  useEffect(() => {
    // First run just finished (its Confirm button is gone): focus goes to this screen's title, not to the page body.
    if (ready && !wasReady.current) title.current?.focus();
    wasReady.current = ready;
  }, [ready]);
  if (!ready) {
    return (
      <>
        <FirstRun />
        <OpenFilesNow />
      </>
    );
  }
  return (
    <>
      <h1 className="view-title" ref={title} tabIndex={-1}>
        My files
      </h1>
      {newKeyWaiting && tab !== 'keys' && (
        <p className="warning" role="status">
          Your new key pair is not saved yet: download its backup (or decide to go without one) under Keys.{' '}
          <button type="button" className="button button--small" onClick={() => { setTab('keys'); }}>
            Finish in Keys
          </button>
        </p>
      )}
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
            <DecryptPanel onRecoveryBlob={focusRecovery} />
            <RecoverPanel />
            <MyCasePanel />
          </>
        )}
        {tab === 'register' && (
          <>
            <RegisterPanel />
            <ServicePanel />
          </>
        )}
        {tab === 'keys' && <KeysPanel />}
      </section>
    </>
  );
}
