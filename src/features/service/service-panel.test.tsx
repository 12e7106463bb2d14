// @vitest-environment happy-dom
/** The escrow service panel: absent without a service, enrolment with a code, and my escrow log in plain words. */
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { StoreProvider } from '../../app/providers.tsx';
import { KeywardError, userMessage } from '../../core/index.ts';
import type { OutboxEntry } from '../../io/records.ts';
import type { ServiceStore } from '../../io/service-store.ts';
import { createTestStore, testKeyPem } from '../../store/test-adapters.ts';
import type { ServiceConnection } from '../../store/types.ts';
import { ServicePanel } from './service-panel.tsx';

/** An in-memory ServiceStore. */
function memoryServiceStore(outbox: OutboxEntry[] = []): ServiceStore {
  const values = new Map<string, unknown>();
  return {
    getValue: <T,>(key: string) => Promise.resolve(values.get(key) as T | undefined),
    setValue: (key, value) => {
      values.set(key, value);
      return Promise.resolve();
    },
    deleteValue: (key) => {
      values.delete(key);
      return Promise.resolve();
    },
    outbox: () => Promise.resolve(outbox),
    enqueue: () => Promise.resolve(true),
    putOutbox: () => Promise.resolve(),
    removeOutbox: () => Promise.resolve(),
  };
}

const EVENTS = [
  { seq: 4, at: '2026-12-01T09:00:00.000Z', event: 'deposit', data: { fileId: 'f1', serial: 'KW-0001-ABCD-EFGH-JKMN' } },
  { seq: 9, at: '2026-12-02T09:00:00.000Z', event: 'case-open', data: { caseId: 'c1' } },
  { seq: 11, at: '2026-12-02T10:00:00.000Z', event: 'case-upload', data: { caseId: 'c1', fileId: 'f1' } },
];

async function setup(connection: Partial<ServiceConnection> | null, outbox?: OutboxEntry[]) {
  const { store } = await createTestStore({
    service: { store: memoryServiceStore(outbox), connect: () => Promise.resolve(connection as ServiceConnection | null) },
  });
  const own = await store.getState().importKey({ text: testKeyPem('owner.pem'), name: 'Ada', accept: 'private' });
  if ('error' in own) throw new Error(own.error.message);
  await store.getState().startService();
  render(
    <StoreProvider store={store}>
      <ServicePanel />
    </StoreProvider>,
  );
  return store;
}

describe('ServicePanel', () => {
  it('shows nothing when no service is configured', async () => {
    const store = await setup(null);
    expect(store.getState().serviceConfigured).toBe(false);
    expect(screen.queryByRole('heading', { name: 'Escrow service' })).toBeNull();
  });

  it('says a key pair without a signing key cannot enrol, and sends nothing', async () => {
    const enrol = vi.fn();
    await setup({ enrol });
    await userEvent.type(screen.getByLabelText('Enrolment code'), 'abc');
    await userEvent.click(screen.getByRole('button', { name: 'Enrol' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(/needs an identity/);
    expect(enrol).not.toHaveBeenCalled();
  });

  it("shows a refused code's sentence", async () => {
    const store = await setup({ enrol: () => Promise.reject(new KeywardError('ENROL_CODE_USED')) });
    // An identity owner: the store's enrol exports the public identity, so give it one.
    const { makeIdentity } = await import('../../store/test-adapters.ts');
    const { exportPrivateIdentity } = await import('../../core/index.ts');
    await store.getState().deleteKey(store.getState().keys[0]!.keyId);
    const own = await store.getState().importKey({ text: await exportPrivateIdentity(await makeIdentity(), 'pem'), name: 'Ada', accept: 'private' });
    if ('error' in own) throw new Error(own.error.message);
    await userEvent.type(screen.getByLabelText('Enrolment code'), 'used-code');
    await userEvent.click(screen.getByRole('button', { name: 'Enrol' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(userMessage('ENROL_CODE_USED'));
  }, 60_000);

  it('says why blobs are not stored, in the service\'s words: each answer once, with how many blobs it holds back', async () => {
    const later = Date.now() + 3_600_000;
    const entry = (fileId: string, more: Partial<OutboxEntry>): OutboxEntry => ({ fileId, blob: '{}', queuedAt: 0, attempts: 1, notBefore: later, ...more });
    await setup({}, [
      entry('f1', { lastError: 'AUTHORITY_NOT_SERVED' }),
      entry('f2', { lastError: 'AUTHORITY_NOT_SERVED' }),
      entry('f3', { attempts: 0 }),
      entry('f4', { lastError: 'DEPOSIT_CONFLICT', refused: true }),
      entry('f5', { ack: JSON.stringify({ storedAt: '2026-12-01T09:00:00.000Z' }) }),
    ]);
    expect(await screen.findByRole('status')).toHaveTextContent('3 escrow blobs wait to be sent.');
    const alerts = screen.getAllByRole('alert');
    // Refused ones first: they are not sent again, so the person has to act.
    expect(alerts.map((a) => a.getAttribute('data-code'))).toEqual(['DEPOSIT_CONFLICT', 'AUTHORITY_NOT_SERVED']);
    expect(alerts[0]).toHaveTextContent(`1 escrow blob refused, not sent again: ${userMessage('DEPOSIT_CONFLICT')}`);
    expect(alerts[1]).toHaveTextContent(`2 escrow blobs not stored yet: ${userMessage('AUTHORITY_NOT_SERVED')}`);
  });

  it('names recovery events in my escrow log plainly', async () => {
    const store = await setup({});
    store.setState({ enrolment: { identityId: 'SHA256:x', name: 'Ada', enrolledAt: '2026-12-01T08:00:00.000Z' }, escrowLog: EVENTS });
    const log = await screen.findByRole('list', { name: 'My escrow log' });
    const items = within(log).getAllByRole('listitem').map((li) => li.textContent);
    expect(items[0]).toMatch(/Escrow blob stored \(KW-0001-ABCD-EFGH-JKMN\)$/);
    expect(items[1]).toMatch(/Recovery case opened$/);
    expect(items[2]).toMatch(/Recovery: a key share was uploaded$/);
  });
});
