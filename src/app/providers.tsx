import { type ReactNode, useEffect, useState } from 'react';
import { createWorkerCrypto } from '../io/crypto-client.ts';
import { lazyKeywardDb } from '../io/db.ts';
import { browserDownloader } from '../io/download.ts';
import { createKeyStore } from '../io/key-store.ts';
import { createRegisterStore } from '../io/register-store.ts';
import { persistedState, requestPersistence } from '../io/storage.ts';
import { browserSavePicker } from '../io/save-picker.ts';
import { createTempFiles } from '../io/temp-files.ts';
import { ServiceClient, loadServiceConfig } from '../io/service-client.ts';
import { createServiceStore } from '../io/service-store.ts';
import { type StoreState, createAppStore } from '../store/app-store.ts';
import { StoreContext } from '../store/use-app-store.ts';
import type { StoreApi } from 'zustand';

/** Wires the real adapters (Worker, IndexedDB, downloads) into one store for the app's lifetime. */
function createProductionStore(): StoreApi<StoreState> {
  let store: StoreApi<StoreState> | null = null;
  // The configuration the boot script read (the same answer, not asked again).
  let client: Promise<ServiceClient | null> | undefined;
  const connect = () => (client ??= loadServiceConfig().then((config) => (config ? new ServiceClient(config) : null), () => null));
  const database = lazyKeywardDb(undefined, undefined, {
    onBlocking: () => store?.getState().notify('info', 'A newer version of Keyward was opened in another tab. Reload this page to keep working.'),
  });
  const serviceStore = createServiceStore(database);
  store = createAppStore({
    keyStore: createKeyStore(database),
    registerStore: createRegisterStore(database),
    crypto: createWorkerCrypto(),
    download: browserDownloader,
    storage: { persisted: persistedState, request: requestPersistence },
    tempFiles: createTempFiles(),
    savePicker: browserSavePicker(),
    service: {
      store: serviceStore,
      connect,
      timers: true,
      onOnline: (callback) => {
        window.addEventListener('online', callback);
      },
    },
    cases: {
      // Asked only where a case is looked at: without keyward-service.json, null (and no request is made).
      client: connect,
      values: { get: (key) => serviceStore.getValue(key), set: (key, value) => serviceStore.setValue(key, value), delete: (key) => serviceStore.deleteValue(key) },
    },
    // The desk signs in with the same client.
    serviceClient: connect,
  });
  return store;
}

export function StoreProvider({ children, store }: { children: ReactNode; store?: StoreApi<StoreState> }) {
  const [value] = useState(() => store ?? createProductionStore());
  useEffect(() => {
    void value.getState().start();
  }, [value]);
  return <StoreContext.Provider value={value}>{children}</StoreContext.Provider>;
}
