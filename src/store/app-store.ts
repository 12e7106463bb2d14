/** The one app store: slices combined over the adapters they need. */
import { createStore, type StoreApi } from 'zustand/vanilla';
import { createAuthoritySlice } from './slices/authority-slice.ts';
import { createCaseSlice } from './slices/case-slice.ts';
import { createCouncilSlice } from './slices/council-slice.ts';
import { type DecryptRunner, createDecryptSlice } from './slices/decrypt-slice.ts';
import { createDeskSlice } from './slices/desk-slice.ts';
import { createEncryptSlice } from './slices/encrypt-slice.ts';
import { createKeysSlice } from './slices/keys-slice.ts';
import { createRegisterSlice } from './slices/register-slice.ts';
import { createServiceSlice } from './slices/service-slice.ts';
import { createSessionSlice } from './slices/session-slice.ts';
import type { Adapters, AppState } from './types.ts';

/** The store's full state, with the decrypt runner the authority slice shares. */
export type StoreState = AppState & { decryptRunner: DecryptRunner };

/**
 * Builds a store. The app passes the Worker, IndexedDB and download adapters;
 * tests pass in-memory ones.
 */
export function createAppStore(adapters: Adapters): StoreApi<StoreState> {
  return createStore<StoreState>()((...a) => ({
    ...createKeysSlice(adapters)(...a),
    ...createEncryptSlice(adapters)(...a),
    ...createRegisterSlice(adapters)(...a),
    ...createDecryptSlice(adapters)(...a),
    ...createAuthoritySlice(adapters)(...a),
    ...createSessionSlice(adapters)(...a),
    ...createCouncilSlice(adapters)(...a),
    ...createServiceSlice(adapters)(...a),
    ...createCaseSlice(adapters)(...a),
    ...createDeskSlice(adapters)(...a),
  }));
}
