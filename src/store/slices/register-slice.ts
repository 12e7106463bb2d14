/** The escrow register: every file encrypted here, with its escrow blob, kept in IndexedDB. */
import type { StateCreator } from 'zustand';
import { parseSignedObject } from '../../core/index.ts';
import { appError, toUiError } from '../errors.ts';
import { MAX_BLOB_BYTES } from './decrypt-slice.ts';
import { escrowName, safeDownloadName } from '../names.ts';
import { formatDate } from '../format.ts';
import type { Adapters, AppState, RegisterEntry, RegisterSlice } from '../types.ts';

/** One CSV field, quoted when needed (RFC 4180), and never a formula when opened in a spreadsheet. */
function csvField(value: string | number): string {
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * Whether the authority confirmed it holds the entry's escrow blob (spec v2
 * §5): a v1 blob cannot be confirmed; a v2 one is confirmed by a receipt,
 * named with the owner's own name for the pinned authority; a council's blob
 * by a receipt from one of its members (spec v2 §8.3), "MEMBER (COUNCIL)".
 */
export function escrowState(entry: RegisterEntry, authorityName: string | undefined): string {
  if (entry.authority.identityId === undefined) return 'unsigned (v1)';
  if (!entry.receipt) return 'Escrowed, not yet confirmed';
  const by = entry.receipt.member ? `${entry.receipt.member.name} (${entry.authority.name})` : (authorityName ?? entry.authority.name);
  return `Confirmed by ${by} on ${formatDate(entry.receipt.receivedAt)}`;
}

/**
 * The council member who signed a verified receipt for a council's blob, named
 * as in the blob (the council the owner pinned); undefined for an authority's
 * receipt.
 */
function receiptMember(escrowText: string, signerId: string): { id: string; name: string } | undefined {
  const escrow = parseSignedObject(escrowText);
  if (escrow.kind !== 'escrow-v2' || escrow.blob.authority.kind !== 'council') return undefined;
  const member = escrow.blob.authority.members.find((m) => m.id === signerId);
  return member ? { id: member.id, name: member.name } : undefined;
}

export const createRegisterSlice =
  (adapters: Adapters): StateCreator<AppState, [], [], RegisterSlice> =>
  (set, get) => ({
    register: [],
    registerLoaded: false,

    async loadRegister() {
      set({ register: await adapters.registerStore.list(), registerLoaded: true });
    },

    async importReceipt(file) {
      if (file.size > MAX_BLOB_BYTES) return appError('NOT_A_RECEIPT');
      try {
        const receiptText = await file.text();
        // Which entry it is for; the Worker then checks it strictly against that entry's blob.
        const parsed = parseSignedObject(receiptText);
        if (parsed.kind !== 'receipt') return appError('NOT_A_RECEIPT');
        const entry = get().register.find((e) => e.fileId === parsed.receipt.fileId);
        if (!entry) return appError('BLOB_MISMATCH');
        const receipt = await adapters.crypto.run('verifyReceipt', { receiptText, escrowText: entry.escrowBlob });
        const member = receiptMember(entry.escrowBlob, receipt.authority.id);
        const updated = await adapters.registerStore.addReceipt(entry.fileId, {
          json: receiptText,
          receivedAt: Date.parse(receipt.receivedAt),
          ...(member ? { member } : {}),
        });
        set({ register: get().register.map((e) => (e.fileId === updated.fileId ? updated : e)) });
        return null;
      } catch (error) {
        return toUiError(error);
      }
    },

    downloadRegisterEscrow(fileId) {
      const entry = get().register.find((e) => e.fileId === fileId);
      // The blob exactly as first offered (byte-identical), under a name without separators or bidi controls.
      if (entry) adapters.download.save(new Blob([entry.escrowBlob], { type: 'application/json' }), escrowName(safeDownloadName(entry.name, entry.serial)));
    },

    async clearRegister() {
      try {
        await adapters.registerStore.clear();
        set({ register: [] });
        return null;
      } catch (error) {
        // The store's clear is one transaction: on failure every entry is still there.
        await get()
          .loadRegister()
          .catch(() => undefined);
        return toUiError(error);
      }
    },

    async exportRegister() {
      const entries = get().register;
      if (entries.length === 0) return null;
      const header = ['serial', 'file', 'size', 'encryptedAt', 'description', 'owner', 'ownerKeyId', 'authority', 'authorityKeyId', 'escrowBlob'];
      const rows = entries.map((e) =>
        [e.serial, e.name, e.size, new Date(e.encryptedAt).toISOString(), e.description, e.owner.name, e.owner.keyId, e.authority.name, e.authority.keyId, `${e.serial}.keyward-escrow.json`]
          .map(csvField)
          .join(','),
      );
      const csv = `${[header.join(','), ...rows].join('\r\n')}\r\n`;
      const files = [
        { name: 'register.csv', blob: new Blob([csv], { type: 'text/csv' }) },
        ...entries.map((e) => ({ name: `${e.serial}.keyward-escrow.json`, blob: new Blob([e.escrowBlob], { type: 'application/json' }), lastModified: new Date(e.encryptedAt) })),
      ];
      const day = new Date((adapters.now ?? Date.now)()).toISOString().slice(0, 10);
      try {
        await adapters.download.saveZip(files, `keyward-escrow-register-${day}.zip`);
        return null;
      } catch (error) {
        return toUiError(error);
      }
    },
  });
