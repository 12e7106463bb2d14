/**
 * Keyward v2 §4: the escrow blob the authority can check at intake. It
 * carries the file's prefix, payload digest and signature, so that the
 * holder of the authority's key proves, without the file, that the wrapped
 * key opens exactly the file the owner signed. A council's blob (§8.3) is
 * read and checked up to check 6 here; its members' checks are in council-escrow.ts.
 */
import { type Bytes, type Sha256, b64u, concat, fromB64u, sha256, utf8 } from '../bytes.ts';
import { b64uField, canonicalJsonWithout, exactFields, idField, isPlainObject, stringField, timeField } from '../canonical.ts';
import { KeywardError, isKeywardError } from '../errors.ts';
import { deriveFileKeys } from '../kdf.ts';
import { COUNCIL_FORMAT, type Council, type CouncilMember, parseCouncil } from '../keys/council.ts';
import { type PrivateIdentity, type PublicIdentity, type Ed25519Verify, type PublicIdentityCache, identitySigned, signAs } from '../keys/identity.ts';
import { MAX_COUNCIL_MEMBERS } from '../shamir.ts';
import { unwrapFileKey } from '../keys/wrap.ts';
import { ESCROW_FORMAT_V2, FILE_ID_LENGTH, SIGNATURE_LENGTH } from './constants.ts';
import { type ParsedHeader, parseHeader, verifyHeaderHmac } from './header.ts';
import { type FileMeta, decryptMeta } from './meta.ts';
import { isSerial, serialFromFileId } from './serial.ts';
import { fileSigner } from './signed-file.ts';
import { identityFields, jsonValue, namedIdentity, signedBody } from './signing.ts';

/** v2 §4 `owner`: the header's `signer` and a name. */
export interface EscrowOwner {
  name: string;
  id: string;
  publicKey: string;
  signingKey: string;
}

/** v2 §4 `authority`: one identity. */
export interface IdentityAuthority {
  kind: 'identity';
  name: string;
  id: string;
  keyId: string;
}

/** v2 §8.3 `authority`: a council, its descriptor's fields and its council ID. */
export interface CouncilAuthority {
  kind: 'council';
  name: string;
  id: string;
  threshold: number;
  members: CouncilMember[];
}

/** Who an escrow blob is for: an identity (§4) or a council (§8.3). */
export type EscrowAuthority = IdentityAuthority | CouncilAuthority;

/** An escrow blob of v2 §4. */
export interface EscrowBlobV2 {
  format: typeof ESCROW_FORMAT_V2;
  fileId: string;
  serial: string;
  description: string;
  createdAt: string;
  owner: EscrowOwner;
  authority: EscrowAuthority;
  /** `b64u(magic || hlen || header || hmac)`. */
  prefix: string;
  /** `b64u` of the 32-byte payload digest (§3.2). */
  payloadDigest: string;
  /** `b64u` of the file's 64-byte signature (§3.3). */
  fileSignature: string;
  /** An identity's blob: `b64u(RSA-OAEP-256(authority RSA key, fileKey))`. */
  wrappedKey?: string;
  /** A council's blob (§8.3): `shares[i − 1]` is share i wrapped for member i under its label. */
  shares?: string[];
  /** The owner's Ed25519 signature over the rest (context `keyward/v2 escrow`). */
  signature: string;
}

const malformed = (reason: string) => new KeywardError('MALFORMED', { reason });
const COMMON_FIELDS = ['format', 'fileId', 'serial', 'description', 'createdAt', 'owner', 'authority', 'prefix', 'payloadDigest', 'fileSignature', 'signature'];
const IDENTITY_FIELDS = [...COMMON_FIELDS, 'wrappedKey'];
const COUNCIL_FIELDS = [...COMMON_FIELDS, 'shares'];

/**
 * A council `authority` read strictly (§8.3): the descriptor's fields (§8.1)
 * and its `id`, each of its type. That the members are who their IDs say and
 * that `id` is the council ID is check 1 too, in `checkSignedEscrow` (it needs WebCrypto).
 */
function parseCouncilAuthority(value: unknown): CouncilAuthority {
  const authority = exactFields(value, 'authority', ['kind', 'name', 'id', 'threshold', 'members']);
  const { members, threshold } = authority;
  if (!Array.isArray(members) || members.length < 1 || members.length > MAX_COUNCIL_MEMBERS) {
    throw malformed(`authority.members must be an array of 1 to ${MAX_COUNCIL_MEMBERS} members`);
  }
  if (typeof threshold !== 'number' || !Number.isSafeInteger(threshold) || threshold < 1 || threshold > members.length) {
    throw malformed('authority.threshold must be an integer from 1 to the number of members');
  }
  return {
    kind: 'council',
    name: stringField(authority.name, 'authority.name'),
    id: idField(authority.id, 'authority.id'),
    threshold,
    members: members.map((raw, i) => {
      const where = `authority.members[${i}]`;
      const member = identityFields(raw, where, ['name']);
      b64uField(member.publicKey, `${where}.publicKey`);
      b64uField(member.signingKey, `${where}.signingKey`, 44);
      return { name: stringField(member.name, `${where}.name`), id: idField(member.id, `${where}.id`), publicKey: member.publicKey as string, signingKey: member.signingKey as string };
    }),
  };
}

/**
 * Reads an escrow blob of v2 strictly (§4 check 1, and §8.3's for a
 * council's blob): every field of §4 and no other, each of its type; a
 * council's blob has `shares` (one per member) and no `wrappedKey`, an
 * identity's `wrappedKey` and no `shares`; a duplicate key in the text is refused too.
 *
 * @param input - the blob's JSON text, or an already parsed value
 * @throws KeywardError `MALFORMED`
 */
export function parseEscrowBlobV2(input: unknown): EscrowBlobV2 {
  // A blob this function returned is frozen: it is still what was read, and is not read again.
  if (typeof input === 'object' && input !== null && readBlobs.has(input)) return input as EscrowBlobV2;
  const value = jsonValue(input, 'the escrow blob');
  if (!isPlainObject(value)) throw malformed('the escrow blob must be a JSON object');
  if (value.format !== ESCROW_FORMAT_V2) throw malformed(`format must be ${ESCROW_FORMAT_V2}`);
  const kind = isPlainObject(value.authority) ? value.authority.kind : undefined;
  if (kind !== 'identity' && kind !== 'council') throw malformed('authority.kind must be "identity" or "council"');
  const blob = exactFields(value, 'the escrow blob', kind === 'council' ? COUNCIL_FIELDS : IDENTITY_FIELDS);
  const owner = identityFields(blob.owner, 'owner', ['name']);
  b64uField(blob.fileId, 'fileId', FILE_ID_LENGTH);
  if (!isSerial(blob.serial)) throw malformed('serial must look like KW-XXXX-XXXX-XXXX-XXXX');
  b64uField(owner.publicKey, 'owner.publicKey');
  b64uField(owner.signingKey, 'owner.signingKey', 44);
  b64uField(blob.prefix, 'prefix');
  b64uField(blob.payloadDigest, 'payloadDigest', 32);
  b64uField(blob.fileSignature, 'fileSignature', SIGNATURE_LENGTH);
  let authority: EscrowAuthority;
  let wrapped: Pick<EscrowBlobV2, 'wrappedKey'> | Pick<EscrowBlobV2, 'shares'>;
  if (kind === 'council') {
    authority = parseCouncilAuthority(blob.authority);
    const { shares } = blob;
    if (!Array.isArray(shares) || shares.length !== authority.members.length) throw malformed('shares must be an array of one wrapped share per member');
    shares.forEach((share, i) => b64uField(share, `shares[${i}]`));
    wrapped = { shares: shares as string[] };
  } else {
    const fields = exactFields(blob.authority, 'authority', ['kind', 'name', 'id', 'keyId']);
    authority = { kind: 'identity', name: stringField(fields.name, 'authority.name'), id: idField(fields.id, 'authority.id'), keyId: idField(fields.keyId, 'authority.keyId') };
    b64uField(blob.wrappedKey, 'wrappedKey');
    wrapped = { wrappedKey: blob.wrappedKey as string };
  }
  b64uField(blob.signature, 'signature', SIGNATURE_LENGTH);
  const parsed: EscrowBlobV2 = {
    format: ESCROW_FORMAT_V2,
    fileId: blob.fileId as string,
    serial: blob.serial,
    description: stringField(blob.description, 'description'),
    createdAt: timeField(blob.createdAt, 'createdAt'),
    owner: { name: stringField(owner.name, 'owner.name'), id: idField(owner.id, 'owner.id'), publicKey: owner.publicKey as string, signingKey: owner.signingKey as string },
    authority,
    prefix: blob.prefix as string,
    payloadDigest: blob.payloadDigest as string,
    fileSignature: blob.fileSignature as string,
    ...wrapped,
    signature: blob.signature as string,
  };
  Object.freeze(parsed.owner);
  if (parsed.authority.kind === 'council') {
    for (const member of parsed.authority.members) Object.freeze(member);
    Object.freeze(parsed.authority.members);
  }
  Object.freeze(parsed.authority);
  if (parsed.shares) Object.freeze(parsed.shares);
  readBlobs.set(Object.freeze(parsed), {});
  return parsed;
}

/**
 * The blobs `parseEscrowBlobV2` returned (frozen, all the way down), with their canonical text and the body
 * their signature covers, once either is asked for.
 */
const readBlobs = new WeakMap<object, { texts?: [canonical: string, signedBody: string] }>();

/** `canonical(blob)` and `canonical(blob without "signature")` (§1), written in one walk and kept with the blob. */
function blobTexts(blob: EscrowBlobV2): [canonical: string, signedBody: string] {
  const parsed = parseEscrowBlobV2(blob);
  const memo = readBlobs.get(parsed)!;
  memo.texts ??= canonicalJsonWithout(parsed, 'signature');
  return memo.texts;
}

/** `canonical(blob)` (§1), its signature included: the text `escrowDigest` hashes, and what the service stores. */
export function escrowBlobText(blob: EscrowBlobV2): string {
  return blobTexts(blob)[0];
}

/** The body the blob's signature covers (§1 `signedBody`), from the same walk as its canonical text. */
const escrowSignedBody = (blob: EscrowBlobV2): Bytes => utf8(blobTexts(blob)[1]);

/** Signs an escrow blob as its owner (the file's signer). */
export async function signEscrowBlob(blob: Omit<EscrowBlobV2, 'signature'>, owner: PrivateIdentity): Promise<EscrowBlobV2> {
  const unsigned = parseEscrowBlobV2({ ...blob, signature: b64u(new Uint8Array(SIGNATURE_LENGTH)) });
  return { ...unsigned, signature: b64u(await signAs(owner, 'keyward/v2 escrow', signedBody(unsigned))) };
}

/**
 * `b64u(SHA-256(canonical(blob)))`, its signature included: how a receipt and a recovery blob name the blob (§5).
 *
 * @param hash - SHA-256 to use instead of WebCrypto's (the service's, at once)
 */
export async function escrowDigest(blob: EscrowBlobV2, hash?: Sha256): Promise<string> {
  return b64u(await sha256(utf8(escrowBlobText(blob)), hash));
}

/** A blob all eight checks of §4 passed. */
export interface CheckedEscrow {
  blob: EscrowBlobV2;
  /** The owner, whose identity ID signed the blob and the file. */
  owner: PublicIdentity;
  /** The file's metadata, opened with the unwrapped key (check 8). */
  meta: FileMeta;
  /** The file's prefix, parsed. */
  parsed: ParsedHeader;
}

/** A blob whose checks 1–6 (§4, §8.3) passed: signed by its owner for a file the owner signed. */
export interface SignedEscrow {
  blob: EscrowBlobV2;
  owner: PublicIdentity;
  parsed: ParsedHeader;
  /** A council's blob: its `authority` read as a descriptor (§8.1); `null` for an identity's. */
  council: Council | null;
}

/**
 * §4 checks 1–6 (§8.3 checks 1–6 for a council's blob): everything that
 * needs no private key and does not depend on who checks.
 *
 * @param expectOwner - the identity ID the blob must come from (check 4)
 * @param cache - identities already read from the same two keys (a service checking many blobs of one owner)
 * @param verify - Ed25519 verification to use instead of WebCrypto's (the service's)
 * @throws KeywardError `MALFORMED`, `SIGNATURE_INVALID`, `SIGNER_UNTRUSTED`, `ESCROW_INVALID` (fileId or serial)
 */
export async function checkSignedEscrow(input: EscrowBlobV2, expectOwner: string | undefined, cache?: PublicIdentityCache, verify?: Ed25519Verify): Promise<SignedEscrow> {
  // 1. strict fields and format; a council's authority follows §8.1 and its id is its council ID.
  const blob = parseEscrowBlobV2(input);
  let council: Council | null = null;
  if (blob.authority.kind === 'council') {
    const { name, threshold, members } = blob.authority;
    council = await parseCouncil({ format: COUNCIL_FORMAT, name, threshold, members });
    if (council.id !== blob.authority.id) throw malformed('authority.id is not the council ID of the council the blob names');
  }
  // 2. owner.id is the identity ID of its keys.
  const owner = await namedIdentity(blob.owner, 'owner', cache);
  // Checks 3 and 6 need only the owner's key and the blob's fields: both signatures are asked for now, side by side
  // (to WebCrypto, or to the caller's `verify`: one wait, not two); each outcome is taken in its check's turn, so
  // the first check that fails is the one reported, as before.
  const blobSignature = identitySigned(owner, 'keyward/v2 escrow', escrowSignedBody(blob), fromB64u(blob.signature, 'signature'), verify);
  const prefix = fromB64u(blob.prefix, 'prefix');
  const fileSignature = identitySigned(owner, 'keyward/v2 file', concat(prefix, fromB64u(blob.payloadDigest, 'payloadDigest')), fromB64u(blob.fileSignature, 'fileSignature'), verify);
  // Neither is left to reject unseen when an earlier check throws first.
  void blobSignature.catch(() => undefined);
  void fileSignature.catch(() => undefined);
  // 3. the owner's signature over the blob.
  if (!(await blobSignature)) throw new KeywardError('SIGNATURE_INVALID', { reason: 'the escrow blob\'s signature does not verify' });
  // 4. the owner the checker was told to expect.
  if (expectOwner !== undefined && owner.id !== expectOwner) {
    throw new KeywardError('SIGNER_UNTRUSTED', { reason: `the escrow blob is signed by ${owner.id}` });
  }
  // 5. the prefix is a v2 prefix whose signer is the blob's owner, for the blob's fileId and serial.
  const parsed = parsePrefixOfBlob(prefix);
  if (parsed.prefixSize !== prefix.length) throw malformed('prefix holds bytes after the header HMAC');
  if (parsed.header.version !== 2) throw malformed('prefix is not the prefix of a signed (v2) file');
  const signer = await fileSigner(parsed, cache);
  if (signer?.id !== owner.id) throw new KeywardError('SIGNER_UNTRUSTED', { reason: 'the file was signed by someone other than the blob\'s owner' });
  if (blob.fileId !== parsed.header.fileId || blob.serial !== serialFromFileId(parsed.fileId)) {
    throw new KeywardError('ESCROW_INVALID', { reason: 'fileId or serial is not the file header\'s' });
  }
  // 6. the owner signed a file with this prefix and payload digest.
  if (!(await fileSignature)) throw new KeywardError('SIGNATURE_INVALID', { reason: 'the file signature does not verify' });
  return { blob, owner, parsed, council };
}

/**
 * §4 checks 1–7: everything that needs no private key. A council's blob is
 * for no single identity: check 7 names the council.
 *
 * @throws KeywardError as `checkEscrowBlob`, but not `ESCROW_INVALID` of check 8
 */
async function checkPublic(input: EscrowBlobV2, authority: PublicIdentity, expectOwner: string | undefined): Promise<{ blob: EscrowBlobV2; owner: PublicIdentity; parsed: ParsedHeader }> {
  const { blob, owner, parsed } = await checkSignedEscrow(input, expectOwner);
  // 7. the blob is for this checker.
  if (blob.authority.kind === 'council') {
    throw new KeywardError('NO_MATCHING_KEY', { keyIds: [blob.authority.id], reason: `the escrow blob is for the council ${JSON.stringify(blob.authority.name)} (${blob.authority.id}); check it as one of its members` });
  }
  if (blob.authority.keyId !== authority.encryption.keyId || blob.authority.id !== authority.id) {
    throw new KeywardError('NO_MATCHING_KEY', { keyIds: [blob.authority.keyId], reason: `the escrow blob is for the identity ${blob.authority.id}` });
  }
  return { blob, owner, parsed };
}

/**
 * §4 check 8 for a file key already in hand: it derives the header MAC key
 * of the signed prefix and opens its metadata.
 *
 * @throws KeywardError `ESCROW_INVALID`
 */
export async function checkKeyOpensPrefix(fileKey: Bytes, parsed: ParsedHeader): Promise<FileMeta> {
  try {
    const keys = await deriveFileKeys(fileKey, parsed.salt);
    await verifyHeaderHmac(keys.headerMacKey, parsed);
    return await decryptMeta(keys.metaKey, parsed.metaCiphertext);
  } catch (cause) {
    throw new KeywardError('ESCROW_INVALID', { reason: `the key does not open the signed file${isKeywardError(cause) ? ` (${cause.code})` : ''}` }, { cause });
  }
}

/**
 * §4 check 8: the wrapped key derives the header MAC key of the signed
 * prefix and opens its metadata. Resolves to the file key (the caller zeroes it).
 *
 * @throws KeywardError `ESCROW_INVALID` (also `KEY_TOO_WEAK` for the checker's own key)
 */
async function openEscrow(blob: EscrowBlobV2, parsed: ParsedHeader, privateKey: CryptoKey): Promise<{ fileKey: Bytes; meta: FileMeta }> {
  let fileKey: Bytes | null = null;
  try {
    fileKey = await unwrapFileKey(fromB64u(blob.wrappedKey ?? '', 'wrappedKey'), privateKey);
    const keys = await deriveFileKeys(fileKey, parsed.salt);
    await verifyHeaderHmac(keys.headerMacKey, parsed);
    const meta = await decryptMeta(keys.metaKey, parsed.metaCiphertext);
    return { fileKey, meta };
  } catch (cause) {
    fileKey?.fill(0);
    if (isKeywardError(cause) && cause.code === 'KEY_TOO_WEAK') throw cause;
    throw new KeywardError('ESCROW_INVALID', { reason: `the wrapped key does not open the signed file${isKeywardError(cause) ? ` (${cause.code})` : ''}` }, { cause });
  }
}

/**
 * §4 check 5: the blob's `prefix` must parse as a file prefix. The file
 * reader's own codes (`TRUNCATED`, `NOT_KEYWARD`, `UNSUPPORTED_VERSION`) would
 * blame a file the checker does not have; here the blob is what is wrong.
 */
function parsePrefixOfBlob(prefix: Uint8Array): ParsedHeader {
  try {
    return parseHeader(prefix);
  } catch (error) {
    if (error instanceof KeywardError && error.code !== 'MALFORMED') {
      throw malformed(`prefix is not a file prefix (${error.code}${error.details.reason ? `: ${error.details.reason}` : ''})`);
    }
    throw error;
  }
}

/**
 * The authority's intake check of an escrow blob (§4 checks 1–8, in order;
 * the first failure is the blob's result).
 *
 * @param authority - the checker's identity (its RSA private key unwraps)
 * @param options - `expectOwner`: the identity ID the blob must come from
 * @throws KeywardError `MALFORMED`, `SIGNATURE_INVALID`, `SIGNER_UNTRUSTED`, `ESCROW_INVALID`,
 *   `NO_MATCHING_KEY` (also for a council's blob, naming the council), `KEY_TOO_WEAK`
 */
export async function checkEscrowBlob(blob: EscrowBlobV2, authority: PrivateIdentity, options: { expectOwner?: string } = {}): Promise<CheckedEscrow> {
  const checked = await checkPublic(blob, authority, options.expectOwner);
  const { fileKey, meta } = await openEscrow(checked.blob, checked.parsed, authority.encryption.privateKey);
  fileKey.fill(0);
  return { ...checked, meta };
}

/**
 * `checkEscrowBlob`, and the file key of the good blob (issuing a recovery
 * blob needs it). The caller zeroes it.
 *
 * @throws as `checkEscrowBlob`
 */
export async function openCheckedEscrow(blob: EscrowBlobV2, authority: PrivateIdentity): Promise<CheckedEscrow & { fileKey: Bytes }> {
  const checked = await checkPublic(blob, authority, undefined);
  const opened = await openEscrow(checked.blob, checked.parsed, authority.encryption.privateKey);
  return { ...checked, ...opened };
}

/** The owner and authority fields of a new escrow blob. */
export function escrowParties(owner: PublicIdentity, ownerName: string, authority: PublicIdentity, authorityName: string): Pick<EscrowBlobV2, 'owner' | 'authority'> {
  return {
    owner: { name: ownerName, id: owner.id, publicKey: b64u(owner.rsaSpki), signingKey: b64u(owner.ed25519Spki) },
    authority: { kind: 'identity', name: authorityName, id: authority.id, keyId: authority.encryption.keyId },
  };
}
