// The manifest is consistent: the reference reproduces every expectation, and
// the committed vectors are exactly what scripts/make-vectors.ts generates.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildVectors, TESTDATA } from '../../scripts/make-vectors.ts';
import type { Manifest, VectorEntry } from '../../scripts/make-vectors.ts';
import { RefError, refDecrypt, refDecryptWithBlob, refOpenBlob } from './keyward-node.ts';
import type { RefDecrypted } from './keyward-node.ts';

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
      ].filter((x) => x !== undefined),
    );
    expect([...referenced].sort()).toEqual(onDisk);
  });
});
