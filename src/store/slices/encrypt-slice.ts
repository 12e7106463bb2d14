/** Encrypting dropped files in the Worker (small ones a few at a time, a large one alone), each with a row of progress and its downloads. */
import type { StateCreator } from 'zustand';
import type { EncryptResult, OutputTarget } from '../../io/crypto-protocol.ts';
import { type StoredCouncil, type StoredKey, councilOf, privateIdentityOf, publicIdentityOf } from '../../io/key-store.ts';
import type { RegisterEntry } from '../../io/register-store.ts';
import { toUiError, appError } from '../errors.ts';
import { ownKeyPair, ownKeyPairs } from './keys-slice.ts';
import { cancelJob, createJobQueue, endedBy, isBusy, partition, pickSaveTarget, releaseTemps } from '../jobs.ts';
import { encryptedName, escrowName, safeDownloadName } from '../names.ts';
import type { Adapters, AppState, EncryptJob, EncryptSlice, UiError } from '../types.ts';

/** The authorities a file may be escrowed to: only public keys whose key ID the user confirmed. */
export function confirmedAuthorities(keys: readonly StoredKey[]): StoredKey[] {
  return keys.filter((k) => k.role === 'authority' && k.confirmedAt !== undefined);
}

/**
 * Where a file's key may be escrowed: a confirmed authority key (`id` its key
 * ID) or a pinned council (`id` its council ID, spec v2 §8).
 */
export type AuthorityChoice = { id: string; name: string; key: StoredKey; council?: undefined } | { id: string; name: string; council: StoredCouncil; key?: undefined };

/** Every confirmed authority key, then every pinned council, as the encrypt panel offers them. */
export function authorityChoices(keys: readonly StoredKey[], councils: readonly StoredCouncil[]): AuthorityChoice[] {
  return [
    ...confirmedAuthorities(keys).map((key) => ({ id: key.keyId, name: key.name, key })),
    ...councils.map((council) => ({ id: council.id, name: council.name, council })),
  ];
}

/** Download names never carry path separators, control or bidi characters (a zip would make folders of `/`). */
const baseName = (name: string) => safeDownloadName(name, 'file');

interface Input {
  file: File;
  description: string;
  /** The owner key pair chosen when the file was dropped. */
  ownerKeyId: string | undefined;
  /** A confirmed authority's key ID or a pinned council's ID. */
  authorityKeyId: string;
  /** A file the person picked; otherwise a temp file (or memory). */
  target?: OutputTarget;
}

/** What the core escrows to: a pinned council, an authority identity, or a v1 authority key. */
function authorityFor(choice: AuthorityChoice) {
  if (choice.council) return councilOf(choice.council);
  const { key } = choice;
  return key.identity ? publicIdentityOf({ ...key, identity: key.identity }) : { publicKey: key.publicKey, keyId: key.keyId, modulusBits: key.modulusBits };
}

export const createEncryptSlice =
  (adapters: Adapters): StateCreator<AppState, [], [], EncryptSlice> =>
  (set, get) => {
    const now = adapters.now ?? Date.now;
    const controllers = new Map<string, AbortController>();
    let nextId = 1;

    const patched = (id: string, change: Partial<EncryptJob>) => get().encryptJobs.map((job) => (job.id === id ? { ...job, ...change } : job));
    const patch = (id: string, change: Partial<EncryptJob>) => {
      set({ encryptJobs: patched(id, change) });
    };

    /** The keys are looked up when the file's turn comes: a key deleted meanwhile fails only this row. */
    function keysFor(input: Input): { owner: StoredKey; authority: AuthorityChoice } | { error: UiError } {
      // The key pair chosen when the file was dropped; deleted meanwhile, this row fails rather than use another.
      const owner = ownKeyPairs(get().keys).find((k) => k.keyId === input.ownerKeyId);
      if (!owner) return { error: appError('NO_OWNER_KEY') };
      const authority = authorityChoices(get().keys, get().councils).find((choice) => choice.id === input.authorityKeyId);
      if (!authority) {
        return {
          error: appError('NO_AUTHORITY'),
        };
      }
      return { owner, authority };
    }

    async function runJob(id: string, input: Input): Promise<void> {
      const keys = keysFor(input);
      if ('error' in keys) {
        patch(id, { status: 'failed', error: keys.error });
        return;
      }
      const { owner, authority } = keys;
      const signer = privateIdentityOf(owner);
      if (authority.council && !signer) {
        // A council's escrow blob is signed by the owner (spec v2 §8.3): a v1 key pair cannot make one.
        patch(id, { status: 'failed', error: appError('KEY_UNSUPPORTED', { reason: 'a council escrow blob is signed, and this key pair cannot sign until you add a signing key under Keys' }) });
        return;
      }
      const { file, description } = input;
      const controller = new AbortController();
      controllers.set(id, controller);
      const target = input.target ?? adapters.tempFiles?.target();
      patch(id, { status: 'running', startedAt: now(), updatedAt: now() });
      let result: EncryptResult | undefined;
      let handedOut = false;
      let registerUnread = false;
      try {
        result = await adapters.crypto.run(
          'encrypt',
          {
            file,
            meta: { name: file.name, type: file.type, size: file.size, lastModified: file.lastModified },
            owner: { publicKey: owner.publicKey, keyId: owner.keyId, modulusBits: owner.modulusBits },
            // An owner identity signs the file (v2); a pinned authority identity then gets a signed v2 escrow blob,
            // a pinned council a council escrow blob (spec v2 §8.3: the core splits the file key).
            ...(signer ? { signer } : {}),
            authority: authorityFor(authority),
            ownerName: owner.name,
            authorityName: authority.name,
            description,
            ...(target ? { target } : {}),
          },
          {
            signal: controller.signal,
            onProgress: (done) => {
              patch(id, { done, updatedAt: now() });
            },
          },
        );
        // A Cancel that arrived as the last chunk was written still wins: nothing is offered or registered.
        if (controller.signal.aborted) {
          patch(id, { status: 'cancelled' });
          return;
        }
        // Registered before it is offered: every file handed out has its escrow blob kept here.
        const entry: RegisterEntry = {
          fileId: result.fileId,
          serial: result.serial,
          name: file.name,
          size: file.size,
          type: file.type,
          encryptedAt: now(),
          description,
          owner: { name: owner.name, keyId: owner.keyId, ...(signer ? { identityId: signer.id } : {}) },
          authority: authority.council
            ? {
                name: authority.name,
                keyId: authority.id,
                identityId: authority.id,
                council: { threshold: authority.council.threshold, members: authority.council.members.length },
              }
            : {
                name: authority.name,
                keyId: authority.key.keyId,
                ...(result.escrowBlob.format === 'keyward-escrow/2' ? { identityId: result.escrowBlob.authority.id } : {}),
              },
          escrowBlob: result.escrowJson,
        };
        await adapters.registerStore.add(entry);
        // Sent to the escrow service by itself when one is configured (kept in the outbox until it is stored).
        void get().queueDeposit(entry);
        const done: Partial<EncryptJob> = {
          status: 'done',
          fileId: result.fileId,
          done: file.size,
          updatedAt: now(),
          serial: result.serial,
          output: result.output,
          ...(result.temp ? { temp: result.temp } : {}),
          escrowJson: result.escrowJson,
        };
        // One update for the row and the register (a thousand files re-render the list once each).
        // Newest first, as the register lists it; not read back from IndexedDB after every file.
        if (get().registerLoaded) set({ encryptJobs: patched(id, done), register: [entry, ...get().register] });
        else {
          registerUnread = true;
          patch(id, done);
        }
        handedOut = true;
      } catch (error) {
        patch(id, endedBy(error));
        return;
      } finally {
        controllers.delete(id);
        // Cancelled at the last moment, or the register could not be written: the output is removed, never offered.
        if (!handedOut && result?.temp) void adapters.tempFiles?.release(result.temp);
      }
      if (!registerUnread) return;
      try {
        await get().loadRegister();
      } catch (error) {
        // The file is done and registered; only the register's view is stale.
        get().notify('error', toUiError(error).message);
      }
    }

    const queue = createJobQueue(runJob);
    /** Rows waiting for the person to pick where their output goes. */
    const parked = new Map<string, Input>();

    const finished = () => get().encryptJobs.filter((job) => job.status === 'done' && job.output && job.escrowJson);
    const escrowFile = (json: string) => new Blob([json], { type: 'application/json' });

    return {
      encryptJobs: [],
      canChooseWhereToSave: adapters.savePicker !== undefined,
      encryptOwnerKeyId: null,

      chooseEncryptOwner(keyId) {
        set({ encryptOwnerKeyId: keyId });
      },

      encryptFiles(list, { description, authorityKeyId, askWhereToSave = false }) {
        const ask = askWhereToSave && adapters.savePicker !== undefined;
        const ownerKeyId = ownKeyPair(get().keys, get().encryptOwnerKeyId)?.keyId;
        // Rows first, then the queue: a file that starts at once patches a row that exists.
        const queued: [string, Input][] = [];
        const jobs: EncryptJob[] = list.map((file) => {
          const id = `e${nextId++}`;
          queued.push([id, { file, description, ownerKeyId, authorityKeyId }]);
          return {
            id,
            fileName: file.name,
            size: file.size,
            status: 'queued',
            done: 0,
            outputName: encryptedName(baseName(file.name)),
            escrowName: escrowName(baseName(file.name)),
            ...(ask ? { awaitingTarget: true } : {}),
          };
        });
        set({ encryptJobs: [...get().encryptJobs, ...jobs] });
        for (const [id, input] of queued) {
          if (ask) parked.set(id, input);
          else queue.add(id, input);
        }
      },

      chooseWhereToSave(id) {
        const job = get().encryptJobs.find((j) => j.id === id);
        return pickSaveTarget(adapters.savePicker, parked, id, job?.outputName ?? 'file.keyward', (input, savedAs) => {
          patch(id, { awaitingTarget: false, savedAs });
          queue.add(id, input);
        });
      },

      cancelEncrypt(id) {
        cancelJob(id, controllers, queue, parked, () => {
          patch(id, { status: 'cancelled', awaitingTarget: false });
        });
      },

      downloadEncrypted(id) {
        const job = get().encryptJobs.find((j) => j.id === id);
        if (job?.status !== 'done' || !job.output) return;
        adapters.download.save(job.output, job.outputName);
        patch(id, { fileDownloaded: true });
      },

      downloadEscrow(id) {
        const job = get().encryptJobs.find((j) => j.id === id);
        if (job?.status !== 'done' || !job.escrowJson) return;
        adapters.download.save(escrowFile(job.escrowJson), job.escrowName);
        patch(id, { escrowDownloaded: true });
      },

      async downloadAllEncrypted() {
        const done = finished();
        if (done.length === 0) return null;
        // The same file dropped twice gives two rows; their names in the zip must differ.
        const used = new Set<string>();
        const unique = (name: string) => {
          let candidate = name;
          for (let i = 2; used.has(candidate); i++) candidate = name.replace(/(\.keyward(?:-escrow\.json)?)$/, ` (${i})$1`);
          used.add(candidate);
          return candidate;
        };
        const entries = done.flatMap((job) => [
          { name: unique(job.outputName), blob: job.output! },
          { name: unique(job.escrowName), blob: escrowFile(job.escrowJson!) },
        ]);
        try {
          await adapters.download.saveZip(entries, 'keyward-encrypted.zip');
          const zipped = new Set(done.map((job) => job.id));
          set({ encryptJobs: get().encryptJobs.map((job) => (zipped.has(job.id) ? { ...job, fileDownloaded: true, escrowDownloaded: true } : job)) });
          return null;
        } catch (error) {
          return toUiError(error);
        }
      },

      clearEncryptJobs() {
        const [keep, drop] = partition(get().encryptJobs, isBusy);
        set({ encryptJobs: keep });
        releaseTemps(adapters, drop);
      },
    };
  };

/**
 * Finished outputs that exist only in this tab: an encrypted file neither
 * downloaded nor streamed into a picked file, or an escrow blob not
 * downloaded. Closing or reloading the tab loses the file for good (the
 * blob stays in the register).
 */
export const notDownloaded = (jobs: readonly EncryptJob[]) =>
  jobs.filter((job) => job.status === 'done' && ((!job.fileDownloaded && !job.savedAs) || !job.escrowDownloaded));
