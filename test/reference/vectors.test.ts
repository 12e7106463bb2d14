// The manifest is consistent: the reference reproduces every expectation, and
// the committed vectors are exactly what scripts/make-vectors.ts generates.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildVectors, TESTDATA } from '../../scripts/make-vectors.ts';
import type { Manifest, VectorEntry } from '../../scripts/make-vectors.ts';
import {
  RefError, refCheckEscrow, refCheckEscrowAsMember, refCheckEscrowWithMembers, refCheckReceipt, refDecrypt, refDecryptWithBlob, refDecryptWithMembers,
  refDecryptWithPartials, refDecryptWithRecoveryV2, refOpenBlob, refParseCouncil, refParsePrivateIdentity, refParsePublicIdentity, refParsePublicIdentityJwk,
  refParseSignedObject, refParseStrictJson, refVerify, refVerifyDrill,
} from './keyward-node.ts';
import type { CouncilVector } from '../../src/core/test-vectors.ts';
import type { RefDecrypted, RefEscrowV2, RefMeta } from './keyward-node.ts';

const manifest = JSON.parse(fs.readFileSync(path.join(TESTDATA, 'manifest.json'), 'utf8')) as Manifest;
const read = (rel: string): Buffer => fs.readFileSync(path.join(TESTDATA, rel));
const need = (v: VectorEntry, k: 'file' | 'blob' | 'escrow' | 'recovery'): string => {
  const rel = v[k];
  if (rel === undefined) throw new Error(`${v.name}: no ${k}`);
  return rel;
};

function run(v: VectorEntry): RefDecrypted | { fileKey: Buffer } {
  const key = read(manifest.keys[v.key]).toString('utf8');
  if (v.kind === 'file') {
    const file = read(need(v, 'file'));
    if (v.open === 'escrow') return refDecryptWithBlob(file, read(need(v, 'escrow')), key);
    if (v.open === 'recovery') return refDecryptWithBlob(file, read(need(v, 'recovery')), key);
    return refDecrypt(file, key);
  }
  const blob = read(need(v, 'blob'));
  return v.file === undefined ? refOpenBlob(blob, key) : refDecryptWithBlob(read(v.file), blob, key);
}

describe('manifest vectors (reference)', () => {
  for (const v of manifest.vectors) {
    it(`${v.name}: ${v.expect}`, () => {
      if (v.expect === 'success') {
        const out = run(v);
        if ('plaintext' in out) {
          expect(crypto.createHash('sha256').update(out.plaintext).digest('hex')).toBe(v.sha256);
          expect(out.plaintext.length).toBe(v.size);
          expect(out.meta).toEqual(v.meta);
          expect(out.header.chunkSize).toBe(v.chunkSize);
        }
        return;
      }
      let err: unknown;
      try {
        run(v);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(RefError);
      const e = err as RefError;
      expect(e.code).toBe(v.expect);
      if (v.expect === 'CHUNK_TAMPERED') expect(e.chunkIndex).toBe(v.chunkIndex);
      if (v.expect === 'NO_MATCHING_KEY') expect([...(e.keyIds ?? [])].sort()).toEqual([...(v.keyIds ?? ['?'])].sort());
    });
  }
});

describe('manifest hygiene', () => {
  it('entries are complete', () => {
    const names = new Set<string>();
    for (const v of manifest.vectors) {
      expect(names.has(v.name)).toBe(false);
      names.add(v.name);
      expect(v.description.length).toBeGreaterThan(5);
      expect(Object.keys(manifest.keys)).toContain(v.key);
      if (v.kind === 'file') expect(v.file).toBeDefined();
      else expect(v.blob).toBeDefined();
      if (v.expect === 'success' && v.kind === 'file') expect(v.sha256).toMatch(/^[0-9a-f]{64}$/);
      if (v.expect === 'CHUNK_TAMPERED') expect(typeof v.chunkIndex).toBe('number');
      if (v.expect === 'NO_MATCHING_KEY') expect(v.keyIds?.length).toBeGreaterThan(0);
      expect(v.description.startsWith('AMBIGUOUS') === (v.ambiguous === true)).toBe(true);
    }
  });

  it('vectors/ holds exactly the generated files, byte for byte, under 3 MB', () => {
    const { files, manifest: fresh } = buildVectors();
    expect(fresh).toEqual(manifest);
    const onDisk = fs.readdirSync(path.join(TESTDATA, 'vectors')).map((f) => `vectors/${f}`).sort();
    expect(onDisk).toEqual([...files.keys()].sort());
    let total = 0;
    for (const [rel, bytes] of files) {
      const disk = read(rel);
      expect(disk.equals(bytes), rel).toBe(true);
      total += disk.length;
    }
    expect(total).toBeLessThan(3 * 1024 * 1024);
    const referenced = new Set(
      [
        ...manifest.vectors.flatMap((v) => [v.file, v.blob, v.escrow, v.recovery]),
        // Spec v2: the identities' files and what the v2 entries name (scripts/make-vectors-v2.ts).
        ...Object.values(manifest.identities).flatMap((i) => [i.private, i.public, i.jwk]),
        ...manifest.v2.flatMap((v) => [v.file, v.blob, v.escrow, v.receipt, v.recovery, v.recoveryV1]),
        ...manifest.councils.flatMap((v) => [v.council, v.escrow, v.expectCouncil, v.file, v.drill, ...(v.partials ?? []), ...(v.pinned ?? [])]),
      ].filter((x) => x !== undefined),
    );
    expect([...referenced].sort()).toEqual(onDisk);
  });
});

// ---------------------------------------------------------------- v2 (docs/keyward-v2.md)
// The manifest's "identities" and "v2" keys (scripts/make-vectors-v2.ts); every entry is run by the reference.

interface V2Identity { private: string; public: string; jwk: string; id: string; keyId: string }
interface V2Entry {
  name: string; kind: 'file' | 'verify' | 'escrow' | 'receipt' | 'signed-object' | 'identity'; description: string; expect: string;
  key?: string; file?: string; escrow?: string; receipt?: string; recovery?: string; recoveryV1?: string; blob?: string;
  expectSigner?: string; trusted?: string[]; parsesAs?: string; sha256?: string; size?: number; meta?: RefMeta; chunkSize?: number;
}
const v2 = manifest as unknown as { identities?: Record<string, V2Identity>; v2?: V2Entry[] };
const identities = v2.identities ?? {};
const v2Vectors = v2.v2 ?? [];
const identity = (name: string | undefined): V2Identity => {
  const found = name === undefined ? undefined : identities[name];
  if (!found) throw new Error(`no identity ${String(name)} in the manifest`);
  return found;
};
const privateOf = (name: string | undefined) => refParsePrivateIdentity(read(identity(name).private).toString('utf8'));
const field = (v: V2Entry, k: 'file' | 'escrow' | 'receipt' | 'recovery' | 'recoveryV1' | 'blob'): Buffer => {
  const rel = v[k];
  if (rel === undefined) throw new Error(`${v.name}: no ${k}`);
  return read(rel);
};

/** Runs one v2 entry as its kind says; returns what a file that opens decrypted to. */
function runV2(v: V2Entry): RefDecrypted | undefined {
  const expectSigner = v.expectSigner === undefined ? {} : { expectSigner: identity(v.expectSigner).id };
  switch (v.kind) {
    case 'identity': {
      const id = identity(v.key);
      const ids = [privateOf(v.key).id, refParsePublicIdentity(read(id.public).toString('utf8')).id, refParsePublicIdentityJwk(read(id.jwk).toString('utf8')).id];
      expect(ids).toEqual([id.id, id.id, id.id]);
      expect(privateOf(v.key).keyId).toBe(id.keyId);
      return undefined;
    }
    case 'file': {
      const file = field(v, 'file');
      const me = privateOf(v.key);
      const pinned = v.trusted === undefined ? {} : { pinned: v.trusted.map((t) => identity(t).id) };
      if (v.recovery !== undefined || v.recoveryV1 !== undefined) {
        const blob = v.recovery !== undefined ? field(v, 'recovery') : field(v, 'recoveryV1');
        return refDecryptWithRecoveryV2(file, blob, me.rsaPrivatePem, { ...pinned, ...expectSigner });
      }
      return refDecrypt(file, me.rsaPrivatePem, expectSigner);
    }
    case 'verify':
      refVerify(field(v, 'file'), expectSigner);
      return undefined;
    case 'escrow':
      refCheckEscrow(field(v, 'escrow'), privateOf(v.key), v.expectSigner === undefined ? {} : { expectOwner: identity(v.expectSigner).id });
      return undefined;
    case 'receipt':
      refCheckReceipt(field(v, 'receipt'), refParseStrictJson(field(v, 'escrow'), 'escrow blob') as RefEscrowV2);
      return undefined;
    case 'signed-object':
      expect(refParseSignedObject(field(v, 'blob'))).toBe(v.parsesAs);
      return undefined;
  }
}

describe('manifest v2 vectors (reference)', () => {
  it('are there, one for every v2 code', () => {
    expect(v2Vectors.length).toBeGreaterThan(0);
    const codes = new Set(v2Vectors.map((v) => v.expect));
    for (const c of ['success', 'MALFORMED', 'SIGNATURE_INVALID', 'SIGNER_UNTRUSTED', 'ESCROW_INVALID', 'BLOB_MISMATCH', 'NO_MATCHING_KEY', 'TRUNCATED']) {
      expect(codes, c).toContain(c);
    }
  });
  for (const v of v2Vectors) {
    it(`${v.name} (${v.kind}): ${v.expect}`, () => {
      if (v.expect === 'success') {
        const out = runV2(v);
        if (v.kind === 'file') {
          expect(out).toBeDefined();
          expect(crypto.createHash('sha256').update(out!.plaintext).digest('hex')).toBe(v.sha256);
          expect(out!.plaintext.length).toBe(v.size);
          if (v.meta !== undefined) expect(out!.meta).toEqual(v.meta);
          if (v.chunkSize !== undefined) expect(out!.header.chunkSize).toBe(v.chunkSize);
        }
        return;
      }
      let err: unknown;
      try {
        runV2(v);
      } catch (e) {
        err = e;
      }
      expect(err, 'refused').toBeInstanceOf(RefError);
      expect((err as RefError).code).toBe(v.expect);
    });
  }
});

// ---------------------------------------------------------------- v2 §8 councils
// The manifest's "councils" key (scripts/make-vectors-v2.ts, CouncilVector); every entry is run by the reference.

const councilVectors: CouncilVector[] = manifest.councils;
const pathOf = (v: CouncilVector, k: 'council' | 'escrow' | 'file' | 'drill'): Buffer => {
  const rel = v[k];
  if (rel === undefined) throw new Error(`${v.name}: no ${k}`);
  return read(rel);
};

/** Runs one council entry as its kind says; returns what a success yields. */
function runCouncil(v: CouncilVector): unknown {
  const expectOwner = v.expectOwner === undefined ? {} : { expectOwner: identity(v.expectOwner).id };
  switch (v.kind) {
    case 'council':
      return refParseCouncil(pathOf(v, 'council')).id;
    case 'member-check': {
      const expectCouncil = v.expectCouncil === undefined ? {} : { expectCouncil: refParseCouncil(read(v.expectCouncil)).id };
      return refCheckEscrowAsMember(pathOf(v, 'escrow'), privateOf(v.key), { ...expectOwner, ...expectCouncil }).index;
    }
    case 'quorum-check':
      return refCheckEscrowWithMembers(pathOf(v, 'escrow'), (v.keys ?? []).map(privateOf), expectOwner).present;
    case 'ceremony':
      return refDecryptWithMembers(pathOf(v, 'file'), pathOf(v, 'escrow'), (v.keys ?? []).map(privateOf));
    case 'partials':
      return refDecryptWithPartials(pathOf(v, 'file'), (v.partials ?? []).map(read), privateOf(v.key).rsaPrivatePem, { councils: (v.pinned ?? []).map((p) => refParseCouncil(read(p))) });
    case 'drill':
      return refVerifyDrill(pathOf(v, 'drill'), refParseCouncil(pathOf(v, 'council'))).members.length;
  }
}

describe('manifest council vectors (reference)', () => {
  it('are there: a good one of every kind, and a bad one for each refusal of §8', () => {
    expect(new Set(councilVectors.filter((v) => v.expect === 'success').map((v) => v.kind))).toEqual(new Set(['council', 'member-check', 'quorum-check', 'ceremony', 'partials', 'drill']));
    const codes = new Set(councilVectors.map((v) => v.expect));
    for (const c of ['MALFORMED', 'SIGNATURE_INVALID', 'SIGNER_UNTRUSTED', 'ESCROW_INVALID', 'QUORUM_NOT_MET', 'BLOB_MISMATCH', 'NO_MATCHING_KEY']) expect(codes, c).toContain(c);
  });
  for (const v of councilVectors) {
    it(`${v.name} (${v.kind}): ${v.expect}`, () => {
      if (v.expect === 'success') {
        const out = runCouncil(v);
        if (v.kind === 'council') expect(out).toBe(v.councilId);
        if (v.kind === 'member-check') expect(out).toBe(v.index);
        if (v.kind === 'quorum-check') expect(out).toEqual(v.present);
        if (v.kind === 'drill') expect(out).toBeGreaterThan(0);
        if (v.kind === 'ceremony' || v.kind === 'partials') {
          const opened = out as RefDecrypted;
          expect(crypto.createHash('sha256').update(opened.plaintext).digest('hex')).toBe(v.sha256);
          expect(opened.plaintext.length).toBe(v.size);
          expect(opened.meta).toEqual(v.meta);
          expect(opened.header.chunkSize).toBe(v.chunkSize);
        }
        return;
      }
      let err: unknown;
      try {
        runCouncil(v);
      } catch (e) {
        err = e;
      }
      expect(err, 'refused').toBeInstanceOf(RefError);
      expect((err as RefError).code).toBe(v.expect);
    });
  }
});
