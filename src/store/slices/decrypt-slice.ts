/** Opening `.keyward` files: with one's own keys, with a recovery blob, or (the authority) with an escrow blob. */
import type { StateCreator } from 'zustand';
import { type KeyBlob, type PrivateKeyInfo, parseSignedObject } from '../../core/index.ts';
import type { OutputTarget, UnlockArgs } from '../../io/crypto-protocol.ts';
import { type StoredKey, councilOf } from '../../io/key-store.ts';
import { appError, toUiError } from '../errors.ts';
import { confirmedAuthorities } from './encrypt-slice.ts';
import { cancelJob, createJobQueue, endedBy, isBusy, partition, pickSaveTarget, releaseTemps } from '../jobs.ts';
import { decryptedName, safeDownloadName, withoutKeywardSuffix } from '../names.ts';
import type { Adapters, AppState, DecryptJob, DecryptSlice, DecryptVia, UiError } from '../types.ts';

/** The private keys this browser holds, as the core takes them. */
export function privateKeysOf(keys: readonly StoredKey[], roles: readonly StoredKey['role'][]): PrivateKeyInfo[] {
  return keys
    .filter((k) => roles.includes(k.role) && k.privateKey)
    .map((k) => ({ keyId: k.keyId, modulusBits: k.modulusBits, publicKey: k.publicKey, privateKey: k.privateKey! }));
}

/** Escrow and recovery blobs are a few kilobytes; a larger file is something else dropped in the wrong place. */
export const MAX_BLOB_BYTES = 1_048_576;

/** Reads and parses a dropped escrow or recovery blob (the authority slice shares this). */
export async function readBlobFile(adapters: Adapters, file: File): Promise<{ text: string; blob: KeyBlob } | { error: UiError }> {
  if (file.size > MAX_BLOB_BYTES) {
    return { error: appError('NOT_A_BLOB', { reason: 'far too large for one' }) };
  }
  try {
    const text = await file.text();
    return { text, blob: await adapters.crypto.run('parseBlob', { text }) };
  } catch (error) {
    return { error: toUiError(error) };
  }
}

/**
 * A recovery or escrow blob dropped where encrypted files go: says which it is
 * and where it belongs (`IS_RECOVERY_BLOB`, `IS_ESCROW_BLOB`) instead of the
 * reader's `NOT_KEYWARD`. Null for anything else (a `.keyward` file starts
 * with its magic, never `{`).
 */
export async function blobInsteadOfFile(file: File): Promise<UiError | null> {
  if (file.size > MAX_BLOB_BYTES || !(await file.slice(0, 64).text()).trimStart().startsWith('{')) return null;
  try {
    const { kind } = parseSignedObject(await file.text());
    if (kind === 'recovery-v1' || kind === 'recovery-v2' || kind === 'partial') return appError('IS_RECOVERY_BLOB');
    if (kind === 'escrow-v1' || kind === 'escrow-v2') return appError('IS_ESCROW_BLOB');
    return null;
  } catch {
    return null;
  }
}

type UnlockFor = () => Promise<UnlockArgs | { error: UiError }>;

export interface DecryptRunner {
  /**
   * Adds a row and queues `file` (small files a few at a time, a large one
   * alone), each decrypted into a temp file (or memory) offered only once it
   * verified. `unlock` is computed when
   * the job starts, from the keys then stored.
   */
  start(file: File, via: DecryptVia, unlock: UnlockFor, askWhereToSave?: boolean): void;
}

export const createDecryptSlice =
  (adapters: Adapters): StateCreator<AppState, [], [], DecryptSlice & { decryptRunner: DecryptRunner }> =>
  (set, get) => {
    const now = adapters.now ?? Date.now;
    const controllers = new Map<string, AbortController>();
    let nextId = 1;
    const patch = (id: string, change: Partial<DecryptJob>) => {
      set({ decryptJobs: get().decryptJobs.map((job) => (job.id === id ? { ...job, ...change } : job)) });
    };

    async function runJob(id: string, file: File, unlockFor: UnlockFor, picked?: OutputTarget): Promise<void> {
      const controller = new AbortController();
      controllers.set(id, controller);
      patch(id, { status: 'running', startedAt: now(), updatedAt: now() });
      try {
        const unlock = await unlockFor();
        if ('error' in unlock) {
          patch(id, { status: 'failed', error: unlock.error });
          return;
        }
        const target = picked ?? adapters.tempFiles?.target();
        const result = await adapters.crypto.run(
          'decrypt',
          { file, unlock, ...(target ? { target } : {}) },
          {
            signal: controller.signal,
            onProgress: (done) => {
              patch(id, { done, updatedAt: now() });
            },
          },
        );
        // spec §7: `output` exists only here, after every chunk and the size check passed.
        if (controller.signal.aborted) {
          releaseTemps(adapters, [result]);
          patch(id, { status: 'cancelled' });
          return;
        }
        // Who signed it, as the row says: "you" for one of this browser's own identities.
        const signedBy = result.signer === null ? null : { id: result.signer, byMe: get().keys.some((k) => k.privateKey && k.identity?.id === result.signer) };
        patch(id, {
          status: 'done',
          done: file.size,
          updatedAt: now(),
          meta: result.meta,
          output: result.output,
          signedBy,
          ...(result.temp ? { temp: result.temp } : {}),
        });
        // Earlier failures for this same file are stale now that it opened (say, once its key was imported).
        const stale = (job: DecryptJob) => job.id !== id && job.status === 'failed' && job.fileName === file.name && job.size === file.size;
        if (get().decryptJobs.some(stale)) set({ decryptJobs: get().decryptJobs.filter((job) => !stale(job)) });
      } catch (error) {
        patch(id, endedBy(error));
      } finally {
        controllers.delete(id);
      }
    }

    type Waiting = { file: File; unlockFor: UnlockFor; target?: OutputTarget };
    const queue = createJobQueue<Waiting>((id, next) => runJob(id, next.file, next.unlockFor, next.target));
    /** Rows waiting for the person to pick where their plaintext goes. */
    const parked = new Map<string, Waiting>();

    const runner: DecryptRunner = {
      start(file, via, unlockFor, askWhereToSave = false) {
        const id = `d${nextId++}`;
        const ask = askWhereToSave && adapters.savePicker !== undefined;
        set({ decryptJobs: [...get().decryptJobs, { id, fileName: file.name, size: file.size, via, status: 'queued', done: 0, ...(ask ? { awaitingTarget: true } : {}) }] });
        if (ask) parked.set(id, { file, unlockFor });
        else queue.add(id, { file, unlockFor });
      },
    };

    return {
      decryptJobs: [],
      decryptRunner: runner,

      decryptFiles(files, options = {}) {
        for (const file of files) {
          runner.start(
            file,
            'own-key',
            async () => {
              const misplaced = await blobInsteadOfFile(file);
              if (misplaced) return { error: misplaced };
              const keys = privateKeysOf(get().keys, ['owner', 'authority-own']);
              return { kind: 'keys', keys } as const;
            },
            options.askWhereToSave,
          );
        }
      },

      chooseWhereToSaveDecrypted(id) {
        const job = get().decryptJobs.find((j) => j.id === id);
        const suggested = safeDownloadName(withoutKeywardSuffix(job?.fileName ?? ''), 'decrypted');
        return pickSaveTarget(adapters.savePicker, parked, id, suggested, (input, savedAs) => {
          patch(id, { awaitingTarget: false, savedAs });
          queue.add(id, input);
        });
      },

      decryptWithRecovery(file, recoveryBlobs) {
        const blobs = recoveryBlobs instanceof Blob ? [recoveryBlobs] : [...recoveryBlobs];
        runner.start(file, 'recovery', async () => {
          const texts: string[] = [];
          const parsed: ReturnType<typeof parseSignedObject>[] = [];
          for (const blob of blobs) {
            if (blob.size > MAX_BLOB_BYTES) return { error: appError('NOT_A_BLOB', { reason: 'far too large for one' }) };
            try {
              const text = await blob.text();
              texts.push(text);
              parsed.push(parseSignedObject(text));
            } catch (error) {
              return { error: toUiError(error) };
            }
          }
          const keys = get().keys;
          const ownKeys = privateKeysOf(keys, ['owner']);
          // councils: owner. Partials from council members (spec v2 §8.4), or several blobs at once: the core checks them
          // against the councils pinned here (whose thresholds count, never a partial's word), and refuses anything
          // that is not a partial among them (a full recovery blob is opened alone).
          const first = parsed[0];
          if (parsed.length > 1 || first?.kind === 'partial') {
            const wanted = first?.kind === 'partial' ? first.blob.owner.keyId : undefined;
            // As for a v2 recovery blob: another own key still goes to the core, which checks the issuers first.
            const key = ownKeys.find((k) => k.keyId === wanted) ?? ownKeys[0];
            if (!key) return { error: appError('NO_MATCHING_KEY', { keyIds: wanted ? [wanted] : [] }) };
            return { kind: 'partials', blobTexts: texts, key, councils: get().councils.map(councilOf) } as const;
          }
          if (!first) return { error: appError('NOT_A_BLOB') };
          const text = texts[0]!;
          const pinned = confirmedAuthorities(keys);
          if (first.kind === 'recovery-v1') {
            // Unsigned: nothing says who issued it. It opens as in v1 while a pinned authority is a v1 key (which
            // can issue nothing else) or none is pinned yet (opening a file before set-up); once every pinned
            // authority is an identity, whose recovery blobs are signed, an unsigned one is refused.
            if (pinned.length > 0 && pinned.every((k) => k.identity)) return { error: appError('SIGNER_UNTRUSTED') };
            const key = ownKeys.find((k) => k.keyId === first.blob.owner.keyId);
            if (!key) return { error: appError('NO_MATCHING_KEY', { keyIds: [first.blob.owner.keyId] }) };
            return { kind: 'blob', blobText: text, key } as const;
          }
          if (first.kind === 'recovery-v2') {
            const wanted = first.blob.owner.keyId;
            // Another own key still goes to the core, which checks the signature and the issuer first (spec v2 §6
            // steps 2-3) and only then the key (NO_MATCHING_KEY): an untrusted blob is refused as untrusted.
            const key = ownKeys.find((k) => k.keyId === wanted) ?? ownKeys[0];
            if (!key) return { error: appError('NO_MATCHING_KEY', { keyIds: [wanted] }) };
            const trusted = pinned.flatMap((k) => (k.identity ? [k.identity.id] : []));
            return { kind: 'recovery-v2', blobText: text, key, trusted } as const;
          }
          return { error: appError(first.kind === 'receipt' ? 'NOT_A_BLOB' : 'NOT_RECOVERY_BLOB') };
        });
      },

      cancelDecrypt(id) {
        cancelJob(id, controllers, queue, parked, () => {
          patch(id, { status: 'cancelled', awaitingTarget: false });
        });
      },

      downloadDecrypted(id) {
        const job = get().decryptJobs.find((j) => j.id === id);
        if (job?.status === 'done' && job.output && job.meta) {
          adapters.download.save(job.output, decryptedName(job.meta.name, job.fileName));
        }
      },

      clearDecryptJobs(vias) {
        const keep = (job: DecryptJob) => isBusy(job) || (vias !== undefined && !vias.includes(job.via));
        const [kept, dropped] = partition(get().decryptJobs, keep);
        set({ decryptJobs: kept });
        releaseTemps(adapters, dropped);
      },
    };
  };
