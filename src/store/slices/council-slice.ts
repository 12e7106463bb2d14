/**
 * Councils at the desk (spec v2 §8), authority mode: an organisation sets a
 * council up from its members' public identities; k members sit together for
 * a drill over deposited escrow blobs. (A member's own check of a council
 * blob, its partial recovery blob and its receipt are the escrow case's, in
 * `authority-slice.ts`.)
 */
import type { StateCreator } from 'zustand';
import type { Bytes, PrivateIdentity, PublicIdentity } from '../../core/index.ts';
import { isErrorCode } from '../../core/index.ts';
import { privateIdentityOf } from '../../io/key-store.ts';
import { appError, toUiError } from '../errors.ts';
import { isPrivateKind, keyOrIdentityKindOf } from '../key-text.ts';
import { councilName, drillReportName } from '../names.ts';
import type { Adapters, AppState, CouncilSlice, CouncilSummary, DrillBlob } from '../types.ts';
import { MAX_BLOB_BYTES } from './decrypt-slice.ts';

/** The most members a council has (spec v2 §8.1). */
export const MAX_COUNCIL_MEMBERS = 16;

export const createCouncilSlice =
  (adapters: Adapters): StateCreator<AppState, [], [], CouncilSlice> =>
  (set, get) => {
    // Keys live here, out of the state: the draft's public identities, and the drill's private ones, never stored.
    const draftIdentities = new Map<string, PublicIdentity>();
    const drillIdentities = new Map<string, PrivateIdentity>();
    const drillBytes = new Map<string, Bytes>();
    let nextBlob = 1;

    /** What a dropped blob says about itself, to show before the drill (the drill itself reads only the bytes). */
    async function describe(bytes: Uint8Array): Promise<Pick<DrillBlob, 'serial' | 'council'>> {
      try {
        const parsed = await adapters.crypto.run('parseSigned', { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) });
        if (parsed.kind !== 'escrow-v2') return {};
        const { authority } = parsed.blob;
        if (authority.kind !== 'council') return { serial: parsed.blob.serial };
        const council: CouncilSummary = { id: authority.id, name: authority.name, threshold: authority.threshold, members: authority.members.map((m) => ({ name: m.name, id: m.id })) };
        return { serial: parsed.blob.serial, council };
      } catch {
        // The drill reports it (MALFORMED) in its place.
        return {};
      }
    }

    return {
      councilDraft: [],
      councilCreated: null,
      drillMembers: [],
      drillBlobs: [],
      drillOutcome: null,

      async addCouncilMember({ text, name }) {
        if (text.trim() === '') return appError('KEY_MISSING');
        // Detected before import: a private key is refused before anything asks for its passphrase.
        const kind = keyOrIdentityKindOf(text);
        if (typeof kind !== 'string') return kind;
        if (isPrivateKind(kind)) return appError('KEY_NOT_PUBLIC');
        if (kind !== 'public-identity') {
          return appError('KEY_UNSUPPORTED', { reason: 'a council member needs an identity, whose signing key signs partial recovery blobs and drill reports, and this is a v1 key' });
        }
        const trimmed = name.trim();
        if (trimmed === '') return appError('NAME_REQUIRED');
        try {
          const imported = await adapters.crypto.run('importKeyOrIdentity', { text, extractable: false });
          if (imported.kind !== 'public-identity') return appError('KEY_NOT_PUBLIC');
          const { identity } = imported;
          const draft = get().councilDraft;
          const twice = draft.find((m) => m.id === identity.id);
          if (twice) return appError('MEMBER_TWICE', { name: twice.name });
          if (draft.length >= MAX_COUNCIL_MEMBERS) return appError('COUNCIL_FULL');
          draftIdentities.set(identity.id, identity);
          set({ councilDraft: [...draft, { id: identity.id, name: trimmed, modulusBits: identity.encryption.modulusBits }], councilCreated: null });
          return null;
        } catch (error) {
          return toUiError(error);
        }
      },

      removeCouncilMember(id) {
        draftIdentities.delete(id);
        set({ councilDraft: get().councilDraft.filter((m) => m.id !== id), councilCreated: null });
      },

      async createCouncil({ name, threshold }) {
        const draft = get().councilDraft;
        const members = draft.flatMap((m) => {
          const identity = draftIdentities.get(m.id);
          return identity ? [{ name: m.name, identity }] : [];
        });
        if (members.length === 0) return appError('KEY_MISSING');
        try {
          // The core checks k and n (spec v2 §8.1: 1 ≤ k ≤ n ≤ 16, no identity twice) and makes the canonical text.
          const { json, ...council } = await adapters.crypto.run('createCouncil', { name: name.trim(), threshold, members });
          const fileName = councilName(council.name);
          adapters.download.save(new Blob([json], { type: 'application/json' }), fileName);
          set({ councilCreated: { ...council, fileName } });
          return null;
        } catch (error) {
          return toUiError(error);
        }
      },

      clearCouncil() {
        draftIdentities.clear();
        set({ councilDraft: [], councilCreated: null });
      },

      async addDrillMember({ text, passphrase }) {
        if (text.trim() === '') return appError('KEY_MISSING');
        const kind = keyOrIdentityKindOf(text);
        if (typeof kind !== 'string') return kind;
        if (!isPrivateKind(kind)) return appError('KEY_NOT_PRIVATE');
        if (kind !== 'private-identity') {
          return appError('KEY_UNSUPPORTED', { reason: 'a drill report is signed by every member, and this v1 key has no signing key' });
        }
        try {
          // Non-extractable, and held only until the drill is cleared or the page closes.
          const imported = await adapters.crypto.run('importKeyOrIdentity', { text, extractable: false, ...(passphrase ? { passphrase } : {}) });
          if (imported.kind !== 'private-identity') return appError('KEY_NOT_PRIVATE');
          const { identity } = imported;
          if (drillIdentities.has(identity.id)) return appError('MEMBER_TWICE');
          drillIdentities.set(identity.id, identity);
          set({ drillMembers: [...get().drillMembers, { id: identity.id }], drillOutcome: null });
          return null;
        } catch (error) {
          return toUiError(error);
        }
      },

      addDeskIdentityToDrill(keyId) {
        const stored = get().keys.find((k) => k.keyId === keyId && k.role === 'authority-own');
        const identity = stored && privateIdentityOf(stored);
        if (!identity) return appError('KEY_GONE');
        if (drillIdentities.has(identity.id)) return appError('MEMBER_TWICE');
        drillIdentities.set(identity.id, identity);
        set({ drillMembers: [...get().drillMembers, { id: identity.id }], drillOutcome: null });
        return null;
      },

      removeDrillMember(id) {
        drillIdentities.delete(id);
        set({ drillMembers: get().drillMembers.filter((m) => m.id !== id), drillOutcome: null });
      },

      async addDrillBlobs(files) {
        const added: DrillBlob[] = [];
        for (const file of files) {
          if (file.size > MAX_BLOB_BYTES) return appError('NOT_A_BLOB', { reason: `${file.name} is far too large for one` });
          let bytes: Bytes;
          try {
            bytes = new Uint8Array(await file.arrayBuffer());
          } catch {
            return appError('FILE_UNREADABLE');
          }
          const id = String(nextBlob++);
          drillBytes.set(id, bytes);
          added.push({ id, fileName: file.name, ...(await describe(bytes)) });
        }
        set({ drillBlobs: [...get().drillBlobs, ...added], drillOutcome: null });
        return null;
      },

      async runDrill() {
        const blobs = get().drillBlobs;
        if (blobs.length === 0) return appError('NO_ESCROW');
        const members = get().drillMembers.flatMap((m) => drillIdentities.get(m.id) ?? []);
        try {
          const { report, json, passed } = await adapters.crypto.run('runDrill', {
            blobs: blobs.map((b) => ({ bytes: drillBytes.get(b.id) ?? new Uint8Array() })),
            members,
          });
          set({
            drillOutcome: {
              passed,
              council: report.council,
              members: report.members,
              json,
              results: report.results.map((r, i) => ({
                fileName: blobs[i]?.fileName ?? '',
                serial: r.serial,
                result: r.result,
                ...(r.result !== 'GOOD' && isErrorCode(r.result) ? { error: appError(r.result) } : {}),
              })),
            },
          });
          return null;
        } catch (error) {
          set({ drillOutcome: null });
          return toUiError(error);
        }
      },

      downloadDrillReport() {
        const outcome = get().drillOutcome;
        if (!outcome) return appError('NO_ESCROW');
        const fileName = drillReportName();
        adapters.download.save(new Blob([outcome.json], { type: 'application/json' }), fileName);
        set({ drillOutcome: { ...outcome, saved: fileName } });
        return null;
      },

      clearDrill() {
        drillIdentities.clear();
        drillBytes.clear();
        set({ drillMembers: [], drillBlobs: [], drillOutcome: null });
      },
    };
  };
