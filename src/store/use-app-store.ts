/** The React hook over the app's store, provided by `app/providers.tsx`. */
import { createContext, useContext } from 'react';
import { useStore, type StoreApi } from 'zustand';
import type { StoreState } from './app-store.ts';

export const StoreContext = createContext<StoreApi<StoreState> | null>(null);

function useStoreApi(): StoreApi<StoreState> {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useAppStore outside <StoreContext.Provider>');
  return store;
}

/** Selects a piece of state; use `useShallow` for object picks. */
export function useAppStore<T>(selector: (state: StoreState) => T): T {
  return useStore(useStoreApi(), selector);
}

/** The store's actions: its functions, which are made once with the store. */
export type AppActions = { [K in keyof StoreState as StoreState[K] extends (...args: never[]) => unknown ? K : never]: StoreState[K] };

/**
 * The store's actions, without subscribing to its state: call them from
 * events, never to read state while rendering (nothing re-renders when the
 * state they read changes). For components shown once per file: every
 * subscription is checked on every change of the store, and with 1,500 rows
 * that each picked their actions with `useShallow`, those checks took about
 * a quarter of the page's time while the files were encrypted (a CPU
 * profile; see docs/performance.md).
 */
export function useAppActions(): AppActions {
  return useStoreApi().getState();
}
