/** The React hook over the app's store, provided by `app/providers.tsx`. */
import { createContext, useContext } from 'react';
import { useStore, type StoreApi } from 'zustand';
import type { StoreState } from './app-store.ts';

export const StoreContext = createContext<StoreApi<StoreState> | null>(null);

/** Selects a piece of state; use `useShallow` for object picks. */
export function useAppStore<T>(selector: (state: StoreState) => T): T {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useAppStore outside <StoreContext.Provider>');
  return useStore(store, selector);
}
