/**
 * The v2 vectors (docs/keyward-v2.md): identities, signed files, escrow blobs
 * v2, receipts and recovery blobs v2, good and bad. Built here with
 * node:crypto only (not the core), deterministically: the RSA keys are the
 * v1 test keys, the Ed25519 keys come from seeded bytes, and Ed25519
 * signatures are deterministic. scripts/make-vectors.ts calls this and
 * writes the entries under the manifest's `v2` key (v1 entries keep their shape).
 */
import * as crypto from 'node:crypto';
import { b64u, chunkNonce, deriveKeys, gcmEncrypt, hmac, refEncrypt, refKeyId, refSerial, refSplit, u32be } from '../test/reference/keyward-node.ts';
import type { RefMeta } from '../test/reference/keyward-node.ts';
import type { CouncilVector, V2Vector } from '../src/core/test-vectors.ts';

export const IDENTITY_NAMES = ['owner', 'authority', 'new-owner', 'stranger', 'member-3'] as const;
export type IdentityName = (typeof IDENTITY_NAMES)[number];

/** An identity's files in testdata/ and its IDs. */
export interface IdentityEntry {
  /** Two PRIVATE KEY blocks (PKCS#8): RSA, then Ed25519. */
  private: string;
  /** Two PUBLIC KEY blocks. */
  public: string;
  /** The public JWK Set. */
  jwk: string;
  /** The identity ID (v2 §2). */
  id: string;
  /** The v1 key ID of its RSA key. */
  keyId: string;
}

/**
 * One v2 vector. `kind` says what the runner does:
 * - `file`: open `file` with the private key of identity `key` (its RSA key), told to expect `expectSigner` when given;
 *   with `recovery`, through that v2 recovery blob (or v1, `recoveryV1`) with `trusted` pinned;
 * - `verify`: verify `file` without a key (`expectSigner` when given);
 * - `escrow`: check escrow blob `escrow` as identity `key` (the authority), expecting owner `expectSigner` when given;
 * - `receipt`: the owner's check of receipt `receipt` against escrow blob `escrow`;
 * - `signed-object`: parse `blob` (a v1 or v2 blob or a receipt); success means it parses as `parsesAs`;
 * - `identity`: import `key`'s private and public files (PEM and JWK) and compare the IDs.
 */
export interface V2VectorEntry extends Omit<V2Vector, 'key' | 'expectSigner' | 'trusted' | 'meta'> {
  key?: IdentityName;
  /** Identity names: the signer (or escrow owner) the reader is told to expect. */
  expectSigner?: IdentityName;
  /** Identity names the reader pinned as recovery issuers. */
  trusted?: IdentityName[];
  meta?: RefMeta;
}

type Put = (rel: string, bytes: Buffer) => string;

const CS = 65536;
const LAST_MODIFIED = 1764331200000;
const MAGIC_V2 = Buffer.from('KEYWARD/2\n', 'utf8');
const sha256 = (b: Uint8Array): Buffer => crypto.createHash('sha256').update(b).digest();

/** canonical(x) of v2 §1, written independently: keys sorted by UTF-16 code units, JSON.stringify escaping. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    return `{${Object.keys(record).sort().map((k) => `${JSON.stringify(k)}:${canonical(record[k])}`).join(',')}}`;
  }
  if (typeof value === 'string' || (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0)) return JSON.stringify(value);
  throw new Error(`not canonical: ${String(value)}`);
}

interface Identity {
  name: IdentityName | 'weak-1024';
  rsaPem: string;
  rsaPub: string;
  rsaSpki: Buffer;
  edPrivate: crypto.KeyObject;
  edSpki: Buffer;
  id: string;
  keyId: string;
}

function identity(name: IdentityName | 'weak-1024', rsaPem: string, seeded: (label: string, len: number) => Buffer): Identity {
  const rsa = crypto.createPrivateKey(rsaPem);
  const rsaPub = crypto.createPublicKey(rsa).export({ type: 'spki', format: 'pem' }).toString();
  const rsaSpki = crypto.createPublicKey(rsa).export({ type: 'spki', format: 'der' });
  // RFC 8410 PKCS#8 of a 32-byte seed.
  const edPrivate = crypto.createPrivateKey({
    key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seeded(`identity:${name}:ed25519`, 32)]), format: 'der', type: 'pkcs8',
  });
  const edSpki = crypto.createPublicKey(edPrivate).export({ type: 'spki', format: 'der' });
  return {
    name, rsaPem: rsa.export({ type: 'pkcs8', format: 'pem' }).toString(), rsaPub, rsaSpki, edPrivate, edSpki,
    id: `SHA256:${sha256(Buffer.concat([rsaSpki, edSpki])).toString('hex')}`, keyId: refKeyId(rsaPub),
  };
}

const sign = (who: Identity, context: string, body: Uint8Array): Buffer =>
  crypto.sign(null, Buffer.concat([Buffer.from(context, 'utf8'), Buffer.from([0]), body]), who.edPrivate);
const signObject = <T extends object>(who: Identity, context: string, fields: T): T & { signature: string } =>
  ({ ...fields, signature: b64u(sign(who, context, Buffer.from(canonical(fields), 'utf8'))) });
const json = (object: unknown): Buffer => Buffer.from(`${canonical(object)}\n`, 'utf8');
const withoutSignature = (object: { signature: string }): Record<string, unknown> => {
  const rest: Record<string, unknown> = { ...object };
  delete rest.signature;
  return rest;
};

/** `payloadDigest` of v2 §3.2 over a stored payload. */
function payloadDigest(payload: Buffer, chunkSize: number): Buffer {
  const leaves: Buffer[] = [];
  for (let at = 0; at < payload.length; at += chunkSize + 16) leaves.push(sha256(payload.subarray(at, at + chunkSize + 16)));
  return sha256(Buffer.concat([Buffer.from('keyward/v2 payload', 'utf8'), Buffer.from([0]), ...leaves]));
}

interface SignedFile {
  file: Buffer;
  prefix: Buffer;
  payload: Buffer;
  digest: Buffer;
  signature: Buffer;
  fileKey: Buffer;
  salt: Buffer;
  fileId: Buffer;
  hmac: Buffer;
  plaintext: Buffer;
  meta: RefMeta;
}

export function buildV2Vectors(
  put: Put,
  seeded: (label: string, len: number) => Buffer,
  oaepWrap: (message: Buffer, publicKeyPem: string, seedLabel: string, o?: { label?: Buffer }) => Buffer,
  rsaPrivatePem: (name: IdentityName | 'weak-1024') => string,
  v1: { file: string; recovery: string },
): { identities: Record<IdentityName, IdentityEntry>; vectors: V2VectorEntry[]; councils: CouncilVector[] } {
  const ids = Object.fromEntries(IDENTITY_NAMES.map((n) => [n, identity(n, rsaPrivatePem(n), seeded)])) as Record<IdentityName, Identity>;
  const { owner, authority, stranger } = ids;
  const newOwner = ids['new-owner'];
  const identities = {} as Record<IdentityName, IdentityEntry>;
  for (const name of IDENTITY_NAMES) {
    const who = ids[name];
    const edPem = who.edPrivate.export({ type: 'pkcs8', format: 'pem' }).toString();
    const edPub = crypto.createPublicKey(who.edPrivate).export({ type: 'spki', format: 'pem' }).toString();
    const rsaJwk = crypto.createPublicKey(who.rsaPub).export({ format: 'jwk' });
    const edJwk = crypto.createPublicKey(who.edPrivate).export({ format: 'jwk' });
    identities[name] = {
      private: put(`vectors/id-${who.name}.pem`, Buffer.from(`${who.rsaPem}${edPem}`)),
      public: put(`vectors/id-${who.name}.pub.pem`, Buffer.from(`${who.rsaPub}${edPub}`)),
      jwk: put(`vectors/id-${who.name}.pub.jwk.json`, Buffer.from(`${JSON.stringify({
        keys: [{ kty: 'RSA', alg: 'RSA-OAEP-256', n: rsaJwk.n, e: rsaJwk.e }, { kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', x: edJwk.x }],
      }, null, 2)}\n`)),
      id: who.id,
      keyId: who.keyId,
    };
  }

  /** A signed file of v2 §3 by `signer`, built from a v1 one of the reference: the v2 magic and header, the HMAC again, the signature. */
  function signedFile(name: string, signer: Identity, size: number, o: { header?: (h: Record<string, unknown>) => Record<string, unknown> } = {}): SignedFile {
    const plaintext = seeded(`v2:${name}:plaintext`, size);
    const meta: RefMeta = { name: `${name}.bin`, type: 'application/octet-stream', size, lastModified: LAST_MODIFIED };
    const signerField = { id: signer.id, publicKey: b64u(signer.rsaSpki), signingKey: b64u(signer.edSpki) };
    const r = refEncrypt({
      plaintext, chunkSize: CS, meta, fileKey: seeded(`v2:${name}:filekey`, 32), salt: seeded(`v2:${name}:salt`, 16), fileId: seeded(`v2:${name}:fileid`, 16),
      recipients: [{ role: 'owner', publicKeyPem: signer.rsaPub }],
      headerJsonOverride: (h) => JSON.stringify((o.header ?? ((x) => x))({ ...h, version: 2, signer: signerField })),
      wrapOverride: (fk, pem, i) => oaepWrap(fk, pem, `v2:${name}:oaep:${i}`),
    });
    const headerBytes = Buffer.concat([MAGIC_V2, r.headerBytes.subarray(MAGIC_V2.length)]);
    const mac = hmac(deriveKeys(r.fileKey, r.salt).headerMacKey, headerBytes);
    const prefix = Buffer.concat([headerBytes, mac]);
    const digest = payloadDigest(r.payload, CS);
    const signature = sign(signer, 'keyward/v2 file', Buffer.concat([prefix, digest]));
    return { file: Buffer.concat([prefix, r.payload, signature]), prefix, payload: r.payload, digest, signature, fileKey: r.fileKey, salt: r.salt, fileId: r.fileId, hmac: mac, plaintext, meta };
  }

  function escrowFields(f: SignedFile, who: Identity, wrappedKey: Buffer) {
    return {
      format: 'keyward-escrow/2', fileId: b64u(f.fileId), serial: refSerial(f.fileId), description: 'Quarterly report — Q4', createdAt: '2026-11-28T12:00:00.000Z',
      owner: { name: 'Ada Lovelace', id: who.id, publicKey: b64u(who.rsaSpki), signingKey: b64u(who.edSpki) },
      authority: { kind: 'identity', name: 'IT backup', id: authority.id, keyId: authority.keyId },
      prefix: b64u(f.prefix), payloadDigest: b64u(f.digest), fileSignature: b64u(f.signature), wrappedKey: b64u(wrappedKey),
    };
  }
  const escrowOf = (f: SignedFile, label: string) => signObject(owner, 'keyward/v2 escrow', escrowFields(f, owner, oaepWrap(f.fileKey, authority.rsaPub, `v2:${label}:escrow-oaep`)));
  const digestOf = (blob: object) => b64u(sha256(Buffer.from(canonical(blob), 'utf8')));

  const vectors: V2VectorEntry[] = [];
  const fileRel = (name: string) => `vectors/${name}.keyward`;
  const jsonRel = (name: string) => `vectors/${name}.json`;

  // ------------------------------------------------------------------ identities
  for (const n of IDENTITY_NAMES) {
    vectors.push({ name: `v2-identity-${n}`, kind: 'identity', key: n, expect: 'success', description: `the ${n} identity: 2-block PEM (private and public) and JWK Set; the ID is SHA-256(rsaSpki || ed25519Spki)` });
  }

  // ------------------------------------------------------------------ signed files
  // Two chunks (the leaves in order); the tampered files below start from a one-chunk file to keep testdata small.
  const good = signedFile('v2-good', owner, CS + 100);
  const goodRel = put(fileRel('v2-good'), good.file);
  const goodFacts = { sha256: sha256(good.plaintext).toString('hex'), size: good.plaintext.length, meta: good.meta, chunkSize: CS };
  vectors.push({ name: 'v2-file-good', kind: 'file', file: goodRel, key: 'owner', expectSigner: 'owner', expect: 'success', ...goodFacts,
    description: 'a signed file (two chunks), opened with the owner\'s key, told to expect the owner' });
  vectors.push({ name: 'v2-file-good-unexpected', kind: 'file', file: goodRel, key: 'owner', expect: 'success', ...goodFacts,
    description: 'the same file opened by a reader told nothing about the signer: it opens and names the owner' });
  vectors.push({ name: 'v2-verify-good', kind: 'verify', file: goodRel, expectSigner: 'owner', expect: 'success', description: 'verified without a private key: the owner signed it' });
  const empty = signedFile('v2-empty', owner, 0);
  vectors.push({ name: 'v2-file-empty', kind: 'file', file: put(fileRel('v2-empty'), empty.file), key: 'owner', expectSigner: 'owner', expect: 'success',
    sha256: sha256(empty.plaintext).toString('hex'), size: 0, meta: empty.meta, chunkSize: CS, description: 'an empty signed file: one empty chunk, then the signature' });

  vectors.push({ name: 'v2-file-other-signer', kind: 'file', file: goodRel, key: 'owner', expectSigner: 'stranger', expect: 'SIGNER_UNTRUSTED',
    description: 'a good signed file, the reader told to expect another identity: refused before any key is used' });
  vectors.push({ name: 'v2-verify-other-signer', kind: 'verify', file: goodRel, expectSigner: 'stranger', expect: 'SIGNER_UNTRUSTED', description: 'verify told to expect another identity' });
  vectors.push({ name: 'v2-file-v1-expected-signer', kind: 'file', file: v1.file, key: 'owner', expectSigner: 'owner', expect: 'SIGNER_UNTRUSTED',
    description: 'an unsigned v1 file (escrow-basic), the reader told to expect the owner: it has no signer' });
  const small = signedFile('v2-small', owner, 1000);
  const flipped = Buffer.from(small.file);
  flipped[flipped.length - 1] = (flipped[flipped.length - 1] ?? 0) ^ 0x01;
  const flippedRel = put(fileRel('v2-signature-flipped'), flipped);
  vectors.push({ name: 'v2-file-signature-flipped', kind: 'file', file: flippedRel, key: 'owner', expectSigner: 'owner', expect: 'SIGNATURE_INVALID',
    description: 'one bit of the file signature flipped: every chunk opens, the signature fails before the plaintext ends' });
  vectors.push({ name: 'v2-verify-signature-flipped', kind: 'verify', file: flippedRel, expect: 'SIGNATURE_INVALID', description: 'the same file verified without a key' });
  const chunkSwap = Buffer.from(small.file);
  const at = small.prefix.length + 100;
  chunkSwap[at] = (chunkSwap[at] ?? 0) ^ 0x01;
  vectors.push({ name: 'v2-verify-payload-byte', kind: 'verify', file: put(fileRel('v2-payload-byte'), chunkSwap), expect: 'SIGNATURE_INVALID',
    description: 'one payload bit flipped in chunk 0 (the only one): verify (which decrypts nothing) reports the signature' });

  // Attack (d): the file-key holder seals other plaintext under the same header.
  const forgedPlain = seeded('v2:reencrypted:plaintext', small.plaintext.length);
  const payloadKey = deriveKeys(small.fileKey, small.salt).payloadKey;
  const chunks: Buffer[] = [];
  const count = Math.max(1, Math.ceil(forgedPlain.length / CS));
  for (let i = 0; i < count; i++) chunks.push(gcmEncrypt(payloadKey, chunkNonce(i, i === count - 1), forgedPlain.subarray(i * CS, (i + 1) * CS)));
  const forgedPayload = Buffer.concat(chunks);
  const reencryptedRel = put(fileRel('v2-attack-reencrypted'), Buffer.concat([small.prefix, forgedPayload, small.signature]));
  vectors.push({ name: 'v2-attack-reencrypted', kind: 'file', file: reencryptedRel, key: 'owner', expectSigner: 'owner', expect: 'SIGNATURE_INVALID',
    description: 'attack (d): a holder of the file key re-encrypted other plaintext under the same header and kept the owner\'s signature: every chunk opens, the signature refuses it' });
  vectors.push({ name: 'v2-verify-attack-reencrypted', kind: 'verify', file: reencryptedRel, expectSigner: 'owner', expect: 'SIGNATURE_INVALID', description: 'the same file verified without a key' });
  const resignedRel = put(fileRel('v2-attack-resigned'), Buffer.concat([small.prefix, forgedPayload, sign(stranger, 'keyward/v2 file', Buffer.concat([small.prefix, payloadDigest(forgedPayload, CS)]))]));
  vectors.push({ name: 'v2-attack-resigned', kind: 'file', file: resignedRel, key: 'owner', expect: 'SIGNATURE_INVALID',
    description: 'attack (d), signed again by the holder: the header still names the owner, whose key does not verify the holder\'s signature' });

  const v1Header = Buffer.from(JSON.stringify({ ...JSON.parse(small.prefix.subarray(14, small.prefix.length - 32).toString('utf8')) as object, version: 1, signer: undefined }), 'utf8');
  vectors.push({ name: 'v2-mal-v1-header', kind: 'file', file: put(fileRel('v2-mal-v1-header'), Buffer.concat([MAGIC_V2, u32be(v1Header.length), v1Header, small.hmac, small.payload, small.signature])),
    key: 'owner', expect: 'MALFORMED', description: 'magic KEYWARD/2 over a v1 header (version 1, no signer): MALFORMED (before v2 this was the vector unsup-v2)' });
  const badId = signedFile('v2-mal-signer-id', owner, 100, { header: (h) => ({ ...h, signer: { ...(h.signer as object), id: stranger.id } }) });
  vectors.push({ name: 'v2-mal-signer-id', kind: 'file', file: put(fileRel('v2-mal-signer-id'), badId.file), key: 'owner', expect: 'MALFORMED',
    description: 'signer.id is not the identity ID of signer.publicKey and signer.signingKey (v2 §3.1)' });
  vectors.push({ name: 'v2-file-cut-in-signature', kind: 'file', file: put(fileRel('v2-cut-in-signature'), small.file.subarray(0, small.prefix.length + 40)), key: 'owner', expect: 'TRUNCATED',
    description: 'a signed file cut 40 bytes after its prefix: shorter than prefix plus 64 bytes' });

  // §3.4 steps 1, 3 and 4 on a signed file (each before the signature is reached).
  const moreHeader = Buffer.from(JSON.stringify({ ...JSON.parse(small.prefix.subarray(14, small.prefix.length - 32).toString('utf8')) as object, note: 'x' }), 'utf8');
  vectors.push({ name: 'v2-file-header-tampered', kind: 'file', key: 'owner', expectSigner: 'owner', expect: 'HEADER_TAMPERED',
    file: put(fileRel('v2-header-tampered'), Buffer.concat([MAGIC_V2, u32be(moreHeader.length), moreHeader, small.hmac, small.payload, small.signature])),
    description: 'a header field added after the owner wrote the file, the old hmac and signature kept: the header MAC fails (step 3)' });
  vectors.push({ name: 'v2-file-no-matching-key', kind: 'file', file: put(fileRel('v2-small'), small.file), key: 'stranger', expectSigner: 'owner', expect: 'NO_MATCHING_KEY',
    description: 'a good signed file opened with a key it is not wrapped for (step 3)' });
  vectors.push({ name: 'v2-file-chunk-tampered', kind: 'file', file: fileRel('v2-payload-byte'), key: 'owner', expectSigner: 'owner', expect: 'CHUNK_TAMPERED',
    description: 'one payload bit flipped in chunk 0: decrypting, the chunk fails before the signature is reached (step 4)' });
  const strangerSigner = { id: stranger.id, publicKey: b64u(stranger.rsaSpki), signingKey: b64u(stranger.edSpki) };
  vectors.push({ name: 'v2-mal-owner-not-signer', kind: 'file', key: 'owner', expect: 'MALFORMED',
    file: put(fileRel('v2-mal-owner-not-signer'), signedFile('v2-mal-owner-not-signer', owner, 100, { header: (h) => ({ ...h, signer: strangerSigner }) }).file),
    description: 'signer is another identity (its ID right) than the key of the owner stanza (v2 §3.1)' });
  vectors.push({ name: 'v2-mal-two-owners', kind: 'file', key: 'owner', expect: 'MALFORMED',
    file: put(fileRel('v2-mal-two-owners'), signedFile('v2-mal-two-owners', owner, 100, { header: (h) => ({ ...h, recipients: [...(h.recipients as object[]), ...(h.recipients as object[]).map((r) => ({ ...r, keyId: stranger.keyId }))] }) }).file),
    description: 'two owner stanzas, the first for the signer\'s RSA key, the second for another key: exactly one is allowed (v2 §3.1)' });
  const weak = identity('weak-1024', rsaPrivatePem('weak-1024'), seeded);
  vectors.push({ name: 'v2-mal-weak-signer', kind: 'file', key: 'owner', expect: 'MALFORMED',
    file: put(fileRel('v2-mal-weak-signer'), signedFile('v2-mal-weak-signer', weak, 100).file),
    description: 'a file signed by an identity whose RSA key has 1024 bits (ID, owner stanza and signature consistent): MALFORMED, v2 §3.1' });

  vectors.push({ name: 'v2-file-last-chunk-dropped', kind: 'file', key: 'owner', expectSigner: 'owner', expect: 'TRUNCATED',
    file: put(fileRel('v2-last-chunk-dropped'), Buffer.concat([good.prefix, good.payload.subarray(0, CS + 16), good.signature])),
    description: 'v2-good with its last chunk dropped, the signature kept: the payload ends without a final chunk (step 4)' });
  vectors.push({ name: 'v2-file-byte-before-signature', kind: 'file', key: 'owner', expectSigner: 'owner', expect: 'CHUNK_TAMPERED',
    file: put(fileRel('v2-byte-before-signature'), Buffer.concat([small.prefix, small.payload, Buffer.from([0]), small.signature])),
    description: 'one byte inserted between the (short) final chunk and the signature: the signature is the last 64 bytes, so the byte joins the chunk (step 4)' });
  const smallHeader = small.prefix.subarray(14, small.prefix.length - 32).toString('utf8');
  const dupHeader = Buffer.from(`{"version":2,${smallHeader.slice(1)}`, 'utf8');
  vectors.push({ name: 'v2-mal-duplicate-header-key', kind: 'file', key: 'owner', expect: 'MALFORMED',
    file: put(fileRel('v2-mal-duplicate-header-key'), Buffer.concat([MAGIC_V2, u32be(dupHeader.length), dupHeader, small.hmac, small.payload, small.signature])),
    description: 'the header JSON gives "version" twice (v2 §3.1: a key that occurs twice is MALFORMED, before any MAC)' });
  vectors.push({ name: 'v2-verify-cut-in-signature', kind: 'verify', file: fileRel('v2-cut-in-signature'), expect: 'TRUNCATED', description: 'verify: a signed file shorter than its prefix plus 64 bytes' });
  vectors.push({ name: 'v2-verify-mal-signer-id', kind: 'verify', file: fileRel('v2-mal-signer-id'), expect: 'MALFORMED', description: 'verify: signer.id is not the identity ID of its keys (step 1)' });
  vectors.push({ name: 'v2-verify-v1-expected-signer', kind: 'verify', file: v1.file, expectSigner: 'owner', expect: 'SIGNER_UNTRUSTED',
    description: 'verify told to expect the owner, given an unsigned v1 file' });

  // ------------------------------------------------------------------ escrow blobs
  const escrow = escrowOf(good, 'v2-good');
  const escrowRel = put(jsonRel('v2-good.escrow'), json(escrow));
  vectors.push({ name: 'v2-escrow-good', kind: 'escrow', escrow: escrowRel, key: 'authority', expectSigner: 'owner', expect: 'success',
    description: 'the escrow blob of v2-good: all eight checks of §4 pass for the authority' });
  vectors.push({ name: 'v2-escrow-parses', kind: 'signed-object', blob: escrowRel, expect: 'success', parsesAs: 'escrow-v2', description: 'told apart from the other blobs by its format' });
  vectors.push({ name: 'v2-escrow-other-owner', kind: 'escrow', escrow: escrowRel, key: 'authority', expectSigner: 'stranger', expect: 'SIGNER_UNTRUSTED', description: 'check 4: the checker expects another owner' });
  vectors.push({ name: 'v2-escrow-other-authority', kind: 'escrow', escrow: escrowRel, key: 'stranger', expect: 'NO_MATCHING_KEY', description: 'check 7: checked by an identity the blob is not for' });
  vectors.push({ name: 'v2-escrow-description-changed', kind: 'escrow', escrow: put(jsonRel('v2-escrow-description-changed'), json({ ...escrow, description: 'Something else' })),
    key: 'authority', expect: 'SIGNATURE_INVALID', description: 'check 3: the description changed after the owner signed the blob' });
  vectors.push({ name: 'v2-escrow-unknown-field', kind: 'escrow', escrow: put(jsonRel('v2-escrow-unknown-field'), json(signObject(owner, 'keyward/v2 escrow', { ...withoutSignature(escrow), note: 'x' }))),
    key: 'authority', expect: 'MALFORMED', description: 'check 1: a field v2 §4 does not define, even under a valid signature' });
  const council = { ...withoutSignature(escrow), authority: { kind: 'council', name: 'Board', id: authority.id, threshold: 2, members: [] }, shares: [] };
  delete (council as Record<string, unknown>).wrappedKey;
  const councilRel = put(jsonRel('v2-escrow-council'), json(signObject(owner, 'keyward/v2 escrow', council)));
  vectors.push({ name: 'v2-escrow-council', kind: 'escrow', escrow: councilRel, key: 'authority', expect: 'MALFORMED',
    description: 'a council blob (§8.3) naming a council of no members, whose id is an identity\'s: check 1 (§8.1: 1 <= n; the id is not the council ID)' });
  vectors.push({ name: 'v2-escrow-council-parse', kind: 'signed-object', blob: councilRel, expect: 'MALFORMED', description: 'the same blob, parsed alone' });

  const randomKey = oaepWrap(seeded('v2:random-file-key', 32), authority.rsaPub, 'v2:random-file-key:oaep');
  vectors.push({ name: 'v2-attack-forged-unsigned', kind: 'escrow', escrow: put(jsonRel('v2-attack-forged-unsigned'), json({ ...escrow, wrappedKey: b64u(randomKey) })),
    key: 'authority', expect: 'SIGNATURE_INVALID', description: 'attack (a): a real blob\'s public fields with a random key wrapped for the authority, the owner\'s signature left as it was' });
  vectors.push({ name: 'v2-attack-forged-other-signer', kind: 'escrow',
    escrow: put(jsonRel('v2-attack-forged-other-signer'), json(signObject(stranger, 'keyward/v2 escrow', { ...withoutSignature(escrow), wrappedKey: b64u(randomKey) }))),
    key: 'authority', expect: 'SIGNATURE_INVALID', description: 'attack (a): the same, signed by another identity under the owner\'s name' });
  vectors.push({ name: 'v2-attack-forged-as-other', kind: 'escrow',
    escrow: put(jsonRel('v2-attack-forged-as-other'), json(signObject(stranger, 'keyward/v2 escrow', { ...escrowFields(good, stranger, randomKey) }))),
    key: 'authority', expect: 'SIGNER_UNTRUSTED', description: 'attack (a): the forger names and signs as itself, with the owner\'s file prefix: the file\'s signer is not the blob\'s owner (check 5)' });
  vectors.push({ name: 'v2-attack-evading', kind: 'escrow',
    escrow: put(jsonRel('v2-attack-evading'), json(signObject(owner, 'keyward/v2 escrow', { ...withoutSignature(escrow), wrappedKey: b64u(randomKey) }))),
    key: 'authority', expect: 'ESCROW_INVALID', description: 'attack (b): the owner signs a blob that wraps a random key: it does not open the header (check 8)' });
  const otherFile = signedFile('v2-other', owner, 500);
  put(fileRel('v2-other'), otherFile.file);
  vectors.push({ name: 'v2-attack-swapped-prefix', kind: 'escrow',
    escrow: put(jsonRel('v2-attack-swapped-prefix'), json(signObject(owner, 'keyward/v2 escrow', { ...withoutSignature(escrow), prefix: b64u(otherFile.prefix) }))),
    key: 'authority', expect: 'ESCROW_INVALID', description: 'attack (c): another file\'s prefix in the blob: its fileId is not the blob\'s (check 5)' });
  vectors.push({ name: 'v2-attack-swapped-file', kind: 'escrow',
    escrow: put(jsonRel('v2-attack-swapped-file'), json(signObject(owner, 'keyward/v2 escrow', { ...withoutSignature(escrow), prefix: b64u(otherFile.prefix), fileId: b64u(otherFile.fileId), serial: refSerial(otherFile.fileId) }))),
    key: 'authority', expect: 'SIGNATURE_INVALID', description: 'attack (c): another file\'s prefix, fileId and serial with this file\'s digest and signature (check 6)' });

  vectors.push({ name: 'v2-escrow-owner-id', kind: 'escrow', key: 'authority', expect: 'MALFORMED',
    escrow: put(jsonRel('v2-escrow-owner-id'), json(signObject(owner, 'keyward/v2 escrow', { ...withoutSignature(escrow), owner: { ...escrow.owner, id: stranger.id } }))),
    description: 'check 2: owner.id is another identity\'s ID, not the ID of owner.publicKey and owner.signingKey (the blob signed by the owner\'s key)' });
  vectors.push({ name: 'v2-escrow-file-signature', kind: 'escrow', key: 'authority', expectSigner: 'owner', expect: 'SIGNATURE_INVALID',
    escrow: put(jsonRel('v2-escrow-file-signature'), json(signObject(owner, 'keyward/v2 escrow', { ...withoutSignature(escrow), fileSignature: b64u(otherFile.signature) }))),
    description: 'check 6 alone: fileSignature is the owner\'s signature of another file; the blob is signed by the owner and every other check passes' });
  const prefixVariants: [string, Buffer, string][] = [
    ['cut', good.prefix.subarray(0, 40), 'cut inside its header'],
    ['not-keyward', Buffer.concat([Buffer.from('NOTKEYWRD\n', 'utf8'), good.prefix.subarray(MAGIC_V2.length)]), 'with a magic that is not Keyward\'s'],
    ['v1', Buffer.concat([Buffer.from('KEYWARD/1\n', 'utf8'), good.prefix.subarray(MAGIC_V2.length)]), 'with the v1 magic (another version)'],
  ];
  for (const [label, bytes, how] of prefixVariants) {
    vectors.push({ name: `v2-escrow-prefix-${label}`, kind: 'escrow', key: 'authority', expect: 'MALFORMED',
      escrow: put(jsonRel(`v2-escrow-prefix-${label}`), json(signObject(owner, 'keyward/v2 escrow', { ...withoutSignature(escrow), prefix: b64u(bytes) }))),
      description: `check 5: the blob's prefix, ${how}, is not a v2 prefix; the blob is to blame (signed by the owner)` });
  }

  vectors.push({ name: 'v2-escrow-serial-wrong', kind: 'escrow', key: 'authority', expect: 'ESCROW_INVALID',
    escrow: put(jsonRel('v2-escrow-serial-wrong'), json(signObject(owner, 'keyward/v2 escrow', { ...withoutSignature(escrow), serial: refSerial(otherFile.fileId) }))),
    description: 'check 5: the serial is another file\'s, the fileId and prefix this one\'s (signed by the owner)' });
  const escrowText = canonical(escrow);
  vectors.push({ name: 'v2-escrow-duplicate-key', kind: 'escrow', key: 'authority', expect: 'MALFORMED',
    escrow: put(jsonRel('v2-escrow-duplicate-key'), Buffer.from(`{"description":"Something else",${escrowText.slice(1)}\n`, 'utf8')),
    description: 'check 1: "description" given twice (the second one signed); a strict reader refuses it whichever value would win' });

  // ------------------------------------------------------------------ receipts
  const receiptFields = {
    format: 'keyward-receipt/2', fileId: escrow.fileId, serial: escrow.serial, escrowDigest: digestOf(escrow), owner: { id: owner.id },
    authority: { name: 'Legal', id: authority.id, publicKey: b64u(authority.rsaSpki), signingKey: b64u(authority.edSpki) }, receivedAt: '2026-12-01T09:30:00.000Z',
  };
  const receiptRel = put(jsonRel('v2-good.receipt'), json(signObject(authority, 'keyward/v2 receipt', receiptFields)));
  vectors.push({ name: 'v2-receipt-good', kind: 'receipt', receipt: receiptRel, escrow: escrowRel, expect: 'success', description: 'the authority\'s receipt for v2-good.escrow, checked by the owner' });
  vectors.push({ name: 'v2-receipt-parses', kind: 'signed-object', blob: receiptRel, expect: 'success', parsesAs: 'receipt', description: 'told apart from the blobs by its format' });
  vectors.push({ name: 'v2-receipt-other-blob', kind: 'receipt', receipt: receiptRel, escrow: put(jsonRel('v2-other.escrow'), json(escrowOf(otherFile, 'v2-other'))), expect: 'BLOB_MISMATCH',
    description: 'a good receipt checked against another of the owner\'s blobs' });
  vectors.push({ name: 'v2-receipt-by-stranger', kind: 'receipt', escrow: escrowRel, expect: 'SIGNER_UNTRUSTED',
    receipt: put(jsonRel('v2-receipt-by-stranger'), json(signObject(stranger, 'keyward/v2 receipt', { ...receiptFields, authority: { name: 'Legal', id: stranger.id, publicKey: b64u(stranger.rsaSpki), signingKey: b64u(stranger.edSpki) } }))),
    description: 'a receipt validly signed by an identity that is not the blob\'s authority' });
  vectors.push({ name: 'v2-receipt-date-changed', kind: 'receipt', escrow: escrowRel, expect: 'SIGNATURE_INVALID',
    receipt: put(jsonRel('v2-receipt-date-changed'), json({ ...signObject(authority, 'keyward/v2 receipt', receiptFields), receivedAt: '2027-01-01T00:00:00.000Z' })),
    description: 'receivedAt changed after the authority signed' });

  vectors.push({ name: 'v2-receipt-unknown-field', kind: 'receipt', escrow: escrowRel, expect: 'MALFORMED',
    receipt: put(jsonRel('v2-receipt-unknown-field'), json(signObject(authority, 'keyward/v2 receipt', { ...receiptFields, note: 'x' }))),
    description: 'a receipt with a field v2 §5 does not define, under the authority\'s valid signature' });
  vectors.push({ name: 'v2-receipt-authority-id', kind: 'receipt', escrow: escrowRel, expect: 'MALFORMED',
    receipt: put(jsonRel('v2-receipt-authority-id'), json(signObject(authority, 'keyward/v2 receipt', { ...receiptFields, authority: { ...receiptFields.authority, id: stranger.id } }))),
    description: 'a receipt whose authority.id is not the identity ID of its keys (signed by those keys)' });
  vectors.push({ name: 'v2-receipt-other-serial', kind: 'receipt', escrow: escrowRel, expect: 'BLOB_MISMATCH',
    receipt: put(jsonRel('v2-receipt-other-serial'), json(signObject(authority, 'keyward/v2 receipt', { ...receiptFields, serial: refSerial(otherFile.fileId) }))),
    description: 'a receipt signed by the blob\'s authority with the blob\'s digest, naming another serial' });
  vectors.push({ name: 'v2-receipt-other-owner', kind: 'receipt', escrow: escrowRel, expect: 'BLOB_MISMATCH',
    receipt: put(jsonRel('v2-receipt-other-owner'), json(signObject(authority, 'keyward/v2 receipt', { ...receiptFields, owner: { id: stranger.id } }))),
    description: 'a receipt signed by the blob\'s authority with the blob\'s digest, naming another owner' });

  // ------------------------------------------------------------------ recovery blobs
  const recoveryFields = {
    format: 'keyward-recovery/2', fileId: escrow.fileId, serial: escrow.serial, description: escrow.description, createdAt: '2027-01-02T03:04:05.000Z',
    headerHmac: b64u(good.hmac), escrowDigest: digestOf(escrow), owner: { name: 'Ada Lovelace (new laptop)', id: newOwner.id, keyId: newOwner.keyId },
    issuer: { kind: 'identity', name: 'IT backup', id: authority.id, publicKey: b64u(authority.rsaSpki), signingKey: b64u(authority.edSpki) },
    wrappedKey: b64u(oaepWrap(good.fileKey, newOwner.rsaPub, 'v2:v2-good:recovery-oaep')),
  };
  const goodRecovery = signObject(authority, 'keyward/v2 recovery', recoveryFields);
  const recoveryRel = put(jsonRel('v2-good.recovery'), json(goodRecovery));
  vectors.push({ name: 'v2-recovery-good', kind: 'file', file: goodRel, recovery: recoveryRel, key: 'new-owner', trusted: ['authority'], expectSigner: 'owner', expect: 'success', ...goodFacts,
    description: 'v2-good opened by the owner\'s new identity through the recovery blob its pinned authority signed' });
  vectors.push({ name: 'v2-recovery-parses', kind: 'signed-object', blob: recoveryRel, expect: 'success', parsesAs: 'recovery-v2', description: 'told apart from the other blobs by its format' });
  vectors.push({ name: 'v2-recovery-nothing-pinned', kind: 'file', file: goodRel, recovery: recoveryRel, key: 'new-owner', trusted: [], expect: 'SIGNER_UNTRUSTED',
    description: 'a reader with nothing pinned refuses every v2 recovery blob' });
  vectors.push({ name: 'v2-attack-recovery-unpinned', kind: 'file', file: goodRel, key: 'new-owner', trusted: ['authority'], expect: 'SIGNER_UNTRUSTED',
    recovery: put(jsonRel('v2-attack-recovery-unpinned'), json(signObject(stranger, 'keyward/v2 recovery', { ...recoveryFields, issuer: { kind: 'identity', name: 'IT backup', id: stranger.id, publicKey: b64u(stranger.rsaSpki), signingKey: b64u(stranger.edSpki) } }))),
    description: 'attack (e): a recovery blob validly signed by an identity the reader did not pin' });
  vectors.push({ name: 'v2-attack-recovery-v1', kind: 'file', file: v1.file, recoveryV1: v1.recovery, key: 'new-owner', trusted: ['authority'], expect: 'SIGNER_UNTRUSTED',
    description: 'attack (e): a v1 recovery blob (unsigned) when the reader trusts only pinned issuers' });
  vectors.push({ name: 'v2-recovery-owner-changed', kind: 'file', file: goodRel, key: 'new-owner', trusted: ['authority'], expect: 'SIGNATURE_INVALID',
    recovery: put(jsonRel('v2-recovery-owner-changed'), json({ ...signObject(authority, 'keyward/v2 recovery', recoveryFields), owner: { ...recoveryFields.owner, name: 'Mallory' } })),
    description: 'the owner name changed after the issuer signed' });
  vectors.push({ name: 'v2-recovery-other-file', kind: 'file', file: put(fileRel('v2-other'), otherFile.file), recovery: recoveryRel, key: 'new-owner', trusted: ['authority'], expect: 'BLOB_MISMATCH',
    description: 'a good recovery blob used on another file' });
  vectors.push({ name: 'v2-recovery-not-mine', kind: 'file', file: goodRel, recovery: recoveryRel, key: 'owner', trusted: ['authority'], expect: 'NO_MATCHING_KEY',
    description: 'a good recovery blob for the new identity, opened with the (old) owner\'s key (check 4)' });
  vectors.push({ name: 'v2-recovery-unknown-field', kind: 'file', file: goodRel, key: 'new-owner', trusted: ['authority'], expect: 'MALFORMED',
    recovery: put(jsonRel('v2-recovery-unknown-field'), json(signObject(authority, 'keyward/v2 recovery', { ...recoveryFields, note: 'x' }))),
    description: 'a recovery blob with a field v2 §6 does not define, under the pinned issuer\'s valid signature (check 1)' });
  vectors.push({ name: 'v2-recovery-issuer-id', kind: 'file', file: goodRel, key: 'new-owner', trusted: ['authority', 'stranger'], expect: 'MALFORMED',
    recovery: put(jsonRel('v2-recovery-issuer-id'), json(signObject(authority, 'keyward/v2 recovery', { ...recoveryFields, issuer: { ...recoveryFields.issuer, id: stranger.id } }))),
    description: 'a recovery blob whose issuer.id (a pinned identity) is not the identity ID of its keys (check 1)' });
  vectors.push({ name: 'v2-recovery-other-signer', kind: 'file', file: goodRel, recovery: recoveryRel, key: 'new-owner', trusted: ['authority'], expectSigner: 'stranger', expect: 'SIGNER_UNTRUSTED',
    description: 'a good recovery blob from the pinned issuer, the reader told to expect another file signer (step 6, §3.4 step 2)' });
  vectors.push({ name: 'v2-recovery-unwrap-failed', kind: 'file', file: goodRel, key: 'new-owner', trusted: ['authority'], expect: 'UNWRAP_FAILED',
    recovery: put(jsonRel('v2-recovery-unwrap-failed'), json(signObject(authority, 'keyward/v2 recovery', { ...recoveryFields, wrappedKey: b64u(oaepWrap(good.fileKey, stranger.rsaPub, 'v2:v2-good:recovery-oaep-stranger')) }))),
    description: 'a recovery blob signed by the pinned issuer whose wrappedKey is wrapped for another RSA key than owner.keyId (step 6)' });
  vectors.push({ name: 'v2-recovery-header-tampered', kind: 'file', file: goodRel, key: 'new-owner', trusted: ['authority'], expect: 'HEADER_TAMPERED',
    recovery: put(jsonRel('v2-recovery-header-tampered'), json(signObject(authority, 'keyward/v2 recovery', { ...recoveryFields, wrappedKey: b64u(oaepWrap(seeded('v2:recovery-random-key', 32), newOwner.rsaPub, 'v2:recovery-random-key:oaep')) }))),
    description: 'a recovery blob signed by the pinned issuer that wraps a key which does not open the header (step 6)' });
  const smallRecovery = signObject(authority, 'keyward/v2 recovery', {
    ...recoveryFields, fileId: b64u(small.fileId), serial: refSerial(small.fileId), headerHmac: b64u(small.hmac), escrowDigest: digestOf(escrowOf(small, 'v2-small')),
    wrappedKey: b64u(oaepWrap(small.fileKey, newOwner.rsaPub, 'v2:v2-small:recovery-oaep')),
  });
  vectors.push({ name: 'v2-recovery-file-signature-flipped', kind: 'file', file: flippedRel, recovery: put(jsonRel('v2-small.recovery'), json(smallRecovery)), key: 'new-owner', trusted: ['authority'],
    expect: 'SIGNATURE_INVALID', description: 'a good recovery blob for a file whose signature was changed: the file\'s own signature is checked too (step 6)' });
  vectors.push({ name: 'v2-recovery-duplicate-key', kind: 'file', file: goodRel, key: 'new-owner', trusted: ['authority'], expect: 'MALFORMED',
    recovery: put(jsonRel('v2-recovery-duplicate-key'), Buffer.from(`{"wrappedKey":"${b64u(oaepWrap(seeded('v2:recovery-random-key', 32), newOwner.rsaPub, 'v2:recovery-random-key:oaep'))}",${canonical(goodRecovery).slice(1)}\n`, 'utf8')),
    description: 'check 1: "wrappedKey" given twice, the signed one second: a strict reader refuses it' });
  const council2 = { ...recoveryFields, issuer: { ...recoveryFields.issuer, kind: 'member' }, wrappedShare: 'AAAA' };
  delete (council2 as Record<string, unknown>).wrappedKey;
  vectors.push({ name: 'v2-recovery-member-parse', kind: 'signed-object', blob: put(jsonRel('v2-recovery-member'), json(council2)), expect: 'MALFORMED',
    description: 'a member\'s partial recovery blob (§8.4) without issuer.council and issuer.index, wrappedShare not a share and no signature: step 1' });
  return { identities, vectors, councils: councilVectors() };

  // ------------------------------------------------------------------ councils (§8)
  /** The council vectors: a 2-of-3 council (authority, stranger, member-3) over one tiny file of the owner's; partials for new-owner. */
  function councilVectors(): CouncilVector[] {
    const cv: CouncilVector[] = [];
    const members = [authority, stranger, ids['member-3']];
    const names = ['Ada (IT)', 'Bo (Legal)', 'Cy (Audit)'];
    const entry = (who: { id: string; rsaSpki: Buffer; edSpki: Buffer }, name: string) => ({ name, id: who.id, publicKey: b64u(who.rsaSpki), signingKey: b64u(who.edSpki) });
    const descriptor = (threshold: number, list: object[]) => ({ format: 'keyward-council/2', name: 'Board', threshold, members: list });
    const councilId = (d: object) => `SHA256:${sha256(Buffer.concat([Buffer.from('keyward/v2 council', 'utf8'), Buffer.from([0]), Buffer.from(canonical(d), 'utf8')])).toString('hex')}`;
    const councilRel = (name: string) => `vectors/${name}.keyward-council.json`;

    // §8.1 descriptors.
    const board = descriptor(2, members.map((m, i) => entry(m, names[i]!)));
    const boardId = councilId(board);
    const boardRel = put(councilRel('council-board'), json(board));
    cv.push({ name: 'council-descriptor', kind: 'council', council: boardRel, councilId: boardId, expect: 'success',
      description: 'a 2-of-3 council (members authority, stranger, member-3): its ID is SHA-256 of "keyward/v2 council", 0x00 and the canonical descriptor' });
    cv.push({ name: 'council-mal-k-over-n', kind: 'council', council: put(councilRel('council-mal-k-over-n'), json(descriptor(4, board.members))), expect: 'MALFORMED',
      description: 'threshold 4 for 3 members (§8.1: k <= n)' });
    cv.push({ name: 'council-mal-duplicate-member', kind: 'council', expect: 'MALFORMED',
      council: put(councilRel('council-mal-duplicate-member'), json(descriptor(2, [board.members[0]!, board.members[1]!, { ...board.members[0]!, name: 'Ada again' }]))),
      description: 'member 1 is member 3 too (same identity ID, another name): no identity ID occurs twice' });
    const seventeen = Array.from({ length: 17 }, (_, i) => {
      const ed = crypto.createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seeded(`council:17:${i}:ed25519`, 32)]), format: 'der', type: 'pkcs8' });
      const edSpki = crypto.createPublicKey(ed).export({ type: 'spki', format: 'der' });
      return entry({ id: `SHA256:${sha256(Buffer.concat([stranger.rsaSpki, edSpki])).toString('hex')}`, rsaSpki: stranger.rsaSpki, edSpki }, `M${i + 1}`);
    });
    cv.push({ name: 'council-mal-17-members', kind: 'council', council: put(councilRel('council-mal-17-members'), json(descriptor(1, seventeen))), expect: 'MALFORMED',
      description: '17 members (n <= 16), each a valid identity of its own (one RSA key, 17 signing keys, 17 IDs), threshold 1' });

    // §8.2-8.3 the file and its council blob.
    const f = signedFile('council', owner, 100);
    const fileRelC = put(fileRel('council'), f.file);
    const facts = { sha256: sha256(f.plaintext).toString('hex'), size: f.plaintext.length, meta: f.meta, chunkSize: CS };
    let draw = 0;
    const shares = refSplit(f.fileKey, 3, 2, (len) => seeded(`council:split:${draw++}`, len));
    const wrapShare = (share: Buffer, index: number, who: Identity, label: string) => oaepWrap(share, who.rsaPub, label, { label: Buffer.from(`keyward/v2 share ${index}`, 'utf8') });
    // A council's blob has shares in place of wrappedKey.
    const common: Omit<ReturnType<typeof escrowFields>, 'wrappedKey'> & { wrappedKey?: string } = escrowFields(f, owner, Buffer.alloc(0));
    delete common.wrappedKey;
    const blobFields = (raw: Buffer[], label: string) => ({
      ...common, authority: { kind: 'council', name: board.name, id: boardId, threshold: 2, members: board.members },
      shares: raw.map((share, i) => b64u(wrapShare(share, i + 1, members[i]!, `council:${label}:share-oaep:${i + 1}`))),
    });
    const good = signObject(owner, 'keyward/v2 escrow', blobFields(shares, 'good'));
    const goodRel = put(jsonRel('council-board.escrow'), json(good));
    members.forEach((_, i) => {
      cv.push({ name: `council-member-check-${i + 1}`, kind: 'member-check', escrow: goodRel, key: (['authority', 'stranger', 'member-3'] as const)[i], expectOwner: 'owner',
        expectCouncil: boardRel, index: i + 1, expect: 'success', description: `member ${i + 1}'s check (§8.3 checks 1-8): the owner signed it for this file, share ${i + 1} unwraps under its label` });
    });
    cv.push({ name: 'council-member-check-not-member', kind: 'member-check', escrow: goodRel, key: 'new-owner', expect: 'NO_MATCHING_KEY',
      description: 'checked by an identity that is not a member of the council (check 7)' });
    const otherBoard = descriptor(3, board.members);
    cv.push({ name: 'council-escrow-id-mismatch', kind: 'member-check', key: 'authority', expect: 'MALFORMED',
      escrow: put(jsonRel('council-escrow-id-mismatch'), json(signObject(owner, 'keyward/v2 escrow', { ...withoutSignature(good), authority: { ...good.authority, id: councilId(otherBoard) } }))),
      description: 'the blob names the 2-of-3 council with the ID of the 3-of-3 council of the same members (signed by the owner): check 1' });
    cv.push({ name: 'council-escrow-forged', kind: 'member-check', key: 'authority', expect: 'SIGNATURE_INVALID',
      escrow: put(jsonRel('council-escrow-forged'), json({ ...good, shares: [...good.shares.slice(0, 2), b64u(wrapShare(shares[0]!, 3, members[2]!, 'council:forged:share-oaep'))] })),
      description: 'share 3 replaced after the owner signed (by member 1\'s share wrapped for member 3): check 3' });
    const evadingShares = [1, 2, 3].map((x) => Buffer.concat([seeded(`council:evading:${x}`, 32), Buffer.from([x * 50])]));
    const evading = signObject(owner, 'keyward/v2 escrow', blobFields(evadingShares, 'evading'));
    const evadingRel = put(jsonRel('council-escrow-evading'), json(evading));
    cv.push({ name: 'council-member-check-evading', kind: 'member-check', escrow: evadingRel, key: 'stranger', index: 2, expect: 'success',
      description: 'an owner\'s evading blob (random shares, signed): a member alone cannot tell with k = 2, its own share unwraps (what only a drill proves)' });

    // §8.3 with k or more member keys together.
    cv.push({ name: 'council-quorum-two', kind: 'quorum-check', escrow: goodRel, keys: ['member-3', 'authority'], present: [1, 3], expect: 'success',
      description: 'members 3 and 1 together: their shares combine to a key that opens the header' });
    cv.push({ name: 'council-quorum-all', kind: 'quorum-check', escrow: goodRel, keys: ['authority', 'stranger', 'member-3'], present: [1, 2, 3], expect: 'success',
      description: 'all three members: every 2-subset combines to the same key, which opens the header' });
    cv.push({ name: 'council-quorum-evading', kind: 'quorum-check', escrow: evadingRel, keys: ['authority', 'stranger'], expect: 'ESCROW_INVALID',
      description: 'the evading blob with members 1 and 2: the shares combine to a key that does not open the header' });
    cv.push({ name: 'council-quorum-one', kind: 'quorum-check', escrow: goodRel, keys: ['authority'], expect: 'QUORUM_NOT_MET', description: 'one member of a 2-of-3 council' });
    cv.push({ name: 'council-quorum-one-twice', kind: 'quorum-check', escrow: goodRel, keys: ['stranger', 'stranger'], expect: 'QUORUM_NOT_MET', description: 'one member\'s key given twice counts once' });
    cv.push({ name: 'council-quorum-non-member', kind: 'quorum-check', escrow: goodRel, keys: ['authority', 'owner'], expect: 'NO_MATCHING_KEY',
      description: 'member 1 and a key that is not a member\'s (the owner\'s)' });
    cv.push({ name: 'council-ceremony', kind: 'ceremony', file: fileRelC, escrow: goodRel, keys: ['authority', 'member-3'], expect: 'success', ...facts,
      description: 'recovery by decryption (§8.4): members 1 and 3 open the file with the blob' });
    cv.push({ name: 'council-ceremony-other-file', kind: 'ceremony', file: fileRel('v2-small'), escrow: goodRel, keys: ['authority', 'member-3'], expect: 'BLOB_MISMATCH',
      description: 'the ceremony on another of the owner\'s files: its prefix is not the blob\'s' });

    // §8.4 partials, for new-owner.
    const newOwnerEntry = { name: 'Ada Lovelace (new laptop)', id: newOwner.id, keyId: newOwner.keyId };
    const partialFields = (index: number, who: Identity, share: Buffer, label: string) => ({
      format: 'keyward-recovery/2', fileId: good.fileId, serial: good.serial, description: good.description, createdAt: '2027-01-02T03:04:05.000Z',
      headerHmac: b64u(f.hmac), escrowDigest: digestOf(good), owner: newOwnerEntry,
      issuer: { kind: 'member', ...entry(who, names[index - 1]!), council: boardId, index },
      wrappedShare: b64u(wrapShare(share, index, newOwner, `council:${label}:partial-oaep`)),
    });
    const partials = members.map((who, i) => put(jsonRel(`council-partial-${i + 1}`), json(signObject(who, 'keyward/v2 partial', partialFields(i + 1, who, shares[i]!, `p${i + 1}`)))));
    const [p1, p2, p3] = partials as [string, string, string];
    const open = (name: string, list: string[], expect: string, description: string, o: Partial<CouncilVector> = {}) =>
      cv.push({ name, kind: 'partials', file: fileRelC, partials: list, key: 'new-owner', pinned: [boardRel], expect, description, ...(expect === 'success' ? facts : {}), ...o });
    open('council-partials-1-2', [p1, p2], 'success', 'partials of members 1 and 2 open the file for the new identity (§8.4 steps 1-7)');
    open('council-partials-3-1', [p3, p1], 'success', 'partials of members 3 and 1, in that order');
    open('council-partials-one', [p1], 'QUORUM_NOT_MET', 'one partial of a 2-of-3 council (step 6)');
    open('council-partials-same-member', [p2, p2], 'QUORUM_NOT_MET', 'two partials of one member count once (step 6)');
    const p2Signed = signObject(stranger, 'keyward/v2 partial', partialFields(2, stranger, shares[1]!, 'p2'));
    open('council-partials-tampered', [p1, put(jsonRel('council-partial-tampered'), json({ ...p2Signed, createdAt: '2027-02-02T03:04:05.000Z' }))], 'SIGNATURE_INVALID',
      'member 2\'s partial with createdAt changed after signing (step 2)');
    open('council-partials-non-member', [p1, put(jsonRel('council-partial-non-member'), json(signObject(owner, 'keyward/v2 partial', partialFields(2, owner, shares[1]!, 'non-member'))))],
      'SIGNER_UNTRUSTED', 'a partial validly signed by the owner, who is not a member, claiming index 2 of the pinned council (step 3)');
    open('council-partials-not-pinned', [p1, p2], 'SIGNER_UNTRUSTED', 'good partials, the reader pinned no council (step 3)', { pinned: [] });
    open('council-partials-not-mine', [p1, p2], 'NO_MATCHING_KEY', 'good partials for the new identity, opened with the owner\'s key (step 4)', { key: 'owner' });
    open('council-partials-other-file', [p1, p2], 'BLOB_MISMATCH', 'good partials used on another of the owner\'s files (step 5)', { file: fileRel('v2-small') });
    const badShare = Buffer.concat([seeded('council:bad-share', 32), shares[1]!.subarray(32)]);
    open('council-partials-bad-share', [p1, put(jsonRel('council-partial-bad-share'), json(signObject(stranger, 'keyward/v2 partial', partialFields(2, stranger, badShare, 'bad-share'))))],
      'ESCROW_INVALID', 'member 2 signed a partial whose share (its point right, its bytes random) does not combine to the key: the header MAC fails (step 7)');

    // §8.5 drill report.
    const drill = {
      format: 'keyward-drill/2', council: { name: 'Board', id: boardId, threshold: 2 }, createdAt: '2027-01-03T10:00:00.000Z',
      members: [{ index: 1, id: authority.id }, { index: 2, id: stranger.id }],
      results: [
        { blob: b64u(sha256(json(good))), fileId: good.fileId, serial: good.serial, result: 'GOOD' },
        { blob: b64u(sha256(json(evading))), fileId: evading.fileId, serial: evading.serial, result: 'ESCROW_INVALID' },
      ],
    };
    const body = Buffer.from(canonical(drill), 'utf8');
    const report = { ...drill, signatures: [authority, stranger].map((who) => ({ id: who.id, signature: b64u(sign(who, 'keyward/v2 drill', body)) })) };
    cv.push({ name: 'council-drill', kind: 'drill', drill: put(jsonRel('council-drill'), json(report)), council: boardRel, expect: 'success',
      description: 'members 1 and 2 drilled the good blob (GOOD) and the evading one (ESCROW_INVALID) and signed the report' });
    cv.push({ name: 'council-drill-result-changed', kind: 'drill', council: boardRel, expect: 'SIGNATURE_INVALID',
      drill: put(jsonRel('council-drill-result-changed'), json({ ...report, results: [report.results[0], { ...report.results[1], result: 'GOOD' }] })),
      description: 'the evading blob\'s result changed to GOOD after the members signed' });
    return cv;
  }
}
