/**
 * An in-memory escrow service for the case slice's tests: the routes of
 * recovery cases as the contract (notes/service-api.md) gives them, with the
 * case request's signature and a partial's issuer checked by the core. The
 * real routes are tested against PostgreSQL in src/server; the journey runs
 * the app against them.
 */
import { type EscrowBlobV2, KeywardError, b64u, parsePartialRecovery, parseRecoveryBlobV2 } from '../core/index.ts';
import { checkCaseRequest } from '../core/service-case.ts';
import type { PrivateIdentity } from '../core/index.ts';
import type { CaseAdapters, CaseDetail, CaseServiceClient, CaseSession, CaseState } from './types.ts';

interface FakeCase {
  detail: CaseDetail;
  partials: unknown[];
  recoveries: unknown[];
}

/** The fake and what it recorded; `client` is what the slice gets. */
export function fakeCaseService(options: { officers?: string[]; deposits?: EscrowBlobV2[] } = {}) {
  const officers = new Set(options.officers ?? []);
  const deposits = new Map((options.deposits ?? []).map((blob) => [blob.fileId, blob]));
  const cases = new Map<string, FakeCase>();
  const sessions = new Map<string, CaseSession>();
  const requests: { method: string; path: string; body?: unknown; identityId?: string }[] = [];
  let nextCase = 1;
  let nextToken = 1;
  /** Hooks a test uses to make the service lie. */
  const tamper: { detail?: (detail: CaseDetail) => CaseDetail; deposit?: (blob: EscrowBlobV2) => unknown; blobs?: (found: { partials: unknown[]; recoveries: unknown[] }) => { partials: unknown[]; recoveries: unknown[] } } = {};

  const at = () => new Date(Date.UTC(2026, 11, 6, 12, 0, nextCase)).toISOString();
  const fail = (code: ConstructorParameters<typeof KeywardError>[0], reason?: string) => new KeywardError(code, reason ? { reason } : {});
  const councilsOf = (id: string) => [...deposits.values()].flatMap((b) => (b.authority.kind === 'council' && b.authority.members.some((m) => m.id === id) ? [b.authority.id] : []));
  const rolesOf = (id: string) => {
    const roles: string[] = [];
    if (officers.has(id)) roles.push('officer');
    if (councilsOf(id).length > 0) roles.push('member');
    if ([...cases.values()].some((c) => c.detail.newIdentityId === id)) roles.push('applicant');
    return roles;
  };
  const sessionOf = (session?: CaseSession) => {
    const found = session && sessions.get(session.token);
    if (!found) throw fail('SIGN_IN_REQUIRED');
    return found;
  };
  const need = (session: CaseSession, ...roles: string[]) => {
    if (!roles.some((r) => session.roles.includes(r))) throw fail('NOT_PERMITTED');
  };
  const caseOf = (id: string) => {
    const found = cases.get(id);
    if (!found) throw fail('CASE_UNKNOWN');
    return found;
  };
  const step = (found: FakeCase, event: string, by: string, detail = '') => {
    found.detail.steps.push({ event, at: at(), by, detail });
  };

  function get(path: string, session?: CaseSession): unknown {
    const me = sessionOf(session);
    requests.push({ method: 'GET', path, identityId: me.identityId });
    const url = new URL(path, 'https://escrow.test');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (parts[1] === 'cases' && parts.length === 2) {
      need(me, 'officer', 'member');
      const state = url.searchParams.get('state');
      return { cases: [...cases.values()].filter((c) => !state || c.detail.state === state).map(({ detail }) => ({ caseId: detail.caseId, state: detail.state, lostIdentityId: detail.lostIdentityId, newIdentityId: detail.newIdentityId, name: detail.name, openedAt: detail.openedAt })) };
    }
    if (parts[1] === 'cases' && parts.length === 3) {
      const found = caseOf(parts[2]!);
      if (found.detail.newIdentityId !== me.identityId) need(me, 'officer', 'member');
      const detail = structuredClone(found.detail);
      return tamper.detail ? tamper.detail(detail) : detail;
    }
    if (parts[1] === 'cases' && parts[3] === 'blobs') {
      const found = caseOf(parts[2]!);
      if (found.detail.newIdentityId !== me.identityId) throw fail('NOT_PERMITTED');
      if (found.detail.state !== 'ready') throw fail('CASE_STATE', 'not ready');
      step(found, 'case-download', me.identityId);
      const answer = { partials: structuredClone(found.partials), recoveries: structuredClone(found.recoveries) };
      return tamper.blobs ? tamper.blobs(answer) : answer;
    }
    if (parts[1] === 'deposits' && parts.length === 3) {
      need(me, 'officer', 'member');
      const blob = deposits.get(parts[2]!);
      if (!blob) throw fail('DEPOSIT_UNKNOWN');
      return { blob: tamper.deposit ? tamper.deposit(structuredClone(blob)) : structuredClone(blob), ack: {}, receipts: [] };
    }
    throw fail('REQUEST_INVALID', `no route GET ${path}`);
  }

  /** A case is ready once every file has uploads from as many signers as its threshold (one for an identity's file). */
  const readyIfComplete = (found: FakeCase) => {
    if (found.detail.files.every((f) => new Set(f.uploads.map((u) => u.by)).size >= (f.authority.threshold ?? 1))) found.detail.state = 'ready';
  };

  async function post(path: string, body: unknown, session?: CaseSession): Promise<unknown> {
    const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
    if (parts[1] === 'cases' && parts.length === 2) {
      requests.push({ method: 'POST', path, body });
      const { request, identity } = await checkCaseRequest(body);
      const files = [...deposits.values()].filter((b) => b.owner.id === request.lostIdentityId);
      if (files.length === 0) throw fail('NOT_ENROLLED');
      // As the service: a new identity has one open or verified case; others' cases for the same lost identity do not stop it.
      if ([...cases.values()].some((c) => c.detail.newIdentityId === identity.id && (c.detail.state === 'open' || c.detail.state === 'verified'))) throw fail('CASE_STATE');
      const caseId = `case-${String(nextCase++)}`;
      const found: FakeCase = {
        detail: {
          caseId,
          state: 'open',
          lostIdentityId: request.lostIdentityId,
          newIdentityId: identity.id,
          name: files[0]!.owner.name,
          openedAt: at(),
          newIdentity: { publicKey: b64u(identity.rsaSpki), signingKey: b64u(identity.ed25519Spki) },
          files: files.map((b) => ({ fileId: b.fileId, serial: b.serial, description: b.description, authority: { kind: b.authority.kind, id: b.authority.id, name: b.authority.name, ...(b.authority.kind === 'council' ? { threshold: b.authority.threshold } : {}) }, uploads: [] })),
          steps: [],
        },
        partials: [],
        recoveries: [],
      };
      step(found, 'case-open', identity.id, request.note);
      cases.set(caseId, found);
      return { caseId, state: 'open', openedAt: found.detail.openedAt, auditSeq: 1, files: files.map((b) => b.fileId) };
    }
    const me = sessionOf(session);
    requests.push({ method: 'POST', path, body, identityId: me.identityId });
    const found = caseOf(parts[2]!);
    const move = (from: CaseState, to: CaseState) => {
      if (found.detail.state !== from) throw fail('CASE_STATE');
      found.detail.state = to;
    };
    if (parts[3] === 'verify') {
      need(me, 'officer');
      // One case per lost identity is verified at a time.
      if ([...cases.values()].some((c) => c !== found && c.detail.lostIdentityId === found.detail.lostIdentityId && c.detail.state === 'verified')) throw fail('CASE_STATE');
      move('open', 'verified');
      step(found, 'case-verify', me.identityId, (body as { method: string }).method);
      return { caseId: found.detail.caseId, state: 'verified' };
    }
    if (parts[3] === 'refuse') {
      need(me, 'officer');
      // As the service: any case not refused yet; a verified or ready one's new identity is revoked with it.
      const was = found.detail.state;
      if (was === 'refused') throw fail('CASE_STATE');
      found.detail.state = 'refused';
      step(found, 'case-refuse', me.identityId, (body as { reason: string }).reason);
      return { caseId: found.detail.caseId, state: 'refused', ...(was === 'open' ? {} : { revokedIdentityId: found.detail.newIdentityId }) };
    }
    if (parts[3] === 'uploads' && (body as { issuer?: { kind?: unknown } }).issuer?.kind === 'identity') {
      // An officer's recovery blob (a partial's issuer is a member), for a file escrowed to the identity that issued it.
      need(me, 'officer');
      if (found.detail.state !== 'verified') throw fail('CASE_STATE');
      const recovery = parseRecoveryBlobV2(body);
      const file = found.detail.files.find((f) => f.fileId === recovery.fileId);
      if (!file || recovery.owner.id !== found.detail.newIdentityId) throw fail('BLOB_MISMATCH');
      if (file.authority.kind !== 'identity' || recovery.issuer.id !== file.authority.id) throw fail('SIGNER_UNTRUSTED');
      file.uploads.push({ kind: 'recovery', by: recovery.issuer.id, at: at() });
      found.recoveries.push(body);
      step(found, 'case-upload', me.identityId, file.fileId);
      readyIfComplete(found);
      return { caseId: found.detail.caseId, state: found.detail.state };
    }
    if (parts[3] === 'uploads') {
      need(me, 'member');
      if (found.detail.state !== 'verified') throw fail('CASE_STATE');
      const partial = parsePartialRecovery(body);
      const file = found.detail.files.find((f) => f.fileId === partial.fileId);
      if (!file || partial.owner.id !== found.detail.newIdentityId) throw fail('BLOB_MISMATCH');
      if (partial.issuer.id !== me.identityId || !councilsOf(me.identityId).includes(file.authority.id)) throw fail('OUTSIDE_COUNCIL');
      file.uploads.push({ kind: 'partial', by: me.identityId, index: partial.issuer.index, at: at() });
      found.partials.push(body);
      step(found, 'case-upload', me.identityId, file.fileId);
      readyIfComplete(found);
      return { caseId: found.detail.caseId, state: found.detail.state };
    }
    throw fail('REQUEST_INVALID', `no route POST ${path}`);
  }

  const client: CaseServiceClient = {
    get: <T>(path: string, session?: CaseSession) => {
      try {
        return Promise.resolve(get(path, session) as T);
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
    },
    post: <T>(path: string, body: unknown, session?: CaseSession) => post(path, body, session) as Promise<T>,
    signIn(identity: PrivateIdentity) {
      const roles = rolesOf(identity.id);
      if (roles.length === 0) return Promise.reject(fail('SIGN_IN_FAILED'));
      const session = { token: `t${String(nextToken++)}`, identityId: identity.id, name: identity.id.slice(0, 12), roles, expiresAt: new Date(Date.UTC(2030, 0, 1)).toISOString() };
      sessions.set(session.token, session);
      requests.push({ method: 'POST', path: '/v1/sign-in', identityId: identity.id });
      return Promise.resolve(session);
    },
  };

  return {
    client,
    cases,
    deposits,
    sessions,
    requests,
    tamper,
    /** Ends every session, as an hour passing would. */
    expireSessions: () => {
      sessions.clear();
    },
  };
}

/** Values kept in memory, shared by stores made over the same map (a reload). */
export function memoryCaseAdapters(client: CaseServiceClient | null, kept = new Map<string, unknown>()): CaseAdapters & { kept: Map<string, unknown> } {
  return {
    kept,
    client: () => Promise.resolve(client),
    values: {
      get: <T>(key: string) => Promise.resolve(structuredClone(kept.get(key)) as T | undefined),
      set: (key, value) => {
        kept.set(key, structuredClone(value));
        return Promise.resolve();
      },
      delete: (key) => {
        kept.delete(key);
        return Promise.resolve();
      },
    },
  };
}
