// @vitest-environment node
/** The escrow service's records: the deposit queue and named values, kept across connections. */
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { openKeywardDb } from './db.ts';
import { type OutboxEntry, createServiceStore } from './service-store.ts';

const NAME = 'keyward-service-store-test';

const queued = (fileId: string, queuedAt: number): OutboxEntry => ({ fileId, blob: `{"fileId":"${fileId}"}`, queuedAt, attempts: 0, notBefore: 0 });

describe('createServiceStore', () => {
  let factory: IDBFactory;
  beforeEach(() => {
    factory = new IDBFactory();
  });

  it('keeps named values across a reopen and forgets a deleted one', async () => {
    const first = await openKeywardDb(NAME, factory);
    const store = createServiceStore(() => Promise.resolve(first));
    expect(await store.getValue('case')).toBeUndefined();
    await store.setValue('case', { id: 'abc', openedAt: 1 });
    first.close();

    const again = await openKeywardDb(NAME, factory);
    const reopened = createServiceStore(() => Promise.resolve(again));
    expect(await reopened.getValue('case')).toEqual({ id: 'abc', openedAt: 1 });
    await reopened.deleteValue('case');
    expect(await reopened.getValue('case')).toBeUndefined();
    again.close();
  });

  it('queues a file once: a second blob for the same file ID leaves the first', async () => {
    const db = await openKeywardDb(NAME, factory);
    const store = createServiceStore(() => Promise.resolve(db));
    expect(await store.enqueue(queued('f2', 2))).toBe(true);
    expect(await store.enqueue(queued('f1', 1))).toBe(true);
    expect(await store.enqueue({ ...queued('f1', 3), blob: 'another' })).toBe(false);
    expect((await store.outbox()).map((e) => [e.fileId, e.blob])).toEqual([
      ['f1', '{"fileId":"f1"}'],
      ['f2', '{"fileId":"f2"}'],
    ]);
    await store.putOutbox({ ...queued('f1', 1), ack: '{}', storedAt: 9 });
    expect((await store.outbox())[0]).toMatchObject({ fileId: 'f1', ack: '{}', storedAt: 9 });
    await store.removeOutbox('f2');
    expect((await store.outbox()).map((e) => e.fileId)).toEqual(['f1']);
    db.close();
  });

  it('rejects with a storage error when the database cannot be opened', async () => {
    const store = createServiceStore(() => Promise.reject(new Error('gone')));
    await expect(store.outbox()).rejects.toMatchObject({ code: 'DB_FAILED' });
  });
});
