/**
 * Runs every vector of testdata/manifest.json (made by scripts/make-vectors.ts
 * with the independent node:crypto reference) through the core: whole,
 * streamed in 64 KiB pieces, and byte by byte for small files, and as a file
 * of known size (`openSource`, what the app and the CLI call). Each bad
 * vector must fail with exactly its code.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Unlock, openFile, openSource, verifySource } from './decrypt-file.ts';
import { checkEscrowBlob } from './format/escrow-v2.ts';
import { verifyReceipt } from './format/receipt.ts';
import { parseSignedObject } from './format/signed-object.ts';
import { type PrivateIdentity, importPrivateIdentity, importPublicIdentity } from './keys/identity.ts';
import { type PieceSource, bytesSource } from './pieces.ts';
import { isKeywardError } from './errors.ts';
import { parseBlob } from './format/escrow-blob.ts';
import { importPrivateKey } from './keys/rsa.ts';
import { openBlob } from './recover.ts';
import { collectBytes, streamFromBytes, streamInPieces } from './streams.ts';
import { sha256, toHex } from './bytes.ts';
import { type TestVector as Vector, vectorKeys } from './test-support.ts';
import { type CouncilVector, type V2Vector, councilManifest, v2Manifest } from './test-vectors.ts';
import { checkEscrowAsMember, openWithMembers } from './format/council-escrow.ts';
import { parseCouncil } from './keys/council.ts';
import { drillPassed, verifyDrillReport } from './format/drill.ts';


const TESTDATA = join(import.meta.dirname, 'testdata');
const manifest = JSON.parse(readFileSync(join(TESTDATA, 'manifest.json'), 'utf8')) as { keys: Record<string, string>; vectors: Vector[] };
const read = (relative: string) => new Uint8Array(readFileSync(join(TESTDATA, relative)));
const text = (relative: string) => readFileSync(join(TESTDATA, relative), 'utf8');

const keyNamed = vectorKeys(manifest.keys, text);

type Delivery = (bytes: Uint8Array) => ReadableStream<Uint8Array> | PieceSource;
const deliveries: [string, Delivery][] = [
  ['as a file of known size', (bytes) => bytesSource(bytes)],
  ['whole', (bytes) => streamFromBytes(bytes, bytes.length || 1)],
  ['in 64 KiB pieces', (bytes) => streamFromBytes(bytes, 65536)],
  ['byte by byte', (bytes) => streamInPieces(bytes, [1])],
];

/** Opens a vector as the manifest says; resolves with the plaintext's facts. */
async function run(vector: Vector, deliver: Delivery) {
  const key = vector.key === 'weak-1024' ? importPrivateKey(text('keys/weak-1024.pem')) : keyNamed(vector.key);
  let unlock: Unlock;
  if (vector.kind === 'file' && (vector.open ?? 'key') === 'key') {
    unlock = { keys: [await key] };
  } else {
    const blobPath = vector.kind === 'file' ? (vector.open === 'escrow' ? vector.escrow : vector.recovery) : vector.blob;
    const blob = parseBlob(text(blobPath!));
    if (!vector.file) {
      await openBlob(blob, await key);
      return null;
    }
    unlock = { blob, key: await key };
  }
  const source = deliver(read(vector.file!));
  // A file of known size in pieces of one chunk, as the app and the CLI read one; a stream as a pipe is read.
  const opened = source instanceof ReadableStream ? await openFile(source, unlock) : await openSource(source, unlock, { pieceBytes: 1 });
  const plain = await collectBytes(opened.plaintext);
  return { sha256: toHex(await sha256(plain)), size: plain.length, meta: opened.meta, chunkSize: opened.parsed.header.chunkSize };
}

describe('test vectors (testdata/manifest.json)', () => {
  it('has good and bad vectors of every kind', () => {
    const codes = new Set(manifest.vectors.map((v) => v.expect));
    for (const code of ['success', 'NOT_KEYWARD', 'UNSUPPORTED_VERSION', 'MALFORMED', 'NO_MATCHING_KEY', 'UNWRAP_FAILED', 'HEADER_TAMPERED',
      'BLOB_TAMPERED', 'BLOB_MISMATCH', 'CHUNK_TAMPERED', 'TRUNCATED', 'TRAILING_DATA', 'SIZE_MISMATCH', 'KEY_TOO_WEAK']) {
      expect(codes, code).toContain(code);
    }
  });

  for (const vector of manifest.vectors) {
    const small = (vector.file ? read(vector.file).length : 0) < 300_000;
    const ways = deliveries.filter(([how]) => how !== 'byte by byte' || small);
    it.for(ways)(`${vector.name} (${vector.expect}), delivered %s`, async ([, deliver]) => {
      if (vector.expect === 'success') {
        const result = await run(vector, deliver);
        if (result) expect(result).toEqual({ sha256: vector.sha256, size: vector.size, meta: vector.meta, chunkSize: vector.chunkSize });
        return;
      }
      let error: unknown = null;
      try {
        await run(vector, deliver);
      } catch (caught) {
        error = caught;
      }
      if (!isKeywardError(error)) throw new Error(`${vector.name}: expected ${vector.expect}, got ${String(error)}`);
      expect(error.code, vector.description).toBe(vector.expect);
      if (vector.chunkIndex !== undefined) expect(error.details.chunkIndex).toBe(vector.chunkIndex);
      if (vector.keyIds) expect([...(error.details.keyIds ?? [])].sort()).toEqual([...vector.keyIds].sort());
    });
  }
});

const v2 = v2Manifest(manifest);
const identities = new Map<string, Promise<PrivateIdentity>>();
const identityNamed = (name: string): Promise<PrivateIdentity> => {
  let identity = identities.get(name);
  if (!identity) {
    identity = importPrivateIdentity(text(v2.identities[name]!.private));
    identities.set(name, identity);
  }
  return identity;
};
const idOf = (name: string | undefined) => (name === undefined ? undefined : v2.identities[name]!.id);

/** Runs a v2 vector through the core; resolves with what a good one yields. */
async function runV2(vector: V2Vector, deliver: Delivery): Promise<unknown> {
  const options = vector.expectSigner === undefined ? {} : { expectSigner: idOf(vector.expectSigner)! };
  switch (vector.kind) {
    case 'identity': {
      const entry = v2.identities[vector.key!]!;
      const ids = [(await identityNamed(vector.key!)).id, (await importPublicIdentity(text(entry.public))).id, (await importPublicIdentity(text(entry.jwk))).id];
      return { ids, keyId: (await identityNamed(vector.key!)).encryption.keyId };
    }
    case 'signed-object':
      return parseSignedObject(text(vector.blob!)).kind;
    case 'escrow': {
      const blob = parseSignedObject(text(vector.escrow!));
      if (blob.kind !== 'escrow-v2') throw new Error('not a v2 escrow blob');
      const expectOwner = idOf(vector.expectSigner);
      return (await checkEscrowBlob(blob.blob, await identityNamed(vector.key!), expectOwner === undefined ? {} : { expectOwner })).owner.id;
    }
    case 'receipt': {
      const receipt = parseSignedObject(text(vector.receipt!));
      const blob = parseSignedObject(text(vector.escrow!));
      if (receipt.kind !== 'receipt' || blob.kind !== 'escrow-v2') throw new Error('not a receipt and a v2 escrow blob');
      await verifyReceipt(receipt.receipt, blob.blob);
      return receipt.receipt.authority.id;
    }
    case 'verify':
      return (await verifySource(bytesSource(read(vector.file!)), options, { pieceBytes: 1 })).signer?.id;
    case 'file': {
      const key = (await identityNamed(vector.key!)).encryption;
      const trusted = (vector.trusted ?? []).map((name) => idOf(name)!);
      let unlock: Unlock = { keys: [key] };
      if (vector.recovery) {
        const blob = parseSignedObject(text(vector.recovery));
        if (blob.kind !== 'recovery-v2') throw new Error('not a v2 recovery blob');
        unlock = { recovery: blob.blob, key, trusted };
      } else if (vector.recoveryV1) {
        unlock = { blob: parseBlob(text(vector.recoveryV1)), key, trusted };
      }
      const source = deliver(read(vector.file!));
      const opened = source instanceof ReadableStream ? await openFile(source, unlock, {}, options) : await openSource(source, unlock, { pieceBytes: 1 }, options);
      const plain = await collectBytes(opened.plaintext);
      return { sha256: toHex(await sha256(plain)), size: plain.length, meta: opened.meta, chunkSize: opened.parsed.header.chunkSize, signer: opened.signer?.id };
    }
  }
}

function v2Outcome(vector: V2Vector): unknown {
  switch (vector.kind) {
    case 'identity':
      return { ids: Array(3).fill(v2.identities[vector.key!]!.id), keyId: v2.identities[vector.key!]!.keyId };
    case 'signed-object':
      return vector.parsesAs;
    case 'escrow':
      return v2.identities.owner!.id;
    case 'receipt':
      return v2.identities.authority!.id;
    case 'verify':
      return v2.identities.owner!.id;
    case 'file':
      return { sha256: vector.sha256, size: vector.size, meta: vector.meta, chunkSize: vector.chunkSize, signer: v2.identities.owner!.id };
  }
}

describe('v2 test vectors (testdata/manifest.json, "v2")', () => {
  it('has a good vector of every kind and a bad one for each v2 code', () => {
    const kinds = new Set(v2.v2.filter((v) => v.expect === 'success').map((v) => v.kind));
    expect([...kinds].sort()).toEqual(['escrow', 'file', 'identity', 'receipt', 'signed-object', 'verify']);
    const codes = new Set(v2.v2.map((v) => v.expect));
    for (const code of ['SIGNATURE_INVALID', 'SIGNER_UNTRUSTED', 'ESCROW_INVALID', 'MALFORMED', 'BLOB_MISMATCH', 'NO_MATCHING_KEY', 'TRUNCATED']) expect(codes, code).toContain(code);
  });

  /** Every check of keyward-v2.md that can fail, and a vector that fails exactly there (with its code). */
  const CHECKS: [check: string, vector: string, code: string][] = [
    ['§3 cut inside the signature', 'v2-file-cut-in-signature', 'TRUNCATED'],
    ['§3.1 version 2', 'v2-mal-v1-header', 'MALFORMED'],
    ['§3.1 signer.id is the ID of its keys', 'v2-mal-signer-id', 'MALFORMED'],
    ['§3.1 RSA key of 2048 bits or more', 'v2-mal-weak-signer', 'MALFORMED'],
    ['§3.1 exactly one owner stanza', 'v2-mal-two-owners', 'MALFORMED'],
    ['§3.1 the owner stanza is for signer.publicKey', 'v2-mal-owner-not-signer', 'MALFORMED'],
    ['§3.1 a header key given twice', 'v2-mal-duplicate-header-key', 'MALFORMED'],
    ['§3.4 step 2 another signer expected', 'v2-file-other-signer', 'SIGNER_UNTRUSTED'],
    ['§3.4 step 2 a v1 file when a signer is expected', 'v2-file-v1-expected-signer', 'SIGNER_UNTRUSTED'],
    ['§3.4 step 3 no key for the file', 'v2-file-no-matching-key', 'NO_MATCHING_KEY'],
    ['§3.4 step 3 header MAC', 'v2-file-header-tampered', 'HEADER_TAMPERED'],
    ['§3.4 step 4 a chunk', 'v2-file-chunk-tampered', 'CHUNK_TAMPERED'],
    ['§3.4 step 4 no final chunk', 'v2-file-last-chunk-dropped', 'TRUNCATED'],
    ['§3.4 step 5 signature', 'v2-file-signature-flipped', 'SIGNATURE_INVALID'],
    ['§3.4 step 5 payload re-encrypted under the header', 'v2-attack-reencrypted', 'SIGNATURE_INVALID'],
    ['§3.4 verify: signature over the stored chunks', 'v2-verify-payload-byte', 'SIGNATURE_INVALID'],
    ['§3.4 verify: another signer expected', 'v2-verify-other-signer', 'SIGNER_UNTRUSTED'],
    ['§4 check 1 a field not defined', 'v2-escrow-unknown-field', 'MALFORMED'],
    ['§4 check 1 a key given twice', 'v2-escrow-duplicate-key', 'MALFORMED'],
    ['§4 check 1 / §8.3 check 1 a council of no members', 'v2-escrow-council', 'MALFORMED'],
    ['§4 check 2 owner.id', 'v2-escrow-owner-id', 'MALFORMED'],
    ['§4 check 3 the owner\'s signature', 'v2-escrow-description-changed', 'SIGNATURE_INVALID'],
    ['§4 check 4 the expected owner', 'v2-escrow-other-owner', 'SIGNER_UNTRUSTED'],
    ['§4 check 5 prefix cut', 'v2-escrow-prefix-cut', 'MALFORMED'],
    ['§4 check 5 prefix not Keyward', 'v2-escrow-prefix-not-keyward', 'MALFORMED'],
    ['§4 check 5 prefix of another version', 'v2-escrow-prefix-v1', 'MALFORMED'],
    ['§4 check 5 the file\'s signer is the blob\'s owner', 'v2-attack-forged-as-other', 'SIGNER_UNTRUSTED'],
    ['§4 check 5 fileId', 'v2-attack-swapped-prefix', 'ESCROW_INVALID'],
    ['§4 check 5 serial', 'v2-escrow-serial-wrong', 'ESCROW_INVALID'],
    ['§4 check 6 fileSignature', 'v2-escrow-file-signature', 'SIGNATURE_INVALID'],
    ['§4 check 7 the checker', 'v2-escrow-other-authority', 'NO_MATCHING_KEY'],
    ['§4 check 8 the wrapped key opens the header', 'v2-attack-evading', 'ESCROW_INVALID'],
    ['§5 strict parse', 'v2-receipt-unknown-field', 'MALFORMED'],
    ['§5 authority.id', 'v2-receipt-authority-id', 'MALFORMED'],
    ['§5 signature', 'v2-receipt-date-changed', 'SIGNATURE_INVALID'],
    ['§5 the blob\'s authority', 'v2-receipt-by-stranger', 'SIGNER_UNTRUSTED'],
    ['§5 fileId and escrowDigest', 'v2-receipt-other-blob', 'BLOB_MISMATCH'],
    ['§5 serial', 'v2-receipt-other-serial', 'BLOB_MISMATCH'],
    ['§5 owner.id', 'v2-receipt-other-owner', 'BLOB_MISMATCH'],
    ['§6 step 1 a field not defined', 'v2-recovery-unknown-field', 'MALFORMED'],
    ['§6 step 1 a key given twice', 'v2-recovery-duplicate-key', 'MALFORMED'],
    ['§6 step 1 issuer.id', 'v2-recovery-issuer-id', 'MALFORMED'],
    ['§8.4 step 1 a member\'s partial blob without council and index', 'v2-recovery-member-parse', 'MALFORMED'],
    ['§6 step 2 signature', 'v2-recovery-owner-changed', 'SIGNATURE_INVALID'],
    ['§6 step 3 nothing pinned', 'v2-recovery-nothing-pinned', 'SIGNER_UNTRUSTED'],
    ['§6 step 3 an issuer not pinned', 'v2-attack-recovery-unpinned', 'SIGNER_UNTRUSTED'],
    ['§6 an unsigned (v1) blob with issuers pinned', 'v2-attack-recovery-v1', 'SIGNER_UNTRUSTED'],
    ['§6 step 4 the reader\'s key', 'v2-recovery-not-mine', 'NO_MATCHING_KEY'],
    ['§6 step 5 the file', 'v2-recovery-other-file', 'BLOB_MISMATCH'],
    ['§6 step 6 unwrap', 'v2-recovery-unwrap-failed', 'UNWRAP_FAILED'],
    ['§6 step 6 header MAC', 'v2-recovery-header-tampered', 'HEADER_TAMPERED'],
    ['§6 step 6 the file\'s signer', 'v2-recovery-other-signer', 'SIGNER_UNTRUSTED'],
    ['§6 step 6 the file\'s signature', 'v2-recovery-file-signature-flipped', 'SIGNATURE_INVALID'],
  ];
  it.for(CHECKS)('a vector fails %s', ([, name, code]) => {
    expect(v2.v2.find((v) => v.name === name)?.expect).toBe(code);
  });

  for (const vector of v2.v2) {
    const ways = vector.kind === 'file' ? deliveries : deliveries.slice(0, 1);
    it.for(ways)(`${vector.name} (${vector.expect}), delivered %s`, async ([, deliver]) => {
      if (vector.expect === 'success') {
        expect(await runV2(vector, deliver)).toEqual(v2Outcome(vector));
        return;
      }
      let error: unknown = null;
      try {
        await runV2(vector, deliver);
      } catch (caught) {
        error = caught;
      }
      if (!isKeywardError(error)) throw new Error(`${vector.name}: expected ${vector.expect}, got ${String(error)}`);
      expect(error.code, vector.description).toBe(vector.expect);
    });
  }
});

// ---------------------------------------------------------------- v2 §8 councils (the manifest's "councils")

const councils = councilManifest(manifest).councils;
const escrowNamed = (vector: CouncilVector) => {
  const blob = parseSignedObject(text(vector.escrow!));
  if (blob.kind !== 'escrow-v2') throw new Error('not a v2 escrow blob');
  return blob.blob;
};

/** Runs a council vector through the core; resolves with what a good one yields. */
async function runCouncil(vector: CouncilVector): Promise<unknown> {
  const expectOwner = idOf(vector.expectOwner);
  const owner = expectOwner === undefined ? {} : { expectOwner };
  const members = () => Promise.all((vector.keys ?? []).map(identityNamed));
  switch (vector.kind) {
    case 'council':
      return (await parseCouncil(text(vector.council!))).id;
    case 'member-check': {
      const expectCouncil = vector.expectCouncil === undefined ? {} : { expectCouncil: (await parseCouncil(text(vector.expectCouncil))).id };
      return (await checkEscrowAsMember(escrowNamed(vector), await identityNamed(vector.key!), { ...owner, ...expectCouncil })).index;
    }
    case 'quorum-check':
      return (await openWithMembers(escrowNamed(vector), await members(), owner)).present;
    case 'ceremony':
      return openedFacts(vector, { escrow: escrowNamed(vector), members: await members() });
    case 'partials': {
      const partials = (vector.partials ?? []).map((path) => {
        const partial = parseSignedObject(text(path));
        if (partial.kind !== 'partial') throw new Error(`${path} is not a partial`);
        return partial.blob;
      });
      const pinned = await Promise.all((vector.pinned ?? []).map((path) => parseCouncil(text(path))));
      return openedFacts(vector, { partials, key: (await identityNamed(vector.key!)).encryption, councils: pinned });
    }
    case 'drill': {
      const report = parseSignedObject(text(vector.drill!));
      if (report.kind !== 'drill') throw new Error(`${vector.drill!} is not a drill report`);
      await verifyDrillReport(report.report, await parseCouncil(text(vector.council!)));
      // The good vector's report is genuine and records a failed drill (its second blob is an evading one).
      return drillPassed(report.report) ? 'passed' : 'failed';
    }
  }
}
/** Opens the vector's file as the app and the CLI do (a file of known size, in pieces of one chunk); the plaintext's facts. */
async function openedFacts(vector: CouncilVector, unlock: Unlock) {
  const opened = await openSource(bytesSource(read(vector.file!)), unlock, { pieceBytes: 1 });
  const plain = await collectBytes(opened.plaintext);
  return { sha256: toHex(await sha256(plain)), size: plain.length, meta: opened.meta, chunkSize: opened.parsed.header.chunkSize };
}

function councilOutcome(vector: CouncilVector): unknown {
  switch (vector.kind) {
    case 'council':
      return vector.councilId;
    case 'member-check':
      return vector.index;
    case 'quorum-check':
      return vector.present;
    case 'ceremony':
    case 'partials':
      return { sha256: vector.sha256, size: vector.size, meta: vector.meta, chunkSize: vector.chunkSize };
    case 'drill':
      return 'failed';
  }
}

describe('council test vectors (testdata/manifest.json, "councils")', () => {
  it('has a good vector of every kind and a bad one for each refusal of §8', () => {
    expect(new Set(councils.filter((v) => v.expect === 'success').map((v) => v.kind))).toEqual(new Set(['council', 'member-check', 'quorum-check', 'ceremony', 'partials', 'drill']));
    const codes = new Set(councils.map((v) => v.expect));
    for (const code of ['MALFORMED', 'SIGNATURE_INVALID', 'SIGNER_UNTRUSTED', 'ESCROW_INVALID', 'QUORUM_NOT_MET', 'BLOB_MISMATCH', 'NO_MATCHING_KEY']) expect(codes, code).toContain(code);
  });

  for (const vector of councils) {
    it(`${vector.name} (${vector.kind}): ${vector.expect}`, async () => {
      if (vector.expect === 'success') {
        expect(await runCouncil(vector)).toEqual(councilOutcome(vector));
        return;
      }
      let error: unknown = null;
      try {
        await runCouncil(vector);
      } catch (caught) {
        error = caught;
      }
      if (!isKeywardError(error)) throw new Error(`${vector.name}: expected ${vector.expect}, got ${String(error)}`);
      expect(error.code, vector.description).toBe(vector.expect);
    });
  }
});
