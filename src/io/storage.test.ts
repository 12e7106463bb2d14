// @vitest-environment node
/** Storage persistence: three answers, and never a throw. */
import { persistedState, requestPersistence } from './storage.ts';

function stubStorage(storage: Partial<StorageManager> | undefined): void {
  vi.stubGlobal('navigator', storage === undefined ? {} : { storage });
}

describe('storage persistence', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('reports what the browser answers', async () => {
    stubStorage({ persisted: () => Promise.resolve(false), persist: () => Promise.resolve(true) });
    expect(await persistedState()).toBe('denied');
    expect(await requestPersistence()).toBe('granted');
    stubStorage({ persisted: () => Promise.resolve(true), persist: () => Promise.resolve(false) });
    expect(await persistedState()).toBe('granted');
    expect(await requestPersistence()).toBe('denied');
  });

  it('is unsupported without navigator.storage or its methods', async () => {
    vi.stubGlobal('navigator', undefined);
    expect(await persistedState()).toBe('unsupported');
    expect(await requestPersistence()).toBe('unsupported');
    stubStorage(undefined);
    expect(await persistedState()).toBe('unsupported');
    stubStorage({});
    expect(await requestPersistence()).toBe('unsupported');
  });

  it('never throws: a failing call counts as denied', async () => {
    const fail = () => Promise.reject(new DOMException('not allowed', 'NotAllowedError'));
    stubStorage({ persisted: fail, persist: fail });
    expect(await persistedState()).toBe('denied');
    expect(await requestPersistence()).toBe('denied');
  });
});
