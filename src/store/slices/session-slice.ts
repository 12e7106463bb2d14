/** Mode, storage persistence, notices, and start-up. */
import type { StateCreator } from 'zustand';
import { toUiError } from '../errors.ts';
import type { Adapters, AppState, SessionSlice } from '../types.ts';
import { notDownloaded } from './encrypt-slice.ts';

export const createSessionSlice =
  (adapters: Adapters): StateCreator<AppState, [], [], SessionSlice> =>
  (set, get) => {
    let nextNotice = 1;
    return {
      mode: 'owner',
      setMode(mode) {
        set({ mode });
      },

      persist: 'unknown',
      async requestPersistence() {
        set({ persist: await adapters.storage.request() });
      },

      notices: [],
      notify(kind, text) {
        set({ notices: [...get().notices, { id: `n${nextNotice++}`, kind, text }] });
      },
      dismissNotice(id) {
        set({ notices: get().notices.filter((n) => n.id !== id) });
      },

      async start() {
        try {
          // Outputs left by closed tabs are removed first (never a live tab's: see temp-files.ts).
          void adapters.tempFiles?.sweep();
          await Promise.all([get().loadKeys(), get().loadRegister(), get().loadDesk()]);
          set({ persist: await adapters.storage.persisted() });
          // The escrow service's outbox sends what waits (nothing when no service is configured).
          void get().startService();
          if (get().keys.some((k) => k.role === 'authority-own') && !get().keys.some((k) => k.role === 'owner')) set({ mode: 'authority' });
        } catch (error) {
          get().notify('error', toUiError(error).message);
        }
      },
    };
  };

/**
 * What closing or reloading the tab now would lose: a new key pair not yet
 * saved (backed up or declined), or encrypted outputs not downloaded.
 * Null when nothing.
 */
export function unsavedWork(state: Pick<AppState, 'newKey' | 'encryptJobs'>): 'new-key' | 'outputs' | null {
  if (state.newKey) return 'new-key';
  return notDownloaded(state.encryptJobs).length > 0 ? 'outputs' : null;
}
