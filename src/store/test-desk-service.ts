/**
 * An escrow service in memory for the desk's store and component tests: it
 * answers as `docs/service.md`'s routes do (sessions, search with paging,
 * exports, receipts checked by the core against the stored blob, the audit
 * chain), through the same client interface the app's `ServiceClient` has.
 * The journey `e2e/officer-works-the-service-desk.spec.ts` runs the real one.
 */
import { nextAuditEntry, type AuditEntry } from '../core/audit.ts';
import { KeywardError, parseReceipt, parseSignedObject, verifyReceipt, type EscrowBlobV2, type PrivateIdentity } from '../core/index.ts';
import type { ServiceClientLike, ServiceSession } from './types.ts';

interface Stored {
  blob: EscrowBlobV2;
  ownerName: string;
  /** Its owner's identity was revoked (a recovery case refused after it was verified). */
  ownerRevokedAt?: string;
  storedAt: string;
  receipts: { by: string; at: string }[];
}

export interface FakeService {
  client: ServiceClientLike;
  /** Registers who may sign in and with which roles. */
  know: (identity: { id: string }, name: string, roles: string[]) => void;
  /** Stores an escrow blob as a deposit (at `storedAt`), its owner's identity revoked at `ownerRevokedAt` if given. */
  deposit: (escrowJson: string, storedAt: string, ownerRevokedAt?: string) => Promise<void>;
  /** Every request: method and path (with query string). */
  requests: string[];
  /** The receipts the service accepted, by file ID. */
  receipts: Map<string, unknown[]>;
  /** The audit log's entries (tests may change one). */
  audit: AuditEntry[];
  /** Makes every session expire (the next request is SIGN_IN_REQUIRED). */
  expireSessions: () => void;
}

const refuse = (code: ConstructorParameters<typeof KeywardError>[0]) => new KeywardError(code);

export function fakeService(): FakeService {
  const people = new Map<string, { name: string; roles: string[] }>();
  const deposits = new Map<string, Stored>();
  const sessions = new Map<string, string>();
  const receipts = new Map<string, unknown[]>();
  const audit: AuditEntry[] = [];
  const requests: string[] = [];
  let tokens = 0;

  const append = async (event: AuditEntry['event'], data: Record<string, string>) => {
    audit.push(await nextAuditEntry(audit.at(-1) ?? null, event, data, new Date(Date.UTC(2026, 11, 1, 9, 0, audit.length)).toISOString()));
  };
  const sessionOf = (session?: ServiceSession) => {
    const who = session && sessions.get(session.token);
    if (!who) throw refuse('SIGN_IN_REQUIRED');
    const roles = people.get(who)?.roles ?? [];
    if (!roles.includes('officer') && !roles.includes('member')) throw refuse('NOT_PERMITTED');
    return who;
  };

  const search = (query: URLSearchParams) => {
    const words = (query.get('q') ?? '').toLowerCase().split(/\s+/).filter(Boolean);
    const all = [...deposits.values()]
      .filter(({ blob, storedAt }) =>
        (!query.get('owner') || blob.owner.id === query.get('owner')) &&
        (!query.get('serial') || blob.serial === query.get('serial')) &&
        words.every((w) => blob.description.toLowerCase().split(/\s+/).includes(w)) &&
        (!query.get('from') || storedAt >= query.get('from')!) &&
        (!query.get('to') || storedAt < query.get('to')!))
      .sort((a, b) => a.storedAt.localeCompare(b.storedAt) || a.blob.fileId.localeCompare(b.blob.fileId));
    const after = query.get('after');
    const start = after ? all.findIndex((d) => d.blob.fileId === after) + 1 : 0;
    const limit = Number(query.get('limit') ?? '100');
    const page = all.slice(start, start + limit);
    return {
      deposits: page.map(({ blob, ownerName, ownerRevokedAt, storedAt, receipts: got }) => ({
        fileId: blob.fileId,
        serial: blob.serial,
        description: blob.description,
        ownerId: blob.owner.id,
        ownerName,
        ...(ownerRevokedAt === undefined ? {} : { ownerRevokedAt }),
        authority: blob.authority.kind === 'council' ? { kind: 'council', id: blob.authority.id, name: blob.authority.name } : { kind: 'identity', id: blob.authority.id, name: blob.authority.name },
        storedAt,
        escrowDigest: 'digest',
        receipts: got,
      })),
      next: start + limit < all.length ? (page.at(-1)?.blob.fileId ?? null) : null,
    };
  };

  const client: ServiceClientLike = {
    // eslint-disable-next-line @typescript-eslint/require-await -- a service answers later, and refuses by rejecting
    async get<T>(path: string, session?: ServiceSession): Promise<T> {
      requests.push(`GET ${path}`);
      const by = sessionOf(session);
      const url = new URL(path, 'https://service.test');
      if (url.pathname === '/v1/deposits') return search(url.searchParams) as T;
      if (url.pathname === '/v1/audit') {
        if (!people.get(by)?.roles.includes('officer')) throw refuse('NOT_PERMITTED');
        return structuredClone({ format: 'keyward-audit/1', entries: audit }) as T;
      }
      throw refuse('REQUEST_INVALID');
    },
    async post<T>(path: string, body: unknown, session?: ServiceSession): Promise<T> {
      requests.push(`POST ${path}`);
      const by = sessionOf(session);
      if (path === '/v1/exports') {
        const { fileIds } = body as { fileIds: string[] };
        const blobs = fileIds.map((id) => {
          const stored = deposits.get(id);
          if (!stored) throw refuse('DEPOSIT_UNKNOWN');
          return structuredClone(stored.blob);
        });
        await append('export', { by, count: String(blobs.length) });
        return { format: 'keyward-bundle/1', exportedAt: '2026-12-01T10:00:00.000Z', blobs } as T;
      }
      if (path === '/v1/receipts') {
        const receipt = parseReceipt(body);
        const stored = deposits.get(receipt.fileId);
        if (!stored) throw refuse('DEPOSIT_UNKNOWN');
        await verifyReceipt(receipt, stored.blob);
        const got = receipts.get(receipt.fileId) ?? [];
        receipts.set(receipt.fileId, [...got, body]);
        stored.receipts.push({ by, at: '2026-12-01T10:05:00.000Z' });
        await append('receipt', { fileId: receipt.fileId, ownerId: stored.blob.owner.id, by, signer: receipt.authority.id });
        return { fileId: receipt.fileId, signer: receipt.authority.id, uploadedAt: '2026-12-01T10:05:00.000Z', auditSeq: audit.length } as T;
      }
      throw refuse('REQUEST_INVALID');
    },
    signIn(identity: PrivateIdentity): Promise<ServiceSession> {
      requests.push('POST /v1/sign-in');
      const person = people.get(identity.id);
      if (!person) return Promise.reject(refuse('SIGN_IN_FAILED'));
      const token = `token-${String(++tokens)}`;
      sessions.set(token, identity.id);
      return Promise.resolve({ token, identityId: identity.id, name: person.name, roles: [...person.roles], expiresAt: '2026-12-01T11:00:00.000Z' });
    },
  };

  return {
    client,
    requests,
    receipts,
    audit,
    know(identity, name, roles) {
      people.set(identity.id, { name, roles });
    },
    async deposit(escrowJson, storedAt, ownerRevokedAt) {
      const parsed = parseSignedObject(escrowJson);
      if (parsed.kind !== 'escrow-v2') throw new Error('expected a v2 escrow blob');
      deposits.set(parsed.blob.fileId, { blob: parsed.blob, ownerName: parsed.blob.owner.name, ...(ownerRevokedAt === undefined ? {} : { ownerRevokedAt }), storedAt, receipts: [] });
      await append('deposit', { fileId: parsed.blob.fileId, serial: parsed.blob.serial, ownerId: parsed.blob.owner.id });
    },
    expireSessions() {
      sessions.clear();
    },
  };
}
