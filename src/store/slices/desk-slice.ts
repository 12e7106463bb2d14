/**
 * The authority's desk at the escrow service (authority mode): an officer or
 * a council member signs in with a private identity held for the sign-in
 * only, searches the deposits, exports a bundle whose blobs go to the escrow
 * check (offline, with the authority's private key), uploads the receipts
 * that check issues, and downloads the audit log and verifies its chain here.
 */
import type { StateCreator } from 'zustand';
import { parseAuditLog, verifyAuditLog } from '../../core/audit.ts';
import { isKeywardError, type EscrowBlobV2, type PrivateIdentity } from '../../core/index.ts';
import { privateIdentityOf } from '../../io/key-store.ts';
import { appError, toUiError } from '../errors.ts';
import { escrowName } from '../names.ts';
import { signInIdentity } from '../sign-in-identity.ts';
import type { Adapters, AppState, DeskBundleBlob, DeskDeposit, DeskFilters, DeskSlice, DeskUpload, ServiceClientLike, ServiceSession, UiError } from '../types.ts';

/** Deposits asked for per page (the service allows up to 500). */
export const DESK_PAGE = 100;
/** The most blobs one export holds (`POST /v1/exports`). */
export const MAX_EXPORT = 1000;
/** A receipt file is a few hundred bytes; anything far larger is not one. */
const MAX_RECEIPT_BYTES = 64 * 1024;
/** The roles that may use the desk. */
const DESK_ROLES = ['officer', 'member'];

/** Where the escrow check stands on one blob of the bundle: looked up by its text, as the check holds it. */
export type BundleCheck = 'checking' | 'verified' | 'absent' | UiError;

/** The escrow check's state for a blob's text (the open case, or an item of its list); a failed check is its error, as the check holds it (a stable value for selectors). */
export function bundleCheckOf(state: Pick<AppState, 'escrowCase' | 'escrowList'>, text: string): BundleCheck {
  const item = state.escrowCase?.text === text ? state.escrowCase : state.escrowList.find((i) => i.text === text);
  if (!item) return 'absent';
  if ('checking' in item && item.checking) return 'checking';
  if (item.verified) return 'verified';
  return item.error ?? 'absent';
}

/** The day after `day` (YYYY-MM-DD, UTC). */
function dayAfter(day: string): string {
  const date = new Date(`${day}T00:00:00.000Z`);
  if (Number.isNaN(date.getTime())) return day; // the service refuses it (REQUEST_INVALID)
  date.setUTCDate(date.getUTCDate() + 1);
  return date.toISOString().slice(0, 10);
}

/** The query string of a search: the filled filters only; both dates are included whole (UTC). */
export function searchQuery(filters: DeskFilters, after?: string): string {
  const query = new URLSearchParams();
  const add = (name: string, value: string) => {
    if (value.trim() !== '') query.set(name, value.trim());
  };
  add('owner', filters.owner);
  add('serial', filters.serial);
  add('q', filters.words);
  if (filters.from.trim()) query.set('from', filters.from.trim());
  // The service's `to` is exclusive: the day after, so that the last day counts whole.
  if (filters.to.trim()) query.set('to', dayAfter(filters.to.trim()));
  query.set('limit', String(DESK_PAGE));
  if (after) query.set('after', after);
  return `/v1/deposits?${query.toString()}`;
}

export const createDeskSlice =
  (adapters: Adapters): StateCreator<AppState, [], [], DeskSlice> =>
  (set, get) => {
    // The session's token lives here, out of the state; it is dropped on sign-out and when the service no longer takes it.
    let session: ServiceSession | null = null;
    let client: ServiceClientLike | null = null;
    // Whose session read what the state holds (kept after the session ends, so the same officer signing in again finds it).
    let readBy: string | null = null;
    const stamp = () => new Date(adapters.now?.() ?? Date.now()).toISOString().slice(0, 10);

    /** Runs a request of the signed-in desk; a session the service no longer takes is forgotten, so the form asks again. */
    async function signedIn<T>(request: (c: ServiceClientLike, s: ServiceSession) => Promise<T>): Promise<{ value: T } | { error: UiError }> {
      if (!client || !session) return { error: appError('SIGN_IN_REQUIRED') };
      try {
        return { value: await request(client, session) };
      } catch (error) {
        if (isKeywardError(error) && error.code === 'SIGN_IN_REQUIRED') {
          session = null;
          set({ deskSignedIn: null });
        }
        return { error: toUiError(error) };
      }
    }

    /** The identity of this desk a v2 blob is for: its authority, or a member of its council (spec v2 §8.3). */
    function identityFor(blob: EscrowBlobV2): { identity: PrivateIdentity; name: string } | undefined {
      for (const key of get().keys) {
        const identity = key.role === 'authority-own' ? privateIdentityOf(key) : undefined;
        if (!identity) continue;
        const named = blob.authority.kind === 'council' ? blob.authority.members.some((m) => m.id === identity.id) : blob.authority.id === identity.id;
        if (named) return { identity, name: key.name };
      }
      return undefined;
    }

    /** Sends one receipt (its JSON text) to the service. */
    async function sendReceipt(json: string): Promise<DeskUpload> {
      const sent = await signedIn((c, s) => c.post<{ fileId: string; signer: string; uploadedAt: string; auditSeq: number }>('/v1/receipts', JSON.parse(json), s));
      if ('error' in sent) return { error: sent.error };
      const { fileId, signer, uploadedAt, auditSeq } = sent.value;
      return { fileId, signer, uploadedAt, auditSeq };
    }

    /** Issues (escrow check's identity, in the Worker, which checks the blob whole again) and uploads the receipt of one bundle blob. */
    async function receiptFor(blob: DeskBundleBlob): Promise<DeskUpload> {
      const check = bundleCheckOf(get(), blob.text);
      // Only a blob the escrow check passed gets a receipt: the receipt says the authority checked it.
      if (check !== 'verified') return { error: typeof check === 'object' ? check : appError('NO_ESCROW') };
      const item = get().escrowCase?.text === blob.text ? get().escrowCase : get().escrowList.find((i) => i.text === blob.text);
      const escrow = item?.blob;
      if (escrow?.format !== 'keyward-escrow/2') return { error: appError('NO_ESCROW') };
      const found = identityFor(escrow);
      if (!found) return { error: appError('KEY_GONE') };
      try {
        const { json } = await adapters.crypto.run('issueReceipt', { escrowText: blob.text, authority: found.identity, name: found.name });
        return await sendReceipt(json);
      } catch (error) {
        return { error: toUiError(error) };
      }
    }

    /** A receipt file chosen by the officer: read, recognised as a receipt here, checked by the service against the stored blob. */
    async function receiptFileUpload(file: File): Promise<DeskUpload> {
      if (file.size > MAX_RECEIPT_BYTES) return { error: appError('NOT_A_RECEIPT') };
      try {
        const text = await file.text();
        const parsed = await adapters.crypto.run('parseSigned', { text });
        return parsed.kind === 'receipt' ? await sendReceipt(text) : { error: appError('NOT_A_RECEIPT') };
      } catch (error) {
        return { error: toUiError(error) };
      }
    }

    function recordUpload(fileId: string, upload: DeskUpload) {
      const bundle = get().deskBundle;
      if (!bundle) return;
      set({ deskBundle: { ...bundle, blobs: bundle.blobs.map((b) => (b.fileId === fileId ? { ...b, upload } : b)) } });
    }

    return {
      deskAvailable: false,
      deskSignedIn: null,
      deskSearch: null,
      deskBundle: null,
      deskReceiptFiles: [],
      deskAudit: null,

      async loadDesk() {
        try {
          client = (await adapters.serviceClient?.()) ?? null;
        } catch {
          // No usable config: no desk, and no request (as with no service at all).
          client = null;
        }
        set({ deskAvailable: client !== null });
      },

      async signInAtDesk(options) {
        if (!client) return appError('SERVICE_UNREACHABLE');
        // Dropped once the challenge is signed: the desk keeps only the session's token.
        const named = await signInIdentity(options, get().keys, adapters.crypto);
        if ('error' in named) return named.error;
        const { identity } = named;
        try {
          const signed = await client.signIn(identity);
          // The service signs in anyone it knows; the desk is for officers and council members only.
          if (!signed.roles.some((role) => DESK_ROLES.includes(role))) {
            return appError('NOT_PERMITTED');
          }
          session = signed;
          // What another identity read at this desk (before its session ended) is not shown to this one.
          const others = readBy !== null && readBy !== signed.identityId ? { deskSearch: null, deskBundle: null, deskReceiptFiles: [], deskAudit: null } : {};
          readBy = signed.identityId;
          set({ ...others, deskSignedIn: { identityId: signed.identityId, name: signed.name, roles: [...signed.roles], expiresAt: signed.expiresAt } });
          return null;
        } catch (error) {
          return toUiError(error);
        }
      },

      signOutOfDesk() {
        session = null;
        readBy = null;
        set({ deskSignedIn: null, deskSearch: null, deskBundle: null, deskReceiptFiles: [], deskAudit: null });
      },

      async searchDeposits(filters) {
        const found = await signedIn((c, s) => c.get<{ deposits: DeskDeposit[]; next: string | null }>(searchQuery(filters), s));
        if ('error' in found) return found.error;
        set({ deskSearch: { filters: { ...filters }, deposits: found.value.deposits, next: found.value.next } });
        return null;
      },

      async moreDeposits() {
        const search = get().deskSearch;
        if (!search?.next) return null;
        const after = search.next;
        const found = await signedIn((c, s) => c.get<{ deposits: DeskDeposit[]; next: string | null }>(searchQuery(search.filters, after), s));
        if ('error' in found) return found.error;
        // A search started meanwhile replaces this one; its page is not added to it.
        if (get().deskSearch !== search) return null;
        set({ deskSearch: { ...search, deposits: [...search.deposits, ...found.value.deposits], next: found.value.next } });
        return null;
      },

      async exportDeposits() {
        const deposits = get().deskSearch?.deposits ?? [];
        if (deposits.length === 0) return appError('NO_ESCROW');
        if (deposits.length > MAX_EXPORT) return appError('REQUEST_INVALID', { reason: `one export holds at most ${String(MAX_EXPORT)} blobs; narrow the search` });
        const exported = await signedIn((c, s) => c.post<{ format: string; exportedAt: string; blobs: unknown[] }>('/v1/exports', { fileIds: deposits.map((d) => d.fileId) }, s));
        if ('error' in exported) return exported.error;
        const bundle = exported.value;
        const fileName = `keyward-bundle-${stamp()}.json`;
        adapters.download.save(new Blob([JSON.stringify(bundle, null, 2)], { type: 'application/json' }), fileName);
        const blobs: DeskBundleBlob[] = bundle.blobs.map((blob) => {
          const fields = typeof blob === 'object' && blob !== null ? (blob as Record<string, unknown>) : {};
          return {
            fileId: typeof fields.fileId === 'string' ? fields.fileId : '',
            serial: typeof fields.serial === 'string' ? fields.serial : '',
            text: JSON.stringify(blob, null, 2),
          };
        });
        set({ deskBundle: { fileName, exportedAt: bundle.exportedAt, blobs } });
        // The service is not trusted with the check: the escrow check reads each blob as any dropped blob file, and checks it here.
        const files = blobs.map((b, i) => new File([b.text], escrowName(b.serial || `blob-${String(i + 1)}`), { type: 'application/json' }));
        await get().loadEscrowBlobs(files);
        return null;
      },

      async uploadReceipt(fileId) {
        const blob = get().deskBundle?.blobs.find((b) => b.fileId === fileId);
        if (!blob) return appError('NO_ESCROW');
        const upload = await receiptFor(blob);
        recordUpload(fileId, upload);
        return null;
      },

      async uploadReceipts() {
        const waiting = (get().deskBundle?.blobs ?? []).filter((b) => !(b.upload && !('error' in b.upload)) && bundleCheckOf(get(), b.text) === 'verified');
        if (waiting.length === 0) return appError('NO_ESCROW');
        for (const blob of waiting) {
          recordUpload(blob.fileId, await receiptFor(blob));
          // Signed out meanwhile (or the session expired): the rest would be refused the same way.
          if (!session) break;
        }
        return null;
      },

      async uploadReceiptFiles(files) {
        if (files.length === 0) return null;
        const results = [];
        for (const file of files) results.push({ fileName: file.name, upload: await receiptFileUpload(file) });
        set({ deskReceiptFiles: [...results, ...get().deskReceiptFiles] });
        return null;
      },

      async checkAuditLog() {
        const read = await signedIn((c, s) => c.get<unknown>('/v1/audit', s));
        if ('error' in read) return read.error;
        const fileName = `keyward-audit-${stamp()}.json`;
        // Kept whatever the check finds: a broken log is the evidence to hand on.
        adapters.download.save(new Blob([JSON.stringify(read.value, null, 2)], { type: 'application/json' }), fileName);
        try {
          const { count, head } = await verifyAuditLog(parseAuditLog(read.value).entries);
          set({ deskAudit: { fileName, count, head } });
        } catch (error) {
          set({ deskAudit: { fileName, error: toUiError(error) } });
        }
        return null;
      },
    };
  };
