/**
 * Writes src/core/testdata/vectors/* and src/core/testdata/manifest.json from
 * the independent reference implementation (test/reference/keyward-node.ts).
 *
 *   npx tsx scripts/make-vectors.ts
 *
 * Fully deterministic: keys, salts, file IDs and plaintexts come from seeded
 * SHA-256, and RSA-OAEP uses a seeded OAEP seed (encoded here by hand, then raw
 * RSA), so re-running reproduces the same bytes. test/reference/vectors.test.ts
 * checks that, and that the reference reproduces every expectation.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  ESCROW_FORMAT, MAGIC, OAEP_LABEL, RECOVERY_FORMAT, b64u, chunkNonce, deriveKeys, gcmEncrypt, refBlobMac, refEncrypt,
  refKeyId, refMakeEscrowBlob, refSerial, u32be,
} from '../test/reference/keyward-node.ts';
import type { RefBlob, RefBlobFields, RefEncryptResult, RefMeta, Role } from '../test/reference/keyward-node.ts';
import { type IdentityEntry, type IdentityName, type V2VectorEntry, buildV2Vectors } from './make-vectors-v2.ts';
import type { CouncilVector } from '../src/core/test-vectors.ts';

export const TESTDATA = fileURLToPath(new URL('../src/core/testdata/', import.meta.url));
export const KEY_NAMES = ['owner', 'authority', 'new-owner', 'stranger', 'rsa4096', 'weak-1024'] as const;
export type KeyName = (typeof KEY_NAMES)[number];

export interface VectorEntry {
  name: string;
  kind: 'file' | 'escrow-blob' | 'recovery-blob';
  description: string;
  file?: string;
  blob?: string;
  escrow?: string;
  recovery?: string;
  key: KeyName;
  open?: 'key' | 'escrow' | 'recovery';
  expect: string;
  chunkIndex?: number;
  keyIds?: string[];
  sha256?: string;
  size?: number;
  meta?: RefMeta;
  chunkSize?: number;
  ambiguous?: true;
}
export interface Manifest {
  version: 1;
  notes: string[];
  keys: Record<KeyName, string>;
  vectors: VectorEntry[];
  /** v2 (docs/keyward-v2.md): the test identities, and vectors of their own shape (make-vectors-v2.ts). */
  identities: Record<IdentityName, IdentityEntry>;
  v2: V2VectorEntry[];
  /** v2 §8: the council vectors (make-vectors-v2.ts; CouncilVector of src/core/test-vectors.ts). */
  councils: CouncilVector[];
}

const CS = 65536;
const LAST_MODIFIED = 1764331200000; // 2025-11-28T12:00:00.000Z
const pub = (k: KeyName): string => fs.readFileSync(path.join(TESTDATA, 'keys', `${k}.pub.pem`), 'utf8');
const kid = (k: KeyName): string => refKeyId(pub(k));
const sha256 = (b: Uint8Array): Buffer => crypto.createHash('sha256').update(b).digest();

/** SHA-256 in counter mode over a label: reproducible "random" bytes. */
function seeded(label: string, len: number): Buffer {
  const parts: Buffer[] = [];
  for (let c = 0; parts.length * 32 < len; c++) parts.push(crypto.createHash('sha256').update(label).update(u32be(c)).digest());
  return Buffer.concat(parts).subarray(0, len);
}
const xor = (a: Buffer, b: Buffer): Buffer => Buffer.from(a.map((x, i) => x ^ (b[i] ?? 0)));
function mgf1(hash: string, seed: Buffer, len: number): Buffer {
  const parts: Buffer[] = [];
  for (let c = 0, got = 0; got < len; c++) {
    const d = crypto.createHash(hash).update(seed).update(u32be(c)).digest();
    parts.push(d);
    got += d.length;
  }
  return Buffer.concat(parts).subarray(0, len);
}
/** RSAES-OAEP (RFC 8017 §7.1.1) with a seeded seed; hash/MGF1 hash/label can be varied for bad vectors. */
export function oaepWrap(message: Buffer, publicKeyPem: string, seedLabel: string,
  o: { hash?: 'sha256' | 'sha1'; mgfHash?: 'sha256' | 'sha1'; label?: Buffer } = {}): Buffer {
  const hash = o.hash ?? 'sha256';
  const key = crypto.createPublicKey(publicKeyPem);
  const k = Math.ceil((key.asymmetricKeyDetails?.modulusLength ?? 0) / 8);
  const lHash = crypto.createHash(hash).update(o.label ?? OAEP_LABEL).digest();
  const hLen = lHash.length;
  if (message.length > k - 2 * hLen - 2) throw new Error('message too long for OAEP');
  const db = Buffer.concat([lHash, Buffer.alloc(k - message.length - 2 * hLen - 2), Buffer.from([1]), message]);
  const seed = seeded(seedLabel, hLen);
  const maskedDb = xor(db, mgf1(o.mgfHash ?? hash, seed, k - hLen - 1));
  const maskedSeed = xor(seed, mgf1(o.mgfHash ?? hash, maskedDb, hLen));
  return crypto.publicEncrypt({ key, padding: crypto.constants.RSA_NO_PADDING }, Buffer.concat([Buffer.from([0]), maskedSeed, maskedDb]));
}

interface Enc { r: RefEncryptResult; plaintext: Buffer; meta: RefMeta; chunkSize: number }
interface EncOpts {
  size?: number;
  chunkSize?: number;
  meta?: Partial<RefMeta>;
  recipients?: [Role, KeyName][];
  extra?: Record<string, unknown>;
  header?: (h: Record<string, unknown>, fileKey: Buffer, salt: Buffer) => string | Uint8Array;
  metaJson?: string;
  fileKey?: Buffer;
  wrap?: (fileKey: Buffer, publicKeyPem: string, index: number) => Buffer;
}
function enc(name: string, o: EncOpts = {}): Enc {
  const plaintext = seeded(`vector:${name}:plaintext`, o.size ?? 1000);
  const meta: RefMeta = { name: `${name}.bin`, type: 'application/octet-stream', size: plaintext.length, lastModified: LAST_MODIFIED, ...o.meta };
  const chunkSize = o.chunkSize ?? CS;
  const fileKey = o.fileKey ?? seeded(`vector:${name}:filekey`, 32);
  const salt = seeded(`vector:${name}:salt`, 16);
  const header = o.header;
  const r = refEncrypt({
    plaintext, chunkSize, meta, fileKey, salt, fileId: seeded(`vector:${name}:fileid`, 16),
    recipients: (o.recipients ?? [['owner', 'owner']]).map(([role, k]) => ({ role, publicKeyPem: pub(k) })),
    ...(o.extra ? { extraHeaderFields: o.extra } : {}),
    ...(header ? { headerJsonOverride: (h: Record<string, unknown>) => header(h, fileKey, salt) } : {}),
    ...(o.metaJson !== undefined ? { metaJsonOverride: o.metaJson } : {}),
    wrapOverride: o.wrap ?? ((fk, pem, i) => oaepWrap(fk, pem, `vector:${name}:oaep:${i}`)),
  });
  return { r, plaintext, meta, chunkSize };
}

const headerText = (e: Enc): string => e.r.headerBytes.subarray(MAGIC.length + 4).toString('utf8');
const payloadOf = (e: Enc): Buffer => e.r.payload;
/** magic || u32be(len) || header || hmac || payload, with whatever parts the caller tampered with. */
function assemble(header: string | Buffer, hmac: Buffer, payload: Buffer): Buffer {
  const h = typeof header === 'string' ? Buffer.from(header, 'utf8') : header;
  return Buffer.concat([MAGIC, u32be(h.length), h, hmac, payload]);
}
function replaceOnce(s: string, from: string, to: string): string {
  const i = s.indexOf(from);
  if (i < 0 || s.indexOf(from, i + 1) >= 0) throw new Error(`replaceOnce: ${from} not found exactly once`);
  return s.slice(0, i) + to + s.slice(i + from.length);
}
function flipBit(b: Buffer, at: number, bit = 0x01): Buffer {
  const c = Buffer.from(b);
  c[at] = (c[at] ?? 0) ^ bit;
  return c;
}
/** Chunks of a payload, as written (full chunks of chunkSize + 16, then the last). */
function chunks(e: Enc): Buffer[] {
  const p = payloadOf(e);
  const out: Buffer[] = [];
  for (let pos = 0; pos < p.length; pos += e.chunkSize + 16) out.push(p.subarray(pos, Math.min(p.length, pos + e.chunkSize + 16)));
  return out;
}
const at = <T>(xs: T[], i: number): T => {
  const x = xs[i];
  if (x === undefined) throw new Error(`index ${i}`);
  return x;
};
const blobJson = (b: unknown): Buffer => Buffer.from(`${JSON.stringify(b, null, 2)}\n`, 'utf8');
const fakeStanza = (i: number) => ({
  role: 'recipient', alg: 'RSA-OAEP-256', keyId: `SHA256:${sha256(Buffer.from(`vector:fake-recipient:${i}`)).toString('hex')}`,
  wrappedKey: b64u(seeded(`vector:fake-recipient:${i}:wrapped`, 384)),
});
const withHeader = (f: (h: Record<string, unknown>) => unknown) => (h: Record<string, unknown>) => JSON.stringify(f(h));
const stanzas = (h: Record<string, unknown>): Record<string, unknown>[] => h['recipients'] as Record<string, unknown>[];

export function buildVectors(): { files: Map<string, Buffer>; manifest: Manifest } {
  const files = new Map<string, Buffer>();
  const vectors: VectorEntry[] = [];
  const put = (rel: string, bytes: Buffer): string => {
    const prev = files.get(rel);
    if (prev && !prev.equals(bytes)) throw new Error(`two different contents for ${rel}`);
    files.set(rel, bytes);
    return rel;
  };
  const fileRel = (base: string) => `vectors/${base}.keyward`;
  type Extra = Partial<Pick<VectorEntry, 'key' | 'open' | 'escrow' | 'recovery' | 'chunkIndex' | 'keyIds' | 'ambiguous'>>;

  /** A file that opens: the entry carries what the plaintext must be. */
  function good(name: string, description: string, e: Enc, x: Extra & { fileBase?: string } = {}): void {
    const { fileBase, ...rest } = x;
    const file = put(fileRel(fileBase ?? name), e.r.file);
    vectors.push({
      name, kind: 'file', file, key: 'owner', open: 'key', ...rest, expect: 'success',
      sha256: sha256(e.plaintext).toString('hex'), size: e.plaintext.length, meta: e.meta, chunkSize: e.chunkSize, description,
    });
  }
  function bad(name: string, expect: string, description: string, bytes: Buffer, x: Extra & { fileBase?: string } = {}): void {
    const { fileBase, ...rest } = x;
    const file = put(fileRel(fileBase ?? name), bytes);
    vectors.push({ name, kind: 'file', file, key: 'owner', open: 'key', ...rest, expect, description });
  }

  // ------------------------------------------------------------------ good files
  const g = {
    empty: enc('good-empty', { size: 0, meta: { name: 'empty.txt', type: 'text/plain' } }),
    one: enc('good-one-byte', { size: 1, meta: { name: 'a', type: '', lastModified: 0 } }),
    csMinus1: enc('good-chunk-minus-one', { size: CS - 1 }),
    oneFull: enc('good-one-full-chunk', { size: CS }),
    csPlus1: enc('good-chunk-plus-one', { size: CS + 1 }),
    twoPlus1: enc('good-two-chunks-plus-one', { size: 2 * CS + 1 }),
    exact3: enc('good-exact-multiple', { size: 3 * CS }),
    ragged: enc('good-ragged', { size: 3 * CS + 1000, meta: { name: 'ragged.dat' } }),
  };
  good('good-empty', 'empty plaintext: exactly one empty last chunk (16 bytes), chunk 0 flag 1', g.empty);
  good('good-one-byte', 'one byte; MIME type empty, lastModified 0', g.one);
  good('good-chunk-minus-one', 'chunkSize - 1 bytes: one short last chunk', g.csMinus1);
  good('good-one-full-chunk', 'exactly chunkSize bytes: one full-size chunk with flag 1, no empty chunk after it', g.oneFull);
  good('good-chunk-plus-one', 'chunkSize + 1: full chunk (flag 0) then a 1-byte last chunk', g.csPlus1);
  good('good-two-chunks-plus-one', '2 * chunkSize + 1: chunks 0 and 1 full (flag 0), chunk 2 is 1 byte (flag 1)', g.twoPlus1);
  good('good-exact-multiple', '3 * 64 KiB: three full chunks, the third has flag 1', g.exact3);
  good('good-ragged', '3 * 64 KiB + 1000: three full chunks and a 1000-byte last chunk', g.ragged);
  for (const [cs, size] of [[131072, 140000], [262144, 5000], [1048576, 3000], [16777216, 777]] as const) {
    good(`good-cs-${cs}`, `chunkSize ${cs}, ${size}-byte plaintext`, enc(`good-cs-${cs}`, { chunkSize: cs, size }));
  }

  const multi = enc('recipients-3', {
    size: 5000, recipients: [['owner', 'owner'], ['recipient', 'rsa4096'], ['authority', 'authority']],
  });
  const multiIds = [kid('owner'), kid('rsa4096'), kid('authority')];
  for (const [k, role] of [['owner', 'owner'], ['rsa4096', 'recipient'], ['authority', 'authority']] as const) {
    good(`recipients-3-open-${k}`, `three stanzas (owner, recipient with a 4096-bit key, embedded authority); opened with the ${role}'s key`, multi,
      { fileBase: 'recipients-3', key: k });
  }
  bad('recipients-3-stranger', 'NO_MATCHING_KEY', 'three stanzas, opened with a key none of them is for; keyIds lists all three', multi.r.file,
    { fileBase: 'recipients-3', key: 'stranger', keyIds: multiIds });

  good('good-unknown-fields', 'unknown header fields "x-future" (object) and "comment" are ignored (but covered by the hmac)',
    enc('good-unknown-fields', { size: 2000, extra: { 'x-future': { a: 1 }, comment: 'hi' } }));
  good('good-unicode-name', 'Unicode file name in the metadata (accents, CJK, emoji, NFC)',
    enc('good-unicode-name', { size: 1500, meta: { name: 'Résumé — 履歴書 🗂️ (final).pdf', type: 'application/pdf' } }));
  good('good-odd-json', 'valid but unusual header JSON: leading/trailing whitespace, CR LF and tabs, other key order, \\u escapes in a key and in b64u values',
    enc('good-odd-json', {
      size: 1200, header: (h) => {
        const esc = (s: string, n: number) => Array.from({ length: n }, (_, i) => `\\u${s.charCodeAt(i).toString(16).padStart(4, '0')}`).join('') + s.slice(n);
        const rs = stanzas(h).map((s) => ({ wrappedKey: s['wrappedKey'], keyId: s['keyId'], alg: s['alg'], role: s['role'] }));
        return ` \n{\r\n\t"recipients" : ${JSON.stringify(rs, null, 4)},\n  "meta":"${String(h['meta'])}" ,\n  "chunkSize": 65536,`
          + `"\\u0073alt": "${esc(String(h['salt']), 3)}",  "fileId":"${esc(String(h['fileId']), 22)}",\n  "\\u0076ersion" : 1\n}\n\n`;
      },
    }));
  good('good-number-forms', 'AMBIGUOUS: version written as 1.0 and chunkSize as 6.5536e4; both are JSON numbers with the right value, so accepted',
    enc('good-number-forms', { size: 900, header: (h) => replaceOnce(replaceOnce(JSON.stringify(h), '"version":1,', '"version":1.0,'), '"chunkSize":65536,', '"chunkSize":6.5536e4,') }),
    { ambiguous: true });
  good('good-stanza-unknown-field', 'AMBIGUOUS: a stanza carries an unknown field "note"; the spec only says unknown *header* fields are ignored, the reference ignores unknown stanza fields too',
    enc('good-stanza-unknown-field', { size: 800, header: withHeader((h) => ({ ...h, recipients: stanzas(h).map((s) => ({ ...s, note: 'hello' })) })) }),
    { ambiguous: true });
  good('good-64-recipients', '64 stanzas (the maximum): 63 unknown recipients and the owner at index 40',
    enc('good-64-recipients', {
      size: 700, header: withHeader((h) => {
        const rs: unknown[] = Array.from({ length: 63 }, (_, i) => fakeStanza(i));
        rs.splice(40, 0, at(stanzas(h), 0));
        return { ...h, recipients: rs };
      }),
    }));

  // ------------------------------------------------------------------ escrow / recovery
  const eb = enc('escrow-basic', { size: 3000, meta: { name: 'Rapport annuel 2026 — version finale.pdf', type: 'application/pdf' } });
  const blobBase = {
    fileId: eb.r.fileId, salt: eb.r.salt, headerHmac: eb.r.headerHmac, fileKey: eb.r.fileKey,
    description: 'Clé de secours pour « Rapport annuel » — 备份 🔑', createdAt: '2026-11-28T12:00:00.000Z',
    owner: { name: 'Zoë Ångström', keyId: kid('owner') }, authority: { name: 'Keyward Test Backup Authority', keyId: kid('authority') },
  };
  const escrow = refMakeEscrowBlob({
    ...blobBase, format: ESCROW_FORMAT, wrapForPublicKeyPem: pub('authority'),
    wrappedKey: oaepWrap(eb.r.fileKey, pub('authority'), 'vector:escrow-basic:escrow-oaep'),
  });
  const recovery = refMakeEscrowBlob({
    ...blobBase, format: RECOVERY_FORMAT, createdAt: '2026-12-01T09:30:00.000Z', owner: { name: 'Zoë Ångström', keyId: kid('new-owner') },
    wrapForPublicKeyPem: pub('new-owner'), wrappedKey: oaepWrap(eb.r.fileKey, pub('new-owner'), 'vector:escrow-basic:recovery-oaep'),
  });
  const escrowRel = put('vectors/escrow-basic.escrow.json', blobJson(escrow));
  const recoveryRel = put('vectors/escrow-basic.recovery.json', blobJson(recovery));
  const ebFile = fileRel('escrow-basic');
  good('escrow-basic-open-owner', 'the default one-stanza file (owner only) whose escrow and recovery blobs follow; opened with the owner key', eb,
    { fileBase: 'escrow-basic' });
  good('escrow-basic-via-escrow', 'opened by the authority: unwrap the escrow blob, check its mac and headerHmac, decrypt (Unicode description and owner name)', eb,
    { fileBase: 'escrow-basic', key: 'authority', open: 'escrow', escrow: escrowRel });
  good('escrow-basic-via-recovery', 'opened by the owner\'s new key through the recovery blob the authority issued', eb,
    { fileBase: 'escrow-basic', key: 'new-owner', open: 'recovery', recovery: recoveryRel });
  bad('escrow-basic-authority-direct', 'NO_MATCHING_KEY', 'the authority key opens the file directly: by default the file carries only the owner stanza', eb.r.file,
    { fileBase: 'escrow-basic', key: 'authority', keyIds: [kid('owner')] });
  bad('escrow-blob-of-other-file', 'BLOB_MISMATCH', 'good-one-byte opened through the escrow blob of escrow-basic: the blob opens, its headerHmac differs from the file hmac',
    g.one.r.file, { fileBase: 'good-one-byte', key: 'authority', open: 'escrow', escrow: escrowRel });

  const blobVec = (name: string, kind: 'escrow-blob' | 'recovery-blob', key: KeyName, blob: Buffer | string, expect: string, description: string,
    x: Partial<VectorEntry> = {}) => {
    const rel = typeof blob === 'string' ? blob : put(`vectors/${name}.json`, blob);
    const ok = expect === 'success' ? { sha256: sha256(eb.plaintext).toString('hex'), size: eb.plaintext.length, meta: eb.meta, chunkSize: CS } : {};
    vectors.push({ name, kind, blob: rel, key, file: ebFile, expect, ...ok, ...x, description });
  };
  const remac = (f: RefBlobFields, fileKey = eb.r.fileKey, salt = eb.r.salt): RefBlob => ({ ...f, mac: b64u(refBlobMac(fileKey, salt, f)) });
  const { mac: escrowMac, ...escrowFields } = escrow;
  blobVec('blob-escrow-good', 'escrow-blob', 'authority', escrowRel, 'success', 'good escrow blob, then the file it belongs to');
  blobVec('blob-recovery-good', 'recovery-blob', 'new-owner', recoveryRel, 'success', 'good recovery blob for the new owner key, then the file');
  blobVec('blob-escrow-description-changed', 'escrow-blob', 'authority', blobJson({ ...escrow, description: 'Clé de secours (modifiée)' }), 'BLOB_TAMPERED',
    'description changed after the mac was computed');
  blobVec('blob-escrow-owner-name-changed', 'escrow-blob', 'authority', blobJson({ ...escrow, owner: { ...escrow.owner, name: 'Mallory' } }), 'BLOB_TAMPERED',
    'owner.name changed after the mac was computed');
  const otherId = seeded('vector:blob-escrow-relabelled:fileid', 16);
  blobVec('blob-escrow-relabelled', 'escrow-blob', 'authority', blobJson({ ...escrow, fileId: b64u(otherId), serial: refSerial(otherId) }), 'BLOB_TAMPERED',
    'fileId and serial both replaced (consistently, so the serial rule holds): the mac fails');
  blobVec('blob-escrow-mac-flipped', 'escrow-blob', 'authority', blobJson({ ...escrow, mac: b64u(flipBit(Buffer.from(escrowMac, 'base64url'), 7)) }),
    'BLOB_TAMPERED', 'one bit of mac flipped');
  blobVec('blob-escrow-headerhmac-changed', 'escrow-blob', 'authority', blobJson({ ...escrow, headerHmac: b64u(seeded('vector:other-hmac', 32)) }),
    'BLOB_TAMPERED', 'headerHmac replaced: the mac fails before the file is looked at');
  const otherKey = seeded('vector:blob-escrow-rewrapped:filekey', 32);
  blobVec('blob-escrow-rewrapped', 'escrow-blob', 'authority',
    blobJson({ ...escrow, wrappedKey: b64u(oaepWrap(otherKey, pub('authority'), 'vector:blob-escrow-rewrapped:oaep')) }), 'BLOB_TAMPERED',
    'wrappedKey replaced by a valid wrapping of a different file key for the right authority: it unwraps, the mac fails');
  blobVec('blob-escrow-stranger', 'escrow-blob', 'stranger', escrowRel, 'NO_MATCHING_KEY', 'escrow blob opened with a key that is not authority.keyId',
    { keyIds: [kid('authority')] });
  blobVec('blob-recovery-with-authority', 'recovery-blob', 'authority', recoveryRel, 'NO_MATCHING_KEY',
    'recovery blob opened with the authority key: a recovery blob is wrapped for owner.keyId (the new key)', { keyIds: [kid('new-owner')] });
  blobVec('blob-escrow-wrappedkey-corrupted', 'escrow-blob', 'authority',
    blobJson({ ...escrow, wrappedKey: b64u(flipBit(Buffer.from(escrow.wrappedKey, 'base64url'), 50, 0x10)) }), 'UNWRAP_FAILED',
    'one bit of wrappedKey flipped (same length): RSA-OAEP decryption fails');
  const escrowText = blobJson(escrow).toString('utf8');
  blobVec('blob-mal-invalid-json', 'escrow-blob', 'authority', Buffer.from(escrowText.slice(0, escrowText.lastIndexOf('}')), 'utf8'), 'MALFORMED',
    'the closing brace is missing');
  blobVec('blob-mal-array', 'escrow-blob', 'authority', blobJson([escrow]), 'MALFORMED', 'a JSON array holding the blob instead of an object');
  blobVec('blob-mal-missing-mac', 'escrow-blob', 'authority', blobJson(escrowFields), 'MALFORMED', 'no mac field');
  blobVec('blob-mal-format', 'escrow-blob', 'authority', blobJson(remac({ ...escrowFields, format: 'keyward-escrow/2' })), 'MALFORMED',
    'format "keyward-escrow/2" (mac recomputed over it, so the format is the only defect)');
  blobVec('blob-mal-salt-padded', 'escrow-blob', 'authority', blobJson(remac({ ...escrowFields, salt: `${escrow.salt}==` })), 'MALFORMED',
    'salt in base64url with "==" padding (mac recomputed over the padded text)');
  blobVec('blob-mal-serial-format', 'escrow-blob', 'authority', blobJson(remac({ ...escrowFields, serial: escrow.serial.toLowerCase() })), 'MALFORMED',
    'serial in lower case: not the §5 format (mac recomputed)');
  blobVec('blob-mal-serial-mismatch', 'escrow-blob', 'authority', blobJson(remac({ ...escrowFields, serial: refSerial(otherId) })), 'MALFORMED',
    'AMBIGUOUS: well-formed serial that is not derived from fileId, with a valid mac. §5 defines the serial as derived from fileId, so the reference checks it as a syntax rule (MALFORMED) before unwrapping; a reader that does not check would accept this blob',
    { ambiguous: true });
  blobVec('blob-mal-createdat', 'escrow-blob', 'authority', blobJson(remac({ ...escrowFields, createdAt: '28 Nov 2026 12:00 GMT' })), 'MALFORMED',
    'createdAt is not ISO 8601 (mac recomputed)');
  vectors.push({
    name: 'blob-escrow-other-file', kind: 'escrow-blob', blob: escrowRel, key: 'authority', file: fileRel('good-ragged'), expect: 'BLOB_MISMATCH',
    description: 'a valid escrow blob (of escrow-basic) used to open another file (good-ragged): headerHmac differs from that file\'s hmac',
  });

  // ------------------------------------------------------------------ NOT_KEYWARD / UNSUPPORTED_VERSION
  const base = enc('base', { size: 1000 });
  const rest = base.r.file.subarray(MAGIC.length);
  const notk = (name: string, description: string, bytes: Buffer, x: Extra = {}): void => { bad(name, 'NOT_KEYWARD', description, bytes, x); };
  notk('notk-pdf', 'a small PDF file ("%PDF-1.7 ...")', Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n', 'latin1'));
  notk('notk-zip', 'a zip local file header "PK\\x03\\x04..."', Buffer.concat([Buffer.from('504b03041400000000', 'hex'), seeded('vector:notk-zip', 60)]));
  notk('notk-empty', 'an empty file (0 bytes)', Buffer.alloc(0));
  notk('notk-random', '4096 pseudo-random bytes', seeded('vector:notk-random', 4096));
  notk('notk-lowercase-magic', '"keyward/1\\n" in lower case, rest valid', Buffer.concat([Buffer.from('keyward/1\n'), rest]));
  notk('notk-bom-magic', 'a UTF-8 BOM before the magic', Buffer.concat([Buffer.from('efbbbf', 'hex'), base.r.file]));
  bad('notk-short-prefix', 'TRUNCATED', '"KEYWAR": a non-empty file shorter than the magic that is a prefix of it is cut short (§3); the name is from when it was NOT_KEYWARD', Buffer.from('KEYWAR'));
  const unsup = (name: string, magic: string, description: string, x: Extra = {}): void => {
    bad(name, 'UNSUPPORTED_VERSION', description, Buffer.concat([Buffer.from(magic, 'latin1'), rest]), x);
  };
  unsup('unsup-v3', 'KEYWARD/3\n', 'magic "KEYWARD/3\\n", the rest a valid v1 file ("KEYWARD/2\\n" is the signed file of spec v2: see the v2 vector v2-mal-v1-header)');
  unsup('unsup-v10', 'KEYWARD/10\n', 'magic "KEYWARD/10\\n": "KEYWARD/" followed by "10", not "1\\n"');
  unsup('unsup-crlf', 'KEYWARD/1\r\n', 'magic "KEYWARD/1\\r\\n"');
  bad('unsup-magic-cut', 'TRUNCATED', 'a 9-byte file "KEYWARD/1": a prefix of the magic, so cut short (§3), not UNSUPPORTED_VERSION; the name is from when it was',
    Buffer.from('KEYWARD/1'));

  // ------------------------------------------------------------------ TRUNCATED before the payload (§3)
  const tr = (name: string, description: string, bytes: Buffer): void => { bad(name, 'TRUNCATED', description, bytes); };
  tr('tr-magic-one-byte', '"K": one byte, a prefix of the magic', Buffer.from('K'));
  tr('tr-magic-8-bytes', '"KEYWARD/": the magic without its version, nothing after', Buffer.from('KEYWARD/'));
  tr('tr-cut-in-hlen', 'the magic and 2 of the 4 bytes of hlen', base.r.file.subarray(0, MAGIC.length + 2));
  tr('tr-cut-in-header', 'cut in the middle of the header JSON (hlen is valid)', base.r.file.subarray(0, MAGIC.length + 4 + Math.floor((base.r.headerBytes.length - MAGIC.length - 4) / 2)));
  tr('tr-cut-before-hmac', 'the whole header, then nothing: the hmac is missing', base.r.file.subarray(0, base.r.headerBytes.length));
  tr('tr-cut-before-last-byte-of-hmac', 'the whole header and 31 of the 32 hmac bytes', base.r.file.subarray(0, base.r.headerBytes.length + 31));

  // ------------------------------------------------------------------ MALFORMED (header)
  const mal = (name: string, description: string, bytes: Buffer, x: Extra = {}): void => { bad(name, 'MALFORMED', description, bytes, x); };
  const hdr = base.r.file.subarray(MAGIC.length + 4);
  mal('mal-hlen-zero', 'hlen = 0', Buffer.concat([MAGIC, u32be(0), hdr]));
  mal('mal-hlen-ffffffff', 'hlen = 0xFFFFFFFF', Buffer.concat([MAGIC, u32be(0xffffffff), hdr]));
  mal('mal-hlen-1048577', 'hlen = 1048577, one above the limit', Buffer.concat([MAGIC, u32be(1048577), hdr]));
  // §3: the full magic, then the file ends before hlen, header and hmac are complete: TRUNCATED (the names are from when it was MALFORMED).
  bad('mal-hlen-beyond-file', 'TRUNCATED', 'hlen = 100000 (within bounds) but the file ends long before: cut short inside the header', Buffer.concat([MAGIC, u32be(100000), hdr]));
  bad('mal-magic-only', 'TRUNCATED', 'the file is just the 10-byte magic: cut short before hlen', Buffer.from(MAGIC));
  bad('mal-cut-in-hmac', 'TRUNCATED', 'the file ends 10 bytes into the 32-byte hmac: cut short', base.r.file.subarray(0, base.r.headerBytes.length + 10));
  const malH = (name: string, description: string, header: EncOpts['header'], x: Extra = {}): void => { mal(name, description, enc(name, { size: 100, ...(header ? { header } : {}) }).r.file, x); };
  malH('mal-json-invalid', 'header is not JSON (last brace missing); hmac computed over those bytes', (h) => JSON.stringify(h).slice(0, -1));
  malH('mal-json-array', 'header is a JSON array holding the header object', (h) => JSON.stringify([h]));
  malH('mal-json-trailing-garbage', 'a valid header object followed by "x" inside hlen', (h) => `${JSON.stringify(h)}x`);
  malH('mal-header-bad-utf8', 'header JSON contains the invalid UTF-8 sequence C3 28 inside an unknown string field', (h) => {
    const b = Buffer.from(JSON.stringify({ ...h, comment: 'AB' }), 'utf8');
    const i = b.indexOf('"comment":"AB"') + 11;
    b[i] = 0xc3;
    b[i + 1] = 0x28;
    return b;
  });
  malH('mal-header-bom', 'AMBIGUOUS: header JSON starts with a UTF-8 BOM. RFC 8259 forbids writing one and lets parsers ignore it; the reference keeps it and fails JSON parsing (TextDecoder strips it by default: use ignoreBOM)',
    (h) => Buffer.concat([Buffer.from('efbbbf', 'hex'), Buffer.from(JSON.stringify(h))]), { ambiguous: true });
  for (const f of ['version', 'fileId', 'salt', 'chunkSize', 'recipients', 'meta']) {
    malH(`mal-missing-${f.toLowerCase()}`, `header field "${f}" missing`, withHeader((h) => ({ ...h, [f]: undefined })));
  }
  malH('mal-version-2', 'version 2 inside a v1 magic', withHeader((h) => ({ ...h, version: 2 })));
  malH('mal-version-string', 'version "1" (a string)', withHeader((h) => ({ ...h, version: '1' })));
  malH('mal-chunksize-string', 'chunkSize "65536" (a string)', withHeader((h) => ({ ...h, chunkSize: '65536' })));
  malH('mal-chunksize-not-pow2', 'chunkSize 100000: not a power of two', withHeader((h) => ({ ...h, chunkSize: 100000 })));
  malH('mal-chunksize-32768', 'chunkSize 32768: a power of two below 65536', withHeader((h) => ({ ...h, chunkSize: 32768 })));
  malH('mal-chunksize-33554432', 'chunkSize 33554432: a power of two above 16777216', withHeader((h) => ({ ...h, chunkSize: 33554432 })));
  malH('mal-salt-padded', 'salt is base64url with "==" padding', withHeader((h) => ({ ...h, salt: `${String(h['salt'])}==` })));
  malH('mal-salt-trailing-bits', 'salt has non-zero trailing bits in its last character (decodes to the same 16 bytes leniently)',
    withHeader((h) => {
      const s = String(h['salt']);
      const last = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      return { ...h, salt: s.slice(0, -1) + (last[last.indexOf(s.slice(-1)) + 1] ?? 'B') };
    }));
  malH('mal-salt-15-bytes', 'salt of 15 bytes', withHeader((h) => ({ ...h, salt: b64u(seeded('vector:short-salt', 15)) })));
  malH('mal-fileid-bad-char', 'fileId contains "+" (standard base64, not base64url)', withHeader((h) => ({ ...h, fileId: `+${String(h['fileId']).slice(1)}` })));
  malH('mal-fileid-17-bytes', 'fileId of 17 bytes', withHeader((h) => ({ ...h, fileId: b64u(seeded('vector:long-fileid', 17)) })));
  malH('mal-dup-keyid', 'two stanzas (owner and recipient role) with the same keyId', withHeader((h) => ({ ...h, recipients: [at(stanzas(h), 0), { ...at(stanzas(h), 0), role: 'recipient' }] })));
  malH('mal-zero-recipients', 'recipients is an empty array', withHeader((h) => ({ ...h, recipients: [] })));
  malH('mal-65-recipients', '65 stanzas (owner first, then 64 distinct unknown keys)',
    withHeader((h) => ({ ...h, recipients: [at(stanzas(h), 0), ...Array.from({ length: 64 }, (_, i) => fakeStanza(i))] })));
  malH('mal-recipients-object', 'recipients is an object, not an array', withHeader((h) => ({ ...h, recipients: at(stanzas(h), 0) })));
  malH('mal-stanza-string', 'a stanza is a string', withHeader((h) => ({ ...h, recipients: [at(stanzas(h), 0), 'owner'] })));
  malH('mal-alg-rsa-oaep', 'stanza alg "RSA-OAEP" (SHA-1 OAEP), not "RSA-OAEP-256"', withHeader((h) => ({ ...h, recipients: [{ ...at(stanzas(h), 0), alg: 'RSA-OAEP' }] })));
  malH('mal-role-unknown', 'stanza role "admin"', withHeader((h) => ({ ...h, recipients: [{ ...at(stanzas(h), 0), role: 'admin' }] })));
  malH('mal-keyid-uppercase', 'stanza keyId with upper-case hex (the spec says lowercase)',
    withHeader((h) => ({ ...h, recipients: [{ ...at(stanzas(h), 0), keyId: `SHA256:${String(at(stanzas(h), 0)['keyId']).slice(7).toUpperCase()}` }] })));
  malH('mal-wrappedkey-padded', 'stanza wrappedKey with "=" padding', withHeader((h) => ({ ...h, recipients: [{ ...at(stanzas(h), 0), wrappedKey: `${String(at(stanzas(h), 0)['wrappedKey'])}=` }] })));
  malH('mal-meta-number', 'meta is a number, not a string', withHeader((h) => ({ ...h, meta: 12345 })));
  mal('mal-meta-size-string', 'the decrypted metadata has size "100" (a string); found after the hmac verified and meta decrypted',
    enc('mal-meta-size-string', { size: 100, metaJson: JSON.stringify({ name: 'x.bin', type: '', size: '100', lastModified: LAST_MODIFIED }) }).r.file);
  mal('mal-meta-missing-name', 'the decrypted metadata has no name',
    enc('mal-meta-missing-name', { size: 100, metaJson: JSON.stringify({ type: '', size: 100, lastModified: LAST_MODIFIED }) }).r.file);

  // ------------------------------------------------------------------ keys
  bad('nokey-stranger', 'NO_MATCHING_KEY', 'a one-stanza file opened with a key it is not for', base.r.file, { fileBase: 'base', key: 'stranger', keyIds: [kid('owner')] });
  bad('weak-key', 'KEY_TOO_WEAK', 'a file whose only stanza is for a 1024-bit key, opened with that key: refused on use', enc('weak-key', { size: 100, recipients: [['owner', 'weak-1024']] }).r.file,
    { key: 'weak-1024' });
  const unwrap = (name: string, description: string, o: EncOpts, x: Extra = {}): void => { bad(name, 'UNWRAP_FAILED', description, enc(name, { size: 100, ...o }).r.file, x); };
  unwrap('unwrap-corrupted', 'one bit of the owner stanza\'s wrappedKey flipped (same length; hmac recomputed, but unwrapping comes first)', {
    header: withHeader((h) => ({ ...h, recipients: [{ ...at(stanzas(h), 0), wrappedKey: b64u(flipBit(Buffer.from(String(at(stanzas(h), 0)['wrappedKey']), 'base64url'), 100, 0x04)) }] })),
  });
  unwrap('unwrap-wrong-key', 'the owner stanza holds a wrapping for the authority key (same 3072-bit length)', {
    wrap: (fk) => oaepWrap(fk, pub('authority'), 'vector:unwrap-wrong-key:oaep'),
  });
  unwrap('unwrap-no-label', 'wrappedKey is RSA-OAEP-256 with an empty label instead of "keyward/v1 file key"', {
    wrap: (fk, pem) => oaepWrap(fk, pem, 'vector:unwrap-no-label:oaep', { label: Buffer.alloc(0) }),
  });
  unwrap('unwrap-mgf1-sha1', 'wrappedKey is RSA-OAEP with SHA-256 but MGF1-SHA-1 (a common library default)', {
    wrap: (fk, pem) => oaepWrap(fk, pem, 'vector:unwrap-mgf1-sha1:oaep', { mgfHash: 'sha1' }),
  });
  unwrap('unwrap-sha1', 'wrappedKey is RSA-OAEP with SHA-1 for both hashes (right label)', {
    wrap: (fk, pem) => oaepWrap(fk, pem, 'vector:unwrap-sha1:oaep', { hash: 'sha1' }),
  });
  unwrap('unwrap-filekey-16-bytes', 'AMBIGUOUS: a consistent file (hmac, meta, chunks) whose file key is 16 bytes, not 32. §2 says the file key is 32 bytes; the reference refuses the unwrapped value as UNWRAP_FAILED (a lenient reader would open it)',
    { fileKey: seeded('vector:unwrap-filekey-16-bytes:filekey', 16) }, { ambiguous: true });

  // ------------------------------------------------------------------ HEADER_TAMPERED
  const ht = (name: string, description: string, e: Enc, newHeader: string | Buffer, hmac = e.r.headerHmac, x: Extra = {}): void => {
    bad(name, 'HEADER_TAMPERED', description, assemble(newHeader, hmac, payloadOf(e)), x);
  };
  const unk = enc('ht-base', { size: 500, extra: { comment: 'hi', 'x-future': { a: 1 } } });
  ht('ht-unknown-field', 'the unknown field "comment" changed from "hi" to "hj": still valid, still the owner\'s stanza, hmac fails', unk, replaceOnce(headerText(unk), '"comment":"hi"', '"comment":"hj"'));
  ht('ht-chunksize', 'chunkSize changed from 65536 to 131072 (valid) with the old hmac', unk, replaceOnce(headerText(unk), '"chunkSize":65536', '"chunkSize":131072'));
  ht('ht-role', 'stanza role changed from "owner" to "recipient"', unk, replaceOnce(headerText(unk), '"role":"owner"', '"role":"recipient"'));
  ht('ht-whitespace', 'a space inserted after the opening brace: same JSON value, different bytes (and hlen)', unk, replaceOnce(headerText(unk), '{"version"', '{ "version"'));
  const metaStr = String((JSON.parse(headerText(unk)) as Record<string, unknown>)['meta']);
  const metaAt = 10;
  const swapped = metaStr.slice(0, metaAt) + (metaStr[metaAt] === 'A' ? 'B' : 'A') + metaStr.slice(metaAt + 1);
  ht('ht-meta', 'one character in the middle of the meta ciphertext changed (still canonical b64u)', unk, replaceOnce(headerText(unk), metaStr, swapped));
  ht('ht-salt', 'salt replaced by another valid 16-byte salt: the derived hmac key differs', unk,
    replaceOnce(headerText(unk), `"salt":"${b64u(unk.r.salt)}"`, `"salt":"${b64u(seeded('vector:ht-salt', 16))}"`));
  ht('ht-fileid', 'fileId replaced by another valid 16-byte fileId', unk,
    replaceOnce(headerText(unk), `"fileId":"${b64u(unk.r.fileId)}"`, `"fileId":"${b64u(seeded('vector:ht-fileid', 16))}"`));
  ht('ht-hmac-flipped', 'one bit of the 32-byte hmac flipped', unk, headerText(unk), flipBit(unk.r.headerHmac, 31, 0x80));
  bad('mal-meta-wrong-nonce', 'MALFORMED', 'AMBIGUOUS: hmac valid, but meta was encrypted with nonce 00..01 instead of 12 zero bytes so it does not decrypt. The spec names no code for meta that fails after a good hmac; the header was not altered after writing (the hmac verifies), so the writer broke a §3 rule: MALFORMED (alternative: HEADER_TAMPERED)',
    enc('mal-meta-wrong-nonce', {
      size: 100, header: (h, fileKey, salt) => JSON.stringify({
        ...h, meta: b64u(gcmEncrypt(deriveKeys(fileKey, salt).metaKey, chunkNonce(0, true), Buffer.from(JSON.stringify({ name: 'mal-meta-wrong-nonce.bin', type: 'application/octet-stream', size: 100, lastModified: LAST_MODIFIED })))),
      }),
    }).r.file, { ambiguous: true });

  // ------------------------------------------------------------------ STREAM
  const s3 = g.twoPlus1; // chunks: 0 full, 1 full, 2 = 1 byte + tag
  const [c0, c1, c2] = [at(chunks(s3), 0), at(chunks(s3), 1), at(chunks(s3), 2)];
  const head3 = s3.r.file.subarray(0, s3.r.headerBytes.length + 32);
  const f3 = (...parts: Buffer[]) => Buffer.concat([head3, ...parts]);
  const ct = (name: string, chunkIndex: number, description: string, bytes: Buffer, x: Extra = {}): void => { bad(name, 'CHUNK_TAMPERED', description, bytes, { chunkIndex, ...x }); };
  ct('ct-flip-chunk1', 1, 'good-two-chunks-plus-one with one bit flipped in chunk 1\'s ciphertext', f3(c0, flipBit(c1, 1000), c2));
  ct('ct-flip-tag-chunk0', 0, 'one bit flipped in chunk 0\'s tag', f3(flipBit(c0, c0.length - 1), c1, c2));
  ct('ct-flip-last', 2, 'one bit flipped in the short last chunk (chunk 2)', f3(c0, c1, flipBit(c2, 0)));
  ct('ct-swap-0-1', 0, 'chunks 0 and 1 swapped: chunk 1 at position 0 fails with both flags', f3(c1, c0, c2));
  ct('ct-dup-chunk1', 2, 'chunk 1 repeated (0, 1, 1, 2): position 2 holds chunk 1, which fails as chunk 2 with flag 0 and with flag 1', f3(c0, c1, c1, c2));
  ct('ct-drop-middle', 1, 'chunk 1 dropped (0, 2): the short chunk 2 at position 1 fails as the last chunk 1', f3(c0, c2));
  bad('tr-cut-after-chunk1', 'TRUNCATED', 'cut after chunk 1 (the short last chunk 2 is gone): chunk 1 is full and ends the file, fails with flag 1 but opens with flag 0', f3(c0, c1));
  bad('tr-cut-after-chunk0', 'TRUNCATED', 'cut after chunk 0: a full chunk that ends the file and opens only with flag 0', f3(c0));
  const ex3 = g.exact3;
  bad('tr-cut-exact-multiple', 'TRUNCATED', 'good-exact-multiple (three full chunks, the third with flag 1) cut after chunk 1: a full chunk with flag 0 ends the file',
    Buffer.concat([ex3.r.file.subarray(0, ex3.r.headerBytes.length + 32), at(chunks(ex3), 0), at(chunks(ex3), 1)]));
  bad('tr-no-payload', 'TRUNCATED', 'the file ends right after the hmac: no chunk at all, so it ends before any chunk with flag 1', f3());
  ct('ct-cut-mid-chunk', 1, 'AMBIGUOUS: cut in the middle of chunk 1 (32768 bytes of it kept). The remainder is shorter than chunkSize + 16, so by §4 it "must be the last one", is decrypted with flag 1 and fails. The TRUNCATED disambiguation in §4 is only for full-size chunks, so CHUNK_TAMPERED (index 1)',
    f3(c0, c1.subarray(0, 32768)), { ambiguous: true });
  const s2 = g.csPlus1; // chunks: 0 full, 1 = 1 byte + tag (17 bytes)
  const head2 = s2.r.file.subarray(0, s2.r.headerBytes.length + 32);
  const [d0, d1] = [at(chunks(s2), 0), at(chunks(s2), 1)];
  ct('ct-cut-in-last-tag', 1, 'AMBIGUOUS: good-chunk-plus-one cut 10 bytes into its 17-byte last chunk: a short chunk of 10 bytes (less than a tag) fails as the last chunk; CHUNK_TAMPERED for the reason in ct-cut-mid-chunk',
    Buffer.concat([head2, d0, d1.subarray(0, 10)]), { ambiguous: true });
  ct('ct-byte-after-short-last', 1, 'AMBIGUOUS: one byte appended after a *short* last chunk (good-chunk-plus-one + 1 byte). The last chunk is still shorter than chunkSize + 16, so it is read whole (18 bytes), fails with flag 1, and §4 offers TRAILING_DATA only for full-size chunks: CHUNK_TAMPERED (index 1)',
    Buffer.concat([s2.r.file, Buffer.from([0])]), { ambiguous: true });
  const one = g.oneFull;
  bad('td-one-byte', 'TRAILING_DATA', 'one byte appended to good-one-full-chunk: the full chunk 0 now has bytes after it, fails with flag 0, opens with flag 1', Buffer.concat([one.r.file, Buffer.from([0])]));
  bad('td-extra-chunk', 'TRAILING_DATA', 'a whole full-size chunk (a copy of chunk 0) appended to good-one-full-chunk', Buffer.concat([one.r.file, at(chunks(one), 0)]));
  const ek = deriveKeys(one.r.fileKey, one.r.salt).payloadKey;
  ct('ct-empty-last-not-first', 1, 'AMBIGUOUS: 64 KiB written as a full chunk 0 with flag 0 plus an empty chunk 1 with flag 1 (the classic STREAM writer bug). Both decrypt, but "an empty last chunk is allowed only as chunk 0"; the spec names no code, the reference reports CHUNK_TAMPERED for chunk 1 (alternatives: MALFORMED, TRAILING_DATA)',
    Buffer.concat([one.r.file.subarray(0, one.r.headerBytes.length + 32), gcmEncrypt(ek, chunkNonce(0, false), one.plaintext), gcmEncrypt(ek, chunkNonce(1, true), Buffer.alloc(0))]),
    { ambiguous: true });
  const small = enc('ct-short-last-flag0', { size: 1000 });
  const sk = deriveKeys(small.r.fileKey, small.r.salt).payloadKey;
  ct('ct-short-last-flag0', 0, 'a 1000-byte file whose only (short) chunk was written with flag 0: a short chunk must be the last one, so flag 1, which fails',
    Buffer.concat([small.r.file.subarray(0, small.r.headerBytes.length + 32), gcmEncrypt(sk, chunkNonce(0, false), small.plaintext)]));

  // ------------------------------------------------------------------ SIZE_MISMATCH
  bad('size-larger', 'SIZE_MISMATCH', 'metadata size 1001 for a 1000-byte plaintext; everything else valid', enc('size-larger', { size: 1000, meta: { size: 1001 } }).r.file);
  bad('size-smaller', 'SIZE_MISMATCH', 'metadata size 65536 for a 65537-byte plaintext (two chunks); everything else valid', enc('size-smaller', { size: CS + 1, meta: { size: CS } }).r.file);

  const v2 = buildV2Vectors(put, seeded, oaepWrap, (k) => fs.readFileSync(path.join(TESTDATA, 'keys', `${k}.pem`), 'utf8'), { file: ebFile, recovery: recoveryRel });

  const names = new Set<string>();
  for (const v of [...vectors, ...v2.vectors]) {
    if (names.has(v.name)) throw new Error(`duplicate vector name ${v.name}`);
    names.add(v.name);
  }
  const keys = Object.fromEntries(KEY_NAMES.map((k) => [k, `keys/${k}.pem`])) as Record<KeyName, string>;
  return {
    files,
    manifest: {
      version: 1,
      notes: [
        'Generated by scripts/make-vectors.ts from the independent reference test/reference/keyward-node.ts; do not edit by hand.',
        'Paths are relative to this directory. "key" names a private key in "keys".',
        'kind "file": open "key" = decrypt with the private key; "escrow"/"recovery" = open that blob with the key (check its mac), require blob.headerHmac == the file hmac (else BLOB_MISMATCH), then decrypt with the recovered file key.',
        'kind "escrow-blob"/"recovery-blob": open "blob" with "key" (check its mac); when "file" is given and the blob opened, continue as open "escrow"/"recovery" on that file.',
        'expect "success": plaintext has "sha256" and "size", metadata equals "meta", header chunkSize equals "chunkSize". Otherwise the error code; "chunkIndex" for CHUNK_TAMPERED; "keyIds" for NO_MATCHING_KEY.',
        '"ambiguous": true marks a case the spec does not clearly decide; the description says how the reference decided.',
        '"identities" and "v2": spec v2. Each identity has its private and public 2-block PEM, public JWK Set, identity ID and RSA key ID. A v2 entry\'s "kind" says what to run (scripts/make-vectors-v2.ts, V2VectorEntry); "key", "expectSigner" and "trusted" name identities.',
        '"councils": spec v2 §8. A council entry\'s "kind" says what to run (src/core/test-vectors.ts, CouncilVector); "key", "keys" and "expectOwner" name identities; "council", "expectCouncil" and "pinned" are council descriptors.',
      ],
      keys,
      vectors,
      identities: v2.identities,
      v2: v2.vectors,
      councils: v2.councils,
    },
  };
}

function main(): void {
  const { files, manifest } = buildVectors();
  const dir = path.join(TESTDATA, 'vectors');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  let total = 0;
  for (const [rel, bytes] of files) {
    fs.writeFileSync(path.join(TESTDATA, rel), bytes);
    total += bytes.length;
  }
  fs.writeFileSync(path.join(TESTDATA, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const counts = new Map<string, number>();
  for (const v of manifest.vectors) counts.set(v.expect, (counts.get(v.expect) ?? 0) + 1);
  console.log(`${manifest.vectors.length} vectors, ${files.size} files, ${total} bytes in vectors/`);
  console.log([...counts].map(([k, n]) => `${k}: ${n}`).join(', '));
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) main();
