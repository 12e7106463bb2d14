/**
 * Authority mode: check escrow blobs (one, many, or the owner's register zip),
 * answer each good signed (v2) one with a receipt, then, for one of them,
 * decrypt the file or issue a recovery blob for the owner's new key or
 * identity once its ID was compared with the owner.
 */
import type { StateCreator } from 'zustand';
import { ESCROW_FORMAT, type EscrowBlobV2, type PrivateIdentity, type PublicIdentity, type PublicKeyInfo } from '../../core/index.ts';
import { isZipFile, readEscrowZip } from '../../io/escrow-zip.ts';
import { privateIdentityOf } from '../../io/key-store.ts';
import { appError, toUiError } from '../errors.ts';
import { isPrivateKind, keyOrIdentityKindOf } from '../key-text.ts';
import { partialName, receiptName, recoveryName } from '../names.ts';
import type { Adapters, AppState, AuthoritySlice, EscrowBlob, EscrowCase, EscrowListItem, MemberStanding, UiError } from '../types.ts';
import { type DecryptRunner, MAX_BLOB_BYTES, privateKeysOf } from './decrypt-slice.ts';

/** One blob to check: its name in the list, and its parsed text, or why it could not be read. */
type Found = { fileName: string } & ({ text: string; blob: EscrowBlob } | { error: UiError });

/** What a blob's check found: v1, its MAC verified; v2, every check of spec v2 §4 passed. */
type Outcome = { verified: true; ownerKeyId?: string; member?: MemberStanding } | { verified: false; error: UiError };

/** A signed (v2) escrow blob, which the authority checks against the file it names (spec v2 §4). */
export const isSignedEscrow = (blob: EscrowBlob): blob is EscrowBlobV2 => blob.format === 'keyward-escrow/2';

// councils: desk
/** A council's escrow blob (spec v2 §8.3): each member checks its own share; no one member can open it. */
export const isCouncilEscrow = (blob: EscrowBlob): blob is EscrowBlobV2 & { authority: { kind: 'council' } } =>
  isSignedEscrow(blob) && blob.authority.kind === 'council';

/** The IDs of whoever a blob escrows to: an authority's key and identity IDs, or a council's ID and its members' identity IDs. */
function escrowedToIds(blob: EscrowBlob): string[] {
  const { authority } = blob;
  if ('kind' in authority && authority.kind === 'council') return [authority.id, ...authority.members.map((m) => m.id)];
  return 'id' in authority ? [authority.keyId, authority.id] : [authority.keyId];
}
// councils: desk end

export const createAuthoritySlice =
  (adapters: Adapters): StateCreator<AppState & { decryptRunner: DecryptRunner }, [], [], AuthoritySlice> =>
  (set, get) => {
    const authorityKeyFor = (keyId: string) => privateKeysOf(get().keys, ['authority-own']).find((k) => k.keyId === keyId);
    const ownIdentities = () => get().keys.filter((k) => k.role === 'authority-own').flatMap((k) => privateIdentityOf(k) ?? []);
    /**
     * The identity to check a v2 blob with: the one it names, or else any of
     * this authority's, so that spec v2 §4's checks still run in order and the
     * blob is refused by the first that fails (check 7, `NO_MATCHING_KEY`,
     * comes after the signatures).
     */
    const identityToCheck = (blob: EscrowBlobV2) => {
      const own = ownIdentities();
      return own.find((i) => namedBy(blob, i)) ?? own[0];
    };
    /** The identity named by a good v2 blob (its authority, or a member of its council), for what is issued from it. */
    const identityOf = (blob: EscrowBlob) => (isSignedEscrow(blob) ? ownIdentities().find((i) => namedBy(blob, i)) : undefined);
    /** True when a v2 blob is for this identity: it is the blob's authority, or a member of its council (spec v2 §8.3 check 7). */
    const namedBy = (blob: EscrowBlobV2, identity: PrivateIdentity) =>
      blob.authority.kind === 'council' ? blob.authority.members.some((m) => m.id === identity.id) : blob.authority.id === identity.id;
    const nameOf = (identity: PrivateIdentity) => get().keys.find((k) => k.keyId === identity.encryption.keyId)?.name ?? '';
    let loads = 0;
    let nextId = 1;

    /** Reads and parses one dropped blob file: an escrow blob of either version, or why it is not one. */
    async function readEscrowFile(fileName: string, read: () => Promise<string>): Promise<Found> {
      try {
        const text = await read();
        const parsed = await adapters.crypto.run('parseSigned', { text });
        if (parsed.kind === 'escrow-v1' || parsed.kind === 'escrow-v2') return { fileName, text, blob: parsed.blob };
        if (parsed.kind === 'receipt') return { fileName, error: appError('NOT_A_BLOB', { reason: 'it is a receipt, which the owner imports' }) };
        return { fileName, error: appError('NOT_ESCROW_BLOB') };
      } catch (error) {
        return { fileName, error: toUiError(error) };
      }
    }

    /** Each dropped file's blobs: a blob file is one, a zip gives one per `.json` entry (or its own error). */
    async function findBlobs(files: readonly File[]): Promise<{ found: Found[]; skipped: string[] }> {
      const found: Found[] = [];
      const skipped: string[] = [];
      for (const file of files) {
        if (!isZipFile(file)) {
          if (file.size > MAX_BLOB_BYTES) found.push({ fileName: file.name, error: appError('NOT_A_BLOB', { reason: 'far too large for one' }) });
          else found.push(await readEscrowFile(file.name, () => file.text()));
          continue;
        }
        try {
          const zip = await readEscrowZip(file);
          skipped.push(...zip.skipped.map((name) => `${file.name} › ${name}`));
          if (zip.blobs.length === 0) found.push({ fileName: file.name, error: appError('ZIP_NO_BLOBS') });
          for (const entry of zip.blobs) {
            const fileName = `${file.name} › ${entry.name}`;
            found.push('error' in entry ? { fileName, error: toUiError(entry.error) } : await readEscrowFile(fileName, () => Promise.resolve(entry.text)));
          }
        } catch (error) {
          found.push({ fileName: file.name, error: toUiError(error) });
        }
      }
      return { found, skipped };
    }

    /**
     * v2 (spec v2 §4): every check in order, the first failure blaming the
     * blob. v1 (spec §5): the authority's key unwraps the blob and its MAC
     * verifies, which proves nothing about the file (shown as unsigned).
     */
    async function check(text: string, blob: EscrowBlob): Promise<Outcome> {
      if (isSignedEscrow(blob)) {
        const identity = identityToCheck(blob);
        if (!identity) return { verified: false, error: appError('NO_MATCHING_KEY', { keyIds: [blob.authority.kind === 'council' ? blob.authority.id : blob.authority.keyId] }) };
        // councils: desk: a council blob gets the member's check (spec v2 §8.3 checks 1–8) with this desk's identity.
        if (blob.authority.kind === 'council') {
          try {
            const checked = await adapters.crypto.run('checkEscrowAsMember', { text, member: identity });
            return { verified: true, ownerKeyId: checked.ownerKeyId, member: { council: checked.council, index: checked.index, provesKey: checked.provesKey } };
          } catch (error) {
            return { verified: false, error: toUiError(error) };
          }
        }
        try {
          const checked = await adapters.crypto.run('checkEscrow', { text, authority: identity });
          return { verified: true, ownerKeyId: checked.ownerKeyId };
        } catch (error) {
          return { verified: false, error: toUiError(error) };
        }
      }
      if (blob.format !== ESCROW_FORMAT) return { verified: false, error: appError('NOT_ESCROW_BLOB') };
      const key = authorityKeyFor(blob.authority.keyId);
      if (!key) {
        return {
          verified: false,
          error: appError('NO_MATCHING_KEY', { keyIds: [blob.authority.keyId] }),
        };
      }
      try {
        await adapters.crypto.run('openBlob', { text, key });
        return { verified: true };
      } catch (error) {
        return { verified: false, error: toUiError(error) };
      }
    }

    /**
     * The owner's new public key (a v1 blob) or public identity (a v2 blob:
     * the recovery blob is signed and names it), refused when it is private, a
     * backup authority's (the one this blob is for, or any stored here), or
     * the one the file was already encrypted for.
     */
    async function newOwnerKey(text: string): Promise<{ key: PublicKeyInfo; identity?: PublicIdentity } | { error: UiError }> {
      const escrow = get().escrowCase;
      if (!escrow?.verified) return { error: appError('NO_ESCROW') };
      if (text.trim() === '') return { error: appError('KEY_MISSING') };
      // Detected before import: an encrypted private key would otherwise ask for its passphrase.
      const kind = keyOrIdentityKindOf(text);
      if (typeof kind !== 'string') return { error: kind };
      if (isPrivateKind(kind)) return { error: appError('KEY_NOT_PUBLIC') };
      const { blob } = escrow;
      // A signed recovery blob names the owner's new identity (spec v2 §6); an RSA key alone cannot be named.
      if (isSignedEscrow(blob) && kind !== 'public-identity') {
        return { error: appError('KEY_UNSUPPORTED', { reason: 'a signed recovery blob is issued to the owner’s new identity, and this public key has no signing key (a v1 key)' }) };
      }
      try {
        const imported = await adapters.crypto.run('importKeyOrIdentity', { text, extractable: false });
        let found: { key: PublicKeyInfo; identity?: PublicIdentity };
        // A v1 recovery blob names an RSA key: for a v1 blob, an identity's RSA key is what is compared.
        if (imported.kind === 'public-identity') found = isSignedEscrow(blob) ? { key: imported.identity.encryption, identity: imported.identity } : { key: imported.identity.encryption };
        else if (imported.kind === 'public') found = { key: { publicKey: imported.publicKey, keyId: imported.keyId, modulusBits: imported.modulusBits } };
        else return { error: appError('KEY_NOT_PUBLIC') };
        const authorities = get().keys.filter((k) => k.role === 'authority-own' || k.role === 'authority');
        const authorityIds = [...escrowedToIds(blob), ...authorities.flatMap((k) => [k.keyId, ...(k.identity ? [k.identity.id] : [])])];
        if (authorityIds.includes(found.key.keyId) || (found.identity && authorityIds.includes(found.identity.id))) {
          return { error: appError('KEY_IS_AUTHORITY') };
        }
        // The owner lost this key; a blob for it only helps someone who still has it, and they need none.
        const lostIds = 'keyId' in blob.owner ? [blob.owner.keyId] : [blob.owner.id, ...(escrow.ownerKeyId ? [escrow.ownerKeyId] : [])];
        if (lostIds.includes(found.key.keyId) || (found.identity && lostIds.includes(found.identity.id))) return { error: appError('KEY_IS_ESCROWED_OWNER') };
        return found;
      } catch (error) {
        return { error: toUiError(error) };
      }
    }

    /**
     * A key pair just imported may be the one blobs shown as `NO_MATCHING_KEY`
     * are for: they are checked again, so that error does not outlive its cause.
     */
    async function recheckFor(keyId: string): Promise<void> {
      // A council blob names no member's key ID: each waiting one is checked again with the identities now stored.
      const waiting = (item: { verified: boolean; error?: UiError | undefined; blob?: EscrowBlob | undefined }) =>
        !item.verified && item.error?.code === 'NO_MATCHING_KEY' && item.blob !== undefined && ('keyId' in item.blob.authority ? item.blob.authority.keyId === keyId : isCouncilEscrow(item.blob));
      const escrow = get().escrowCase;
      if (escrow && waiting(escrow)) {
        const outcome = await check(escrow.text, escrow.blob);
        if (get().escrowCase === escrow) set({ escrowCase: { fileName: escrow.fileName, text: escrow.text, blob: escrow.blob, ...outcome } });
      }
      for (const item of get().escrowList.filter(waiting)) {
        if (item.text === undefined || !item.blob) continue;
        const next: EscrowListItem = { ...item, ...(await check(item.text, item.blob)) };
        if (next.verified) delete next.error;
        set({ escrowList: get().escrowList.map((i) => (i === item ? next : i)) });
      }
    }

    /** Signed receipts (spec v2 §5) for good v2 blobs, each blob checked whole again by the Worker first. */
    async function receiptsFor(blobs: readonly { text?: string | undefined; blob?: EscrowBlob | undefined }[]): Promise<{ text: string; name: string; json: string }[]> {
      const receipts: { text: string; name: string; json: string }[] = [];
      for (const { text, blob } of blobs) {
        const identity = blob && identityOf(blob);
        if (text === undefined || !identity) continue;
        const { serial, json } = await adapters.crypto.run('issueReceipt', { escrowText: text, authority: identity, name: nameOf(identity) });
        receipts.push({ text, name: receiptName(serial), json });
      }
      return receipts;
    }

    /** Marks the case and the list's blobs whose receipts were downloaded. */
    function markReceipted(receipts: readonly { text: string; name: string }[]) {
      const names = new Map(receipts.map((r) => [r.text, r.name]));
      const escrow = get().escrowCase;
      const caseName = escrow && names.get(escrow.text);
      set({
        escrowList: get().escrowList.map((i) => {
          const name = i.text === undefined ? undefined : names.get(i.text);
          return name ? { ...i, receipt: { name } } : i;
        }),
        ...(escrow && caseName ? { escrowCase: { ...escrow, receipt: { name: caseName } } satisfies EscrowCase } : {}),
      });
    }

    return {
      escrowCase: null,
      escrowLoadError: null,
      escrowList: [],
      escrowSkipped: [],

      async importAuthorityKey({ text, name, passphrase }) {
        if (text.trim() === '') return { error: appError('KEY_MISSING') };
        const kind = keyOrIdentityKindOf(text);
        if (typeof kind !== 'string') return { error: kind };
        // A public key alone cannot open escrow blobs; refuse it before anything is stored.
        if (!isPrivateKind(kind)) return { error: appError('KEY_NOT_PRIVATE') };
        const imported = await get().importKey({ text, name, privateRole: 'authority-own', ...(passphrase ? { passphrase } : {}) });
        if ('key' in imported) await recheckFor(imported.key.keyId);
        return imported;
      },

      async loadEscrowBlobs(files) {
        if (files.length === 0) return;
        const load = ++loads;
        const { found, skipped } = await findBlobs(files);
        if (load !== loads) return;

        // One blob file dropped alone opens at once, as its case (or says why it is no blob).
        const only = found[0];
        if (files.length === 1 && found.length === 1 && only && !isZipFile(files[0]!)) {
          if ('error' in only) {
            set({ escrowCase: null, escrowList: [], escrowSkipped: [], escrowLoadError: { fileName: only.fileName, error: only.error } });
            return;
          }
          const outcome = await check(only.text, only.blob);
          if (load !== loads) return;
          set({ escrowList: [], escrowSkipped: [], escrowLoadError: null, escrowCase: { fileName: only.fileName, text: only.text, blob: only.blob, ...outcome } });
          return;
        }

        // Several: a list, each blob judged on its own as its check finishes.
        const items: EscrowListItem[] = found.map((f) => {
          const id = String(nextId++);
          return 'error' in f
            ? { id, fileName: f.fileName, checking: false, verified: false, error: f.error }
            : { id, fileName: f.fileName, checking: true, verified: false, text: f.text, blob: f.blob };
        });
        set({ escrowCase: null, escrowLoadError: null, escrowList: items, escrowSkipped: skipped });
        // Outcomes are shown a few at a time: a register of thousands would otherwise copy the list once per blob.
        const outcomes = new Map<string, Partial<EscrowListItem>>();
        const flush = () => {
          if (outcomes.size === 0) return;
          set({ escrowList: get().escrowList.map((i) => { const outcome = outcomes.get(i.id); return outcome ? { ...i, ...outcome } : i; }) });
          outcomes.clear();
        };
        let last = Date.now();
        for (const item of items) {
          if (!item.checking || item.text === undefined || !item.blob) continue;
          const outcome = await check(item.text, item.blob);
          if (load !== loads) return;
          outcomes.set(item.id, { ...outcome, checking: false });
          if (Date.now() - last >= 100) {
            flush();
            last = Date.now();
          }
        }
        flush();
      },

      openEscrowCase(id) {
        const item = get().escrowList.find((i) => i.id === id);
        if (!item?.verified || item.text === undefined || !item.blob) return;
        set({
          escrowCase: {
            fileName: item.fileName,
            text: item.text,
            blob: item.blob,
            verified: true,
            ...(item.ownerKeyId === undefined ? {} : { ownerKeyId: item.ownerKeyId }),
            ...(item.receipt ? { receipt: item.receipt } : {}),
            ...(item.member ? { member: item.member } : {}),
          },
        });
      },

      closeEscrowCase() {
        // A case opened from the list goes back to the list; a blob opened alone leaves nothing behind.
        if (get().escrowList.length === 0) loads++;
        set({ escrowCase: null, escrowLoadError: null });
      },

      clearEscrowList() {
        loads++;
        set({ escrowCase: null, escrowLoadError: null, escrowList: [], escrowSkipped: [] });
      },

      recoverFile(file) {
        const escrow = get().escrowCase;
        if (!escrow?.verified) return;
        get().decryptRunner.start(file, 'escrow', () => {
          if (isSignedEscrow(escrow.blob)) {
            // The Worker checks the blob whole again (spec v2 §4) before it opens the file with it.
            const identity = identityOf(escrow.blob);
            return Promise.resolve(identity ? ({ kind: 'escrow-v2', blobText: escrow.text, authority: identity } as const) : { error: appError('KEY_GONE') });
          }
          const key = authorityKeyFor(escrow.blob.authority.keyId);
          return Promise.resolve(key ? ({ kind: 'blob', blobText: escrow.text, key } as const) : { error: appError('KEY_GONE') });
        });
      },

      async checkRecoveryKey(newOwnerPublicKey) {
        const result = await newOwnerKey(newOwnerPublicKey);
        if ('error' in result) return result;
        return { keyId: result.key.keyId, modulusBits: result.key.modulusBits, ...(result.identity ? { identityId: result.identity.id } : {}) };
      },

      async issueRecovery(newOwnerPublicKey, ownerName, confirmedId) {
        const escrow = get().escrowCase;
        const found = await newOwnerKey(newOwnerPublicKey);
        if ('error' in found) return found.error;
        if (!escrow) return appError('NO_ESCROW');
        // The ID the authority compared with the owner must be the key's (v1) or identity's (v2) the blob is issued to.
        const issuedTo = found.identity?.id ?? found.key.keyId;
        if (issuedTo !== confirmedId) return appError('KEY_NOT_CONFIRMED');
        const name = ownerName.trim();
        try {
          let issued: { json: string; serial: string; partial?: number };
          if (isCouncilEscrow(escrow.blob)) {
            // councils: desk: one member's share, wrapped for the new identity and signed by the member (spec v2 §8.4).
            const identity = identityOf(escrow.blob);
            if (!identity || !found.identity) return appError('KEY_GONE');
            const { json, blob } = await adapters.crypto.run('issuePartial', {
              escrowText: escrow.text,
              member: identity,
              newOwner: found.identity,
              name: nameOf(identity),
              ...(name ? { ownerName: name } : {}),
            });
            issued = { json, serial: blob.serial, partial: blob.issuer.index };
          } else if (isSignedEscrow(escrow.blob)) {
            const identity = identityOf(escrow.blob);
            if (!identity || !found.identity) return appError('KEY_GONE');
            const { json, blob } = await adapters.crypto.run('issueRecoveryV2', {
              escrowText: escrow.text,
              authority: identity,
              newOwner: found.identity,
              name: nameOf(identity),
              ...(name ? { ownerName: name } : {}),
            });
            issued = { json, serial: blob.serial };
          } else {
            const key = authorityKeyFor(escrow.blob.authority.keyId);
            if (!key) return appError('KEY_GONE');
            const { json, blob } = await adapters.crypto.run('issueRecovery', {
              escrowText: escrow.text,
              authority: key,
              newOwner: found.key,
              ...(name ? { ownerName: name } : {}),
            });
            issued = { json, serial: blob.serial };
          }
          const fileName = issued.partial === undefined ? recoveryName(issued.serial) : partialName(issued.serial, issued.partial);
          adapters.download.save(new Blob([issued.json], { type: 'application/json' }), fileName);
          // The case may have been closed or replaced meanwhile; do not bring it back.
          const current = get().escrowCase;
          if (current?.text === escrow.text) {
            set({
              escrowCase: {
                ...current,
                recovery: { json: issued.json, name: fileName, ownerKeyId: issuedTo, signed: found.identity !== undefined, ...(issued.partial === undefined ? {} : { partial: true }) },
              },
            });
          }
          return null;
        } catch (error) {
          return toUiError(error);
        }
      },

      async downloadReceipt() {
        const escrow = get().escrowCase;
        if (!escrow?.verified || !isSignedEscrow(escrow.blob)) return appError('NO_ESCROW');
        try {
          const [receipt] = await receiptsFor([escrow]);
          if (!receipt) return appError('KEY_GONE');
          adapters.download.save(new Blob([receipt.json], { type: 'application/json' }), receipt.name);
          markReceipted([{ text: escrow.text, name: receipt.name }]);
          return null;
        } catch (error) {
          return toUiError(error);
        }
      },

      async downloadReceipts() {
        const good = get().escrowList.filter((i) => i.verified && i.blob && isSignedEscrow(i.blob));
        if (good.length === 0) return appError('NO_ESCROW');
        try {
          const receipts = await receiptsFor(good);
          if (receipts.length === 0) return appError('KEY_GONE');
          const stamp = new Date(adapters.now?.() ?? Date.now()).toISOString().slice(0, 10);
          await adapters.download.saveZip(
            receipts.map((r) => ({ name: r.name, blob: new Blob([r.json], { type: 'application/json' }) })),
            `keyward-receipts-${stamp}.zip`,
          );
          markReceipted(receipts);
          return null;
        } catch (error) {
          return toUiError(error);
        }
      },
    };
  };
