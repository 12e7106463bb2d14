/**
 * Recovery cases at the escrow service (issue 17): the owner who lost a key
 * opens a case from this browser's new identity and, once enough partials
 * are in, opens their files with them; at the desk, an officer verifies or
 * refuses a case and a council member issues and uploads a partial recovery
 * blob (spec v2 §8.4) for the case's new identity.
 *
 * Desk identities are imported non-extractable and held in this closure only
 * (never in the state, never in the key store) until sign-out or the page closes.
 */
import type { StateCreator } from 'zustand';
import { KeywardError, type PrivateIdentity, exportPublicIdentity, fromB64u, isKeywardError, parseSignedObject, publicIdentityFromSpki } from '../../core/index.ts';
import { signCaseRequest } from '../../core/service-case.ts';
import { privateIdentityOf } from '../../io/key-store.ts';
import { appError, toUiError } from '../errors.ts';
import { signInIdentity } from '../sign-in-identity.ts';
import { ownKeyPair } from './keys-slice.ts';
import { ENROLMENT_KEY } from './service-slice.ts';
import type { Adapters, AppState, CaseDetail, CaseServiceClient, CaseSession, CaseSlice, CaseState, CaseSummary, Enrolment, MyCase, UiError } from '../types.ts';

/** The `service` record that keeps the owner's open case across reloads. */
export const MY_CASE_KEY = 'recovery-case';

/** A blob as the service returns it inside JSON (an object), as the text the core reads. */
const blobText = (blob: unknown): string => (typeof blob === 'string' ? blob : JSON.stringify(blob));

/** The most a case upload may be: the service's body limit. */
const MAX_UPLOAD_BYTES = 262_144;

const path = (caseId: string, rest = '') => `/v1/cases/${encodeURIComponent(caseId)}${rest}`;

export const createCaseSlice =
  (adapters: Adapters): StateCreator<AppState, [], [], CaseSlice> =>
  (set, get) => {
    const now = adapters.now ?? Date.now;
    let deskIdentity: PrivateIdentity | null = null;
    let deskSession: CaseSession | null = null;
    /** The applicant's session (the owner's new identity), made when first needed. */
    let applicantSession: CaseSession | null = null;

    async function client(): Promise<CaseServiceClient | null> {
      const found = adapters.cases ? await adapters.cases.client() : null;
      set({ caseService: found ? 'ready' : 'none' });
      return found;
    }

    /** The owner's own identity in this browser (the new one a case is opened from), with its private keys. */
    function ownIdentity(identityId?: string) {
      const keys = get().keys;
      const stored = identityId ? keys.find((k) => k.identity?.id === identityId && k.privateKey) : ownKeyPair(keys);
      const identity = stored && privateIdentityOf(stored);
      return identity ? { identity } : null;
    }

    /**
     * Runs `call` signed in as `identity`: signs in when there is no session yet,
     * and once more when the service says the session ended.
     */
    async function asApplicant<T>(service: CaseServiceClient, identity: PrivateIdentity, call: (session: CaseSession) => Promise<T>): Promise<T> {
      const expired = applicantSession && (applicantSession.identityId !== identity.id || Date.parse(applicantSession.expiresAt) <= now());
      if (!applicantSession || expired) applicantSession = await service.signIn(identity);
      try {
        return await call(applicantSession);
      } catch (error) {
        if (!isKeywardError(error) || error.code !== 'SIGN_IN_REQUIRED') throw error;
        applicantSession = await service.signIn(identity);
        return call(applicantSession);
      }
    }

    const patchMyCase = (change: Partial<MyCase>) => {
      const current = get().myCase;
      if (current) set({ myCase: { ...current, ...change } });
    };

    async function fetchMyCase(): Promise<UiError | null> {
      const mine = get().myCase;
      if (!mine) return null;
      const service = await client();
      if (!service) return appError('SERVICE_UNREACHABLE', { reason: 'no escrow service is configured for this app' });
      const own = ownIdentity(mine.identityId);
      if (!own) return appError('KEY_GONE');
      try {
        const detail = await asApplicant(service, own.identity, (session) => service.get<CaseDetail>(path(mine.caseId), session));
        // The service answers about the case asked for, opened by this identity; anything else is not shown as ours.
        if (detail.caseId !== mine.caseId || detail.newIdentityId !== mine.identityId) {
          return appError('CASE_UNKNOWN');
        }
        const rest: MyCase = { ...(get().myCase ?? mine), detail };
        delete rest.error;
        set({ myCase: rest });
        await recordEnrolment(detail);
        return null;
      } catch (error) {
        const shown = toUiError(error);
        patchMyCase({ error: shown });
        return shown;
      }
    }

    /**
     * Once an officer verified the case, the service enrolled this identity as
     * the same person: recorded as this browser's enrolment (as an enrolment
     * code would have been), so its escrow log and deposits follow.
     */
    async function recordEnrolment(detail: CaseDetail): Promise<void> {
      if (detail.state !== 'verified' && detail.state !== 'ready') return;
      if (get().enrolment?.identityId === detail.newIdentityId) return;
      const verified = detail.steps.find((s) => s.event === 'case-verify');
      const enrolment: Enrolment = { identityId: detail.newIdentityId, name: detail.name, enrolledAt: verified?.at ?? detail.openedAt };
      await adapters.cases?.values.set(ENROLMENT_KEY, enrolment);
      set({ enrolment });
    }

    function desk(): { service: Promise<CaseServiceClient | null>; session: CaseSession } | { error: UiError } {
      if (!deskSession) return { error: appError('SIGN_IN_REQUIRED') };
      return { service: client(), session: deskSession };
    }

    /** Runs a desk call with the desk's session; the outcome is null or the error to show. */
    async function atDesk(call: (service: CaseServiceClient, session: CaseSession) => Promise<void>): Promise<UiError | null> {
      const ready = desk();
      if ('error' in ready) return ready.error;
      const service = await ready.service;
      if (!service) return appError('SERVICE_UNREACHABLE', { reason: 'no escrow service is configured for this app' });
      try {
        await call(service, ready.session);
        return null;
      } catch (error) {
        return toUiError(error);
      }
    }

    async function reloadDeskCase(service: CaseServiceClient, session: CaseSession, caseId: string): Promise<CaseDetail> {
      const detail = await service.get<CaseDetail>(path(caseId), session);
      if (detail.caseId !== caseId) throw new Error('the service answered about another case');
      set({ deskCase: detail });
      return detail;
    }

    /**
     * Issues, in this page, the signed-in identity's blob for one file of the
     * open case, for the case's new identity, from the file's deposited blob,
     * and uploads it: a council member's partial (spec v2 §8.4), or the
     * authority identity's recovery blob (§6) for a file escrowed to it.
     */
    /** The deposited escrow blob of one file of the open case, checked to be the lost identity's for that file. */
    async function caseEscrow(service: CaseServiceClient, session: CaseSession, open: CaseDetail, fileId: string) {
      const deposit = await service.get<{ blob: unknown }>(`/v1/deposits/${encodeURIComponent(fileId)}`, session);
      const escrowText = blobText(deposit.blob);
      const parsed = parseSignedObject(escrowText);
      if (parsed.kind !== 'escrow-v2' || parsed.blob.fileId !== fileId || parsed.blob.owner.id !== open.lostIdentityId) {
        throw new KeywardError('BLOB_MISMATCH');
      }
      return { escrowText, blob: parsed.blob };
    }

    /** The case's new identity, from its two keys; its ID computed here, not taken from the service. */
    async function caseNewIdentity(open: CaseDetail) {
      if (!open.newIdentity) throw new KeywardError('KEY_MISSING');
      const newOwner = await publicIdentityFromSpki(fromB64u(open.newIdentity.publicKey, 'newIdentity.publicKey'), fromB64u(open.newIdentity.signingKey, 'newIdentity.signingKey'));
      if (newOwner.id !== open.newIdentityId) throw new KeywardError('KEY_CHANGED');
      return newOwner;
    }

    /** Records what this desk did for one file of the open case. */
    const recordUpload = (fileId: string, outcome: UiError | null) => {
      set({ deskUploads: { ...get().deskUploads, [fileId]: outcome ? { error: outcome } : { done: true } } });
      return outcome;
    };

    async function issueAndUpload(fileId: string, kind: 'partial' | 'recovery'): Promise<UiError | null> {
      const open = get().deskCase;
      const file = open?.files.find((f) => f.fileId === fileId);
      if (!open || !file) return appError('CASE_UNKNOWN');
      const signedIn = deskIdentity;
      const outcome = await atDesk(async (service, session) => {
        if (!signedIn) throw new Error('signed in without an identity');
        // What the issuer checks before issuing anything: the deposited blob is the lost identity's for this file ...
        const { escrowText, blob } = await caseEscrow(service, session, open, fileId);
        // ... it names the signed-in identity (a seat of its council, or its authority) ...
        const { authority } = blob;
        const seat = kind === 'partial' && authority.kind === 'council' ? authority.members.find((m) => m.id === signedIn.id) : undefined;
        if (kind === 'partial' && !seat) throw new KeywardError('OUTSIDE_COUNCIL', { reason: `${signedIn.id} is not a member of ${authority.name}` });
        if (kind === 'recovery' && (authority.kind !== 'identity' || authority.id !== signedIn.id)) {
          throw new KeywardError('NOT_PERMITTED', { reason: `the file is escrowed to ${authority.id}, not to the identity signed in here` });
        }
        // ... and the new identity is the one the case names (its ID is computed here from its keys, not taken from the service).
        const newOwner = await caseNewIdentity(open);
        const { json } = seat
          ? await adapters.crypto.run('issuePartial', { escrowText, member: signedIn, newOwner, name: seat.name })
          : await adapters.crypto.run('issueRecoveryV2', { escrowText, authority: signedIn, newOwner, name: authority.name });
        await service.post(path(open.caseId, '/uploads'), JSON.parse(json) as unknown, session);
        await reloadDeskCase(service, session, open.caseId);
      });
      return recordUpload(fileId, outcome);
    }

    return {
      myCase: null,
      caseService: 'unknown',
      caseDesk: null,
      deskCases: [],
      deskCasesState: 'open',
      deskCase: null,
      deskUploads: {},

      async findCaseService() {
        await client();
      },

      async loadMyCase() {
        const service = await client();
        if (!service || !adapters.cases) return;
        try {
          const kept = await adapters.cases.values.get<{ caseId: string; identityId: string }>(MY_CASE_KEY);
          if (!kept) return;
          set({ myCase: { caseId: kept.caseId, identityId: kept.identityId } });
        } catch (error) {
          set({ myCase: null });
          get().notify('error', toUiError(error).message);
          return;
        }
        await fetchMyCase();
      },

      async openCase({ lostIdentityId, note }) {
        const service = await client();
        if (!service || !adapters.cases) return appError('SERVICE_UNREACHABLE', { reason: 'no escrow service is configured for this app' });
        const own = ownIdentity();
        if (!own) return appError('NO_OWNER_KEY');
        const lost = lostIdentityId.trim();
        // A case recovers files to a new identity: the lost one cannot be this browser's own.
        if (lost === own.identity.id) return appError('KEY_IS_ESCROWED_OWNER');
        try {
          // Signed by this browser's (new) identity, under the context `keyward/v2 case`.
          const body = await signCaseRequest(own.identity, { lostIdentityId: lost, note: note.trim(), now: new Date(now()) });
          const opened = await service.post<{ caseId: string; state: CaseState; openedAt: string }>('/v1/cases', body);
          const kept = { caseId: opened.caseId, identityId: own.identity.id };
          await adapters.cases.values.set(MY_CASE_KEY, kept);
          set({ myCase: kept });
        } catch (error) {
          return toUiError(error);
        }
        return fetchMyCase();
      },

      refreshMyCase: fetchMyCase,

      async downloadCaseBlobs() {
        const mine = get().myCase;
        if (!mine?.detail) return appError('CASE_UNKNOWN');
        if (mine.detail.state !== 'ready') return appError('CASE_STATE', { reason: 'the case is not ready yet' });
        const service = await client();
        if (!service) return appError('SERVICE_UNREACHABLE', { reason: 'no escrow service is configured for this app' });
        const own = ownIdentity(mine.identityId);
        if (!own) return appError('KEY_GONE');
        try {
          const got = await asApplicant(service, own.identity, (session) =>
            service.get<{ partials: unknown[]; recoveries: unknown[] }>(path(mine.caseId, '/blobs'), session),
          );
          // Kept per file of the case, and only blobs issued to this identity: the core checks each again when it opens the file.
          const files = new Map(mine.detail.files.map((f) => [f.fileId, [] as string[]]));
          for (const blob of [...got.partials, ...got.recoveries]) {
            const text = blobText(blob);
            const parsed = parseSignedObject(text);
            if (parsed.kind !== 'partial' && parsed.kind !== 'recovery-v2') continue;
            if (parsed.blob.owner.id !== own.identity.id) continue;
            files.get(parsed.blob.fileId)?.push(text);
          }
          patchMyCase({ blobs: [...files].map(([fileId, texts]) => ({ fileId, texts })) });
          return null;
        } catch (error) {
          return toUiError(error);
        }
      },

      decryptWithCase(fileId, file) {
        const texts = get().myCase?.blobs?.find((b) => b.fileId === fileId)?.texts ?? [];
        if (texts.length === 0) return appError('NOT_A_BLOB', { reason: 'no recovery blob of this case is for that file' });
        const blobs = texts.map((text, i) => new File([text], `${fileId}-${String(i + 1)}.json`, { type: 'application/json' }));
        get().decryptWithRecovery(file, blobs.length === 1 ? blobs[0]! : blobs);
        return null;
      },

      async forgetMyCase() {
        applicantSession = null;
        set({ myCase: null });
        try {
          await adapters.cases?.values.delete(MY_CASE_KEY);
        } catch (error) {
          get().notify('error', toUiError(error).message);
        }
      },

      async caseSignIn(options) {
        if ('text' in options && options.text.trim() === '') return appError('KEY_MISSING');
        const service = await client();
        if (!service) return appError('SERVICE_UNREACHABLE', { reason: 'no escrow service is configured for this app' });
        // Held only in this page until sign-out: a member issues partials with it, an authority recovery blobs.
        const named = await signInIdentity(options, get().keys, adapters.crypto);
        if ('error' in named) return named.error;
        try {
          const session = await service.signIn(named.identity);
          deskIdentity = named.identity;
          deskSession = session;
          set({ caseDesk: { identityId: session.identityId, name: session.name, roles: session.roles }, deskCases: [], deskCase: null, deskUploads: {} });
          return null;
        } catch (error) {
          return toUiError(error);
        }
      },

      caseSignOut() {
        deskIdentity = null;
        deskSession = null;
        set({ caseDesk: null, deskCases: [], deskCase: null, deskUploads: {} });
      },

      listCases(state) {
        return atDesk(async (service, session) => {
          const { cases } = await service.get<{ cases: CaseSummary[] }>(`/v1/cases?state=${encodeURIComponent(state)}`, session);
          set({ deskCases: cases, deskCasesState: state });
        });
      },

      openDeskCase(caseId) {
        return atDesk(async (service, session) => {
          set({ deskUploads: {} });
          await reloadDeskCase(service, session, caseId);
        });
      },

      verifyCase(method) {
        const open = get().deskCase;
        if (!open) return Promise.resolve(appError('CASE_UNKNOWN'));
        if (method.trim() === '') return Promise.resolve(appError('REQUEST_INVALID', { reason: 'say how the person’s identity was checked' }));
        return atDesk(async (service, session) => {
          await service.post(path(open.caseId, '/verify'), { method: method.trim() }, session);
          await reloadDeskCase(service, session, open.caseId);
        });
      },

      refuseCase(reason) {
        const open = get().deskCase;
        if (!open) return Promise.resolve(appError('CASE_UNKNOWN'));
        if (reason.trim() === '') return Promise.resolve(appError('REQUEST_INVALID', { reason: 'give the reason for refusing' }));
        return atDesk(async (service, session) => {
          await service.post(path(open.caseId, '/refuse'), { reason: reason.trim() }, session);
          await reloadDeskCase(service, session, open.caseId);
        });
      },

      uploadPartial: (fileId) => issueAndUpload(fileId, 'partial'),
      uploadRecovery: (fileId) => issueAndUpload(fileId, 'recovery'),

      async downloadCaseEscrow(fileId) {
        const open = get().deskCase;
        const file = open?.files.find((f) => f.fileId === fileId);
        if (!open || !file) return appError('CASE_UNKNOWN');
        return atDesk(async (service, session) => {
          const { escrowText } = await caseEscrow(service, session, open, fileId);
          adapters.download.save(new Blob([escrowText], { type: 'application/json' }), `${file.serial}.escrow.json`);
        });
      },

      async downloadCaseIdentity() {
        const open = get().deskCase;
        if (!open) return appError('CASE_UNKNOWN');
        try {
          const pem = await exportPublicIdentity(await caseNewIdentity(open), 'pem');
          adapters.download.save(new Blob([pem], { type: 'application/x-pem-file' }), `case-${open.caseId}.pub.pem`);
          return null;
        } catch (error) {
          return toUiError(error);
        }
      },

      async uploadIssuedRecovery(fileId, chosen) {
        const open = get().deskCase;
        const file = open?.files.find((f) => f.fileId === fileId);
        if (!open || !file) return appError('CASE_UNKNOWN');
        // A recovery blob is a few kilobytes; the service takes no body over 256 KiB, so a larger file is not read.
        if (chosen.size > MAX_UPLOAD_BYTES) return recordUpload(fileId, appError('BODY_TOO_LARGE', { limit: MAX_UPLOAD_BYTES }));
        const outcome = await atDesk(async (service, session) => {
          let text: string;
          try {
            text = await chosen.text();
          } catch {
            throw new KeywardError('FILE_UNREADABLE', { path: chosen.name });
          }
          // Read strictly here, so that the wrong file is named before anything is sent; the service checks the rest.
          const parsed = parseSignedObject(text);
          if (parsed.kind !== 'recovery-v2' || parsed.blob.fileId !== fileId || parsed.blob.owner.id !== open.newIdentityId) {
            throw new KeywardError('BLOB_MISMATCH', { reason: `not a recovery blob for ${file.serial} and the case's new identity` });
          }
          await service.post(path(open.caseId, '/uploads'), JSON.parse(text) as unknown, session);
          await reloadDeskCase(service, session, open.caseId);
        });
        return recordUpload(fileId, outcome);
      },
    };
  };
