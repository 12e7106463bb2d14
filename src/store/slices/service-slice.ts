/**
 * The owner's side of the escrow service: enrolment with an officer's
 * one-time code, the deposit outbox (every signed escrow blob made here is
 * queued in IndexedDB and sent by itself, retried with a growing wait,
 * idempotent by file ID), each file's state ("not sent", "stored" once the
 * service's signed acknowledgement verified against the pinned service key,
 * "checked by NAME" once a receipt the service holds verified against the
 * blob), and the person's own escrow log.
 */
import type { StateCreator } from 'zustand';
import { KeywardError, exportPublicIdentity, isKeywardError, parseSignedObject } from '../../core/index.ts';
import type { ServedAuthority } from '../../core/service.ts';
import { privateIdentityOf, publicIdentityOf } from '../../io/key-store.ts';
import type { OutboxEntry } from '../../io/records.ts';
import { type ServiceSession, isServiceRefusal } from '../../io/service-client.ts';
import { appError, toUiError } from '../errors.ts';
import type { Adapters, AppState, DepositState, Enrolment, EscrowEvent, RegisterEntry, ServiceAdapters, ServiceConnection, ServiceSlice, UiError } from '../types.ts';

export type { DepositState, Enrolment, EscrowEvent, ServiceSlice } from '../types.ts';
import { ownKeyPair } from './keys-slice.ts';

/** Codes after which a blob is never sent again: the service looked at it and said no. */
const FINAL = new Set(['DEPOSIT_CONFLICT', 'SIGNATURE_INVALID', 'SIGNER_UNTRUSTED', 'ESCROW_INVALID', 'MALFORMED', 'REQUEST_INVALID', 'BODY_TOO_LARGE']);

/** The first retry waits 2 s, then twice as long each time, at most 5 minutes. */
export function retryDelay(attempts: number): number {
  return Math.min(2000 * 2 ** Math.max(0, attempts - 1), 5 * 60_000);
}

export const ENROLMENT_KEY = 'enrolment';

function stateOf(entry: OutboxEntry): DepositState {
  if (entry.ack !== undefined) return { state: 'stored', storedAt: (JSON.parse(entry.ack) as { storedAt: string }).storedAt };
  const error = entry.lastError === undefined ? undefined : appError(entry.lastError as UiError['code']);
  if (entry.refused && error) return { state: 'refused', error };
  return error ? { state: 'not sent', lastError: error } : { state: 'not sent' };
}

/** The person-facing words for an audit event on their files. */
export const EVENT_NAMES: Record<string, string> = {
  'enrol-code': 'Enrolment code issued',
  enrol: 'Identity enrolled',
  deposit: 'Escrow blob stored',
  receipt: 'Escrow blob checked by the authority',
  export: 'Escrow blobs exported by the authority',
  'case-open': 'Recovery case opened',
  'case-verify': 'Recovery: the person’s identity was checked',
  'case-refuse': 'Recovery case refused',
  'case-upload': 'Recovery: a key share was uploaded',
  'case-download': 'Recovery: the key shares were downloaded',
};

export const createServiceSlice =
  (adapters: Adapters): StateCreator<AppState, [], [], ServiceSlice> =>
  (set, get) => {
    const service: ServiceAdapters | undefined = adapters.service;
    const now = adapters.now ?? Date.now;
    let sending: Promise<void> | null = null;
    let again = false;
    const more = () => again;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let session: ServiceSession | null = null;

    const setDeposit = (entry: OutboxEntry) => {
      set({ deposits: { ...get().deposits, [entry.fileId]: stateOf(entry) } });
    };

    /** Wakes up when the earliest waiting blob's wait is over. */
    const schedule = (entries: readonly OutboxEntry[]) => {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      const waiting = entries.filter((e) => e.ack === undefined && !e.refused).map((e) => e.notBefore);
      if (waiting.length === 0 || !service?.timers) return;
      const delay = Math.max(0, Math.min(...waiting) - now());
      timer = setTimeout(() => {
        timer = undefined;
        void get().sendDeposits();
      }, delay);
    };

    const ownerIdentity = () => {
      const owner = ownKeyPair(get().keys, get().encryptOwnerKeyId);
      return owner ? privateIdentityOf(owner) : undefined;
    };

    /** A session as the owner (signed in again when the last one is about to end). */
    const signedIn = async () => {
      const client = await service?.connect();
      const identity = ownerIdentity();
      if (!client || !identity) throw new KeywardError('NO_OWNER_KEY');
      if (!session || session.identityId !== identity.id || Date.parse(session.expiresAt) - now() < 60_000) session = await client.signIn(identity);
      return { client, session };
    };

    /** What the service keeps escrow for, read again; not known (`null`) when it cannot be read. */
    const readServed = async (client: ServiceConnection) => {
      try {
        set({ servedAuthorities: await client.authorities() });
      } catch {
        set({ servedAuthorities: null });
      }
    };

    async function sendWaiting(all: boolean): Promise<void> {
      const client = await service?.connect();
      if (!service || !client) return;
      const entries = await service.store.outbox();
      let sent = false;
      for (const entry of entries) {
        if (entry.ack !== undefined || entry.refused || (!all && entry.notBefore > now())) continue;
        sent = true;
        let next: OutboxEntry;
        try {
          const ack = await client.deposit(entry.blob);
          next = { ...entry, ack: JSON.stringify(ack), storedAt: now() };
          delete next.lastError;
        } catch (error) {
          const code = isKeywardError(error) ? error.code : 'INTERNAL';
          const attempts = entry.attempts + 1;
          // Refused for good only when the service itself said so about the blob; an acknowledgement that
          // does not verify (or an unreachable service) is kept and sent again later.
          const refused = isServiceRefusal(error) && FINAL.has(code);
          next = { ...entry, attempts, notBefore: now() + retryDelay(attempts), lastError: code, ...(refused ? { refused: true } : {}) };
        }
        await service.store.putOutbox(next);
        setDeposit(next);
      }
      // An officer may have registered an authority since (or the service learnt of a refusal's cause): read it again.
      if (sent) await readServed(client);
      schedule(await service.store.outbox());
    }

    return {
      serviceConfigured: null,
      enrolment: null,
      deposits: {},
      escrowLog: null,
      servedAuthorities: null,

      async startService() {
        if (!service) {
          set({ serviceConfigured: false });
          return;
        }
        try {
          const client = await service.connect();
          if (!client) {
            set({ serviceConfigured: false });
            return;
          }
          const [entries, enrolment] = await Promise.all([service.store.outbox(), service.store.getValue<Enrolment>(ENROLMENT_KEY)]);
          set({
            serviceConfigured: true,
            enrolment: enrolment ?? null,
            deposits: Object.fromEntries(entries.map((e) => [e.fileId, stateOf(e)])),
          });
          service.onOnline?.(() => void get().sendDeposits({ all: true }));
          await readServed(client);
          await get().sendDeposits();
        } catch (error) {
          get().notify('error', toUiError(error).message);
        }
      },

      async enrol(code) {
        const client = await service?.connect();
        if (!service || !client) return appError('SERVICE_UNREACHABLE');
        const owner = ownKeyPair(get().keys, get().encryptOwnerKeyId);
        if (!owner) return appError('NO_OWNER_KEY');
        if (!owner.identity) return appError('KEY_UNSUPPORTED', { reason: 'enrolment needs an identity: add a signing key to your key pair under Keys first' });
        try {
          const text = await exportPublicIdentity(publicIdentityOf({ ...owner, identity: owner.identity }), 'pem');
          const enrolled = await client.enrol(code.trim(), text);
          const enrolment: Enrolment = { identityId: enrolled.identityId, name: enrolled.name, enrolledAt: enrolled.enrolledAt };
          await service.store.setValue(ENROLMENT_KEY, enrolment);
          set({ enrolment });
          // Blobs that waited for the enrolment go now.
          void get().sendDeposits({ all: true });
          return null;
        } catch (error) {
          return toUiError(error);
        }
      },

      async queueDeposit(entry) {
        if (!service || get().serviceConfigured !== true) return;
        // The service takes signed (v2) blobs only; a v1 blob stays with the download flow.
        if (entry.authority.identityId === undefined || parseSignedObject(entry.escrowBlob).kind !== 'escrow-v2') return;
        const queued: OutboxEntry = { fileId: entry.fileId, blob: entry.escrowBlob, queuedAt: now(), attempts: 0, notBefore: 0 };
        try {
          if (await service.store.enqueue(queued)) setDeposit(queued);
          await get().sendDeposits();
        } catch (error) {
          get().notify('error', toUiError(error).message);
        }
      },

      sendDeposits(options = {}) {
        // One send at a time; a call while sending runs once more after it.
        if (sending) {
          again = true;
          return sending;
        }
        const run = async () => {
          try {
            do {
              again = false;
              await sendWaiting(options.all === true);
            } while (more());
          } catch (error) {
            get().notify('error', toUiError(error).message);
          } finally {
            sending = null;
          }
        };
        sending = run();
        return sending;
      },

      async checkReceipts() {
        try {
          const { client, session: current } = await signedIn();
          const answer = await client.get<{ deposits: { fileId: string; receipts: unknown[] }[] }>('/v1/me/deposits', current);
          for (const deposit of answer.deposits) {
            const entry = get().register.find((e) => e.fileId === deposit.fileId);
            if (!entry || entry.receipt) continue;
            for (const receipt of deposit.receipts) {
              const receiptText = JSON.stringify(receipt);
              try {
                // The core's check against the blob kept here: the service's word is not enough.
                const verified = await adapters.crypto.run('verifyReceipt', { receiptText, escrowText: entry.escrowBlob });
                const updated = await adapters.registerStore.addReceipt(entry.fileId, { json: receiptText, receivedAt: Date.parse(verified.receivedAt) });
                set({ register: get().register.map((e) => (e.fileId === updated.fileId ? updated : e)) });
                break;
              } catch (error) {
                if (!isKeywardError(error) || error.code.startsWith('DB_')) throw error;
                // A receipt that does not verify is not shown; the next one may.
              }
            }
          }
          return null;
        } catch (error) {
          return toUiError(error);
        }
      },

      async loadEscrowLog() {
        try {
          const { client, session: current } = await signedIn();
          const answer = await client.get<{ entries: EscrowEvent[] }>('/v1/me/events', current);
          set({ escrowLog: answer.entries.map(({ seq, at, event, data }) => ({ seq, at, event, data })) });
          return null;
        } catch (error) {
          return toUiError(error);
        }
      },
    };
  };

/** Why escrow blobs are not at the service: each answer it gave (or each failure to reach it) once, with how many blobs it holds back. */
export interface DepositAnswer {
  /** One per answer: refused or waiting, and the code. */
  key: string;
  error: UiError;
  count: number;
  /** The service refused them for good (they are not sent again); otherwise they are sent again later. */
  refused: boolean;
}

/** The answers behind the deposits that are not stored, refused ones first, in the order first met. */
export function depositAnswers(deposits: Readonly<Record<string, DepositState>>): DepositAnswer[] {
  const answers = new Map<string, DepositAnswer>();
  for (const deposit of Object.values(deposits)) {
    const error = deposit.state === 'refused' ? deposit.error : deposit.state === 'not sent' ? deposit.lastError : undefined;
    if (!error) continue;
    const refused = deposit.state === 'refused';
    const key = `${refused ? 'refused' : 'waiting'} ${error.code}`;
    const known = answers.get(key);
    if (known) known.count++;
    else answers.set(key, { key, error, count: 1, refused });
  }
  return [...answers.values()].sort((a, b) => Number(b.refused) - Number(a.refused));
}

/**
 * Whether the service keeps escrow for an authority (an identity, by its identity ID; a council, by its
 * council ID): `null` when that is not known. A v1 key (no identity ID) is never one: the service takes signed blobs only.
 */
export function keptByService(served: readonly ServedAuthority[] | null, kind: ServedAuthority['kind'], id: string | undefined): boolean | null {
  if (served === null) return null;
  return id !== undefined && served.some((authority) => authority.kind === kind && authority.id === id);
}

/** What the register says about a file's escrow blob at the service; `null` when no service is configured. */
export function depositLabel(entry: RegisterEntry, deposit: DepositState | undefined, configured: boolean | null): string | null {
  if (configured !== true) return null;
  if (entry.authority.identityId === undefined) return 'Not sent (v1 blobs go by hand)';
  if (entry.receipt) return `Checked by ${(parseSignedObject(entry.receipt.json) as { receipt?: { authority: { name: string } } }).receipt?.authority.name ?? entry.authority.name}`;
  if (!deposit || deposit.state === 'not sent') return 'Not sent';
  if (deposit.state === 'refused') return 'Refused by the service';
  return 'Stored';
}
