/**
 * The owner's deposit outbox over a fake service connection and a real
 * (fake-indexeddb) outbox: blobs go by themselves, each file once; a blob made
 * while the service is unreachable waits across a new store (a reload) and is
 * sent once; an acknowledgement that does not verify is not "stored".
 */
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import type { StoreApi } from 'zustand';
import { KeywardError, type PrivateIdentity, issueReceipt, parseSignedObject } from '../../core/index.ts';
import { lazyKeywardDb } from '../../io/db.ts';
import { createServiceStore } from '../../io/service-store.ts';
import type { StoreState } from '../app-store.ts';
import { makeIdentity, resignedBy, storeWithIdentities } from '../test-adapters.ts';
import type { ServiceConnection } from '../types.ts';
import type { ServedAuthority } from '../../core/service.ts';
import { depositLabel, keptByService, retryDelay } from './service-slice.ts';

type Mode = 'up' | 'down' | 'bad-ack';

/** A service that records every deposit it is sent; `mode` says how it answers. */
function fakeService() {
  const sent: string[] = [];
  const state = {
    mode: 'up' as Mode,
    myDeposits: [] as { fileId: string; receipts: unknown[] }[],
    /** What `GET /v1/authorities` answers (read by the client strictly: an Error stands for one that does not read). */
    served: [] as ServedAuthority[] | Error,
  };
  const connection = {
    signIn: (identity: PrivateIdentity) => Promise.resolve({ token: 't', identityId: identity.id, name: 'Ada', roles: ['person'], expiresAt: '2100-01-01T00:00:00.000Z' }),
    get: (path: string) => (path === '/v1/me/deposits' ? Promise.resolve({ deposits: state.myDeposits }) : Promise.reject(new KeywardError('REQUEST_INVALID'))),
    authorities: () => (state.served instanceof Error ? Promise.reject(state.served) : Promise.resolve([...state.served])),
    config: { origin: 'https://escrow.example.org', serviceKey: `SHA256:${'0'.repeat(64)}` },
    deposit: (blobText: string) => {
      const blob = JSON.parse(blobText) as { fileId: string; serial: string };
      if (state.mode === 'down') return Promise.reject(new KeywardError('SERVICE_UNREACHABLE'));
      sent.push(blob.fileId);
      if (state.mode === 'bad-ack') return Promise.reject(new KeywardError('SIGNATURE_INVALID', { reason: "the acknowledgement's signature does not verify" }));
      return Promise.resolve({ fileId: blob.fileId, serial: blob.serial, storedAt: '2026-12-06T10:00:00.000Z' });
    },
  } as unknown as ServiceConnection;
  return { sent, state, connection };
}

const file = (text: string, name: string) => new File([text], name, { type: 'text/plain', lastModified: Date.UTC(2026, 0, 2) });

async function settled(store: StoreApi<StoreState>, count: number): Promise<void> {
  await vi.waitFor(
    () => {
      const jobs = store.getState().encryptJobs;
      if (jobs.length < count || jobs.some((job) => job.status !== 'done')) throw new Error('still encrypting');
    },
    { timeout: 30_000, interval: 20 },
  );
}

describe('service slice: the deposit outbox', () => {
  let owner: PrivateIdentity;
  let desk: PrivateIdentity;
  beforeAll(async () => {
    [owner, desk] = await Promise.all([makeIdentity(), makeIdentity()]);
  }, 60_000);

  let factory: IDBFactory;
  let clock: number;
  beforeEach(() => {
    factory = new IDBFactory();
    clock = 1_000_000;
  });

  /** A store over the same outbox each time (a reload makes a new one). */
  let online: (() => void) | undefined;
  async function open(service: ReturnType<typeof fakeService>) {
    const adapters = {
      service: {
        store: createServiceStore(lazyKeywardDb('outbox-test', factory)),
        connect: () => Promise.resolve(service.connection),
        onOnline: (callback: () => void) => {
          online = callback;
        },
      },
      now: () => clock,
    };
    const test = await storeWithIdentities(owner, desk, adapters);
    await test.store.getState().loadRegister();
    await test.store.getState().startService();
    return test;
  }

  it('sends each signed escrow blob by itself, once, and shows it stored', async () => {
    const service = fakeService();
    const { store, authorityKeyId } = await open(service);
    store.getState().encryptFiles([file('one', 'one.txt'), file('two', 'two.txt')], { description: '', authorityKeyId });
    await settled(store, 2);
    await vi.waitFor(() => {
      expect(Object.values(store.getState().deposits).map((d) => d.state)).toEqual(['stored', 'stored']);
    });
    const ids = store.getState().register.map((e) => e.fileId);
    expect(new Set(service.sent)).toEqual(new Set(ids));
    expect(service.sent).toHaveLength(2);

    // Asked again (another tab's enqueue, a "Send now"): nothing is sent twice.
    for (const entry of store.getState().register) await store.getState().queueDeposit(entry);
    await store.getState().sendDeposits({ all: true });
    expect(service.sent).toHaveLength(2);
    const entry = store.getState().register[0]!;
    expect(depositLabel(entry, store.getState().deposits[entry.fileId], true)).toBe('Stored');
  });

  it('reads what the service keeps escrow for at start and after each round of sending; not known when the answer does not read', async () => {
    const service = fakeService();
    const { store, authorityKeyId } = await open(service);
    expect(store.getState().servedAuthorities).toEqual([]);
    expect(keptByService(store.getState().servedAuthorities, 'identity', desk.id)).toBe(false);
    // The officer registers the authority; the next round of sending reads the list again.
    service.state.served = [{ kind: 'identity', id: desk.id, name: 'IT backup' }];
    store.getState().encryptFiles([file('one', 'one.txt')], { description: '', authorityKeyId });
    await settled(store, 1);
    await vi.waitFor(() => {
      expect(keptByService(store.getState().servedAuthorities, 'identity', desk.id)).toBe(true);
    });
    // A council is not the identity of the same ID, and a v1 key (no identity ID) is never kept.
    expect(keptByService(store.getState().servedAuthorities, 'council', desk.id)).toBe(false);
    expect(keptByService(store.getState().servedAuthorities, 'identity', undefined)).toBe(false);
    // An answer that does not read: not known, so nothing is said.
    service.state.served = new KeywardError('MALFORMED');
    await store.getState().startService();
    expect(store.getState().servedAuthorities).toBeNull();
    expect(keptByService(store.getState().servedAuthorities, 'identity', desk.id)).toBeNull();
  });

  it('keeps a blob made while the service is unreachable through a reload, waits, and sends it once when it is back', async () => {
    const service = fakeService();
    service.state.mode = 'down';
    const first = await open(service);
    first.store.getState().encryptFiles([file('plan', 'plan.txt')], { description: '', authorityKeyId: first.authorityKeyId });
    await settled(first.store, 1);
    const [entry] = first.store.getState().register;
    await vi.waitFor(() => {
      expect(first.store.getState().deposits[entry!.fileId]).toMatchObject({ state: 'not sent', lastError: { code: 'SERVICE_UNREACHABLE' } });
    });

    // A reload: a new store over the same outbox. Before the wait is over, nothing is sent.
    service.state.mode = 'up';
    const second = await open(service);
    expect(second.store.getState().deposits[entry!.fileId]).toMatchObject({ state: 'not sent' });
    expect(service.sent).toEqual([]);
    clock += retryDelay(1);
    await second.store.getState().sendDeposits();
    expect(service.sent).toEqual([entry!.fileId]);
    expect(second.store.getState().deposits[entry!.fileId]).toMatchObject({ state: 'stored' });
    await second.store.getState().sendDeposits({ all: true });
    expect(service.sent).toEqual([entry!.fileId]);
  });

  it('sends a waiting blob at once when the browser is online again, without waiting for its retry', async () => {
    const service = fakeService();
    service.state.mode = 'down';
    const { store, authorityKeyId } = await open(service);
    store.getState().encryptFiles([file('one', 'one.txt')], { description: '', authorityKeyId });
    await settled(store, 1);
    const fileId = store.getState().register[0]!.fileId;
    await vi.waitFor(() => {
      expect(store.getState().deposits[fileId]).toMatchObject({ state: 'not sent' });
    });
    service.state.mode = 'up';
    online!();
    await vi.waitFor(() => {
      expect(store.getState().deposits[fileId]).toMatchObject({ state: 'stored' });
    });
    expect(service.sent).toEqual([fileId]);
  });

  it('does not call a blob stored when its acknowledgement does not verify, and sends it again later', async () => {
    const service = fakeService();
    service.state.mode = 'bad-ack';
    const { store, authorityKeyId } = await open(service);
    store.getState().encryptFiles([file('one', 'one.txt')], { description: '', authorityKeyId });
    await settled(store, 1);
    const fileId = store.getState().register[0]!.fileId;
    await vi.waitFor(() => {
      expect(store.getState().deposits[fileId]).toMatchObject({ state: 'not sent', lastError: { code: 'SIGNATURE_INVALID' } });
    });
    service.state.mode = 'up';
    await store.getState().sendDeposits({ all: true });
    expect(store.getState().deposits[fileId]).toMatchObject({ state: 'stored' });
  });

  it('shows "checked by" only for a receipt from the service that the core verifies against the blob kept here', async () => {
    const service = fakeService();
    const { store, authorityKeyId } = await open(service);
    store.getState().encryptFiles([file('one', 'one.txt')], { description: '', authorityKeyId });
    await settled(store, 1);
    const entry = store.getState().register[0]!;
    const parsed = parseSignedObject(entry.escrowBlob);
    if (parsed.kind !== 'escrow-v2') throw new Error('not a v2 blob');
    const receipt = await issueReceipt(parsed.blob, desk, { name: 'IT backup desk' });
    const stranger = await makeIdentity();
    // A receipt signed by someone other than the pinned authority: the service's word is not enough.
    service.state.myDeposits = [{ fileId: entry.fileId, receipts: [await resignedBy(receipt, 'authority', stranger, 'keyward/v2 receipt')] }];
    expect(await store.getState().checkReceipts()).toBeNull();
    expect(store.getState().register[0]!.receipt).toBeUndefined();
    expect(depositLabel(store.getState().register[0]!, store.getState().deposits[entry.fileId], true)).toBe('Stored');

    service.state.myDeposits = [{ fileId: entry.fileId, receipts: [receipt] }];
    expect(await store.getState().checkReceipts()).toBeNull();
    expect(depositLabel(store.getState().register[0]!, store.getState().deposits[entry.fileId], true)).toBe('Checked by IT backup desk');
  }, 60_000);

  it('waits longer after each failure, up to five minutes', () => {
    expect([1, 2, 3, 4].map(retryDelay)).toEqual([2000, 4000, 8000, 16000]);
    expect(retryDelay(30)).toBe(300_000);
  });
});
