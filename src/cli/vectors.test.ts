/**
 * Every vector of core/testdata/manifest.json through the CLI's own commands
 * (in-process: `run`, as bin/keyward.js calls it): `decrypt --key`,
 * `decrypt --recovery` and `recover --escrow`. A bad vector must put exactly
 * its code first on stderr and leave no file behind; a good one must write
 * exactly its bytes.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import manifest from '../core/testdata/manifest.json';
import { run } from './run.ts';
import type { TestVector as Vector } from '../core/test-support.ts';
import { makeTempDir } from './test-support.ts';


const TESTDATA = join(import.meta.dirname, '..', 'core', 'testdata');
const at = (relative: string) => join(TESTDATA, relative);
const keyPath = (name: string) => at((manifest.keys as Record<string, string>)[name]!);

/** The command line that opens a vector as the manifest says. */
function argsFor(vector: Vector, out: string): string[] {
  const file = at(vector.file!);
  const blob = vector.kind === 'file' ? (vector.open === 'escrow' ? vector.escrow : vector.open === 'recovery' ? vector.recovery : undefined) : vector.blob;
  const escrow = vector.kind === 'escrow-blob' || vector.open === 'escrow';
  if (blob === undefined) return ['decrypt', file, '--key', keyPath(vector.key), '--out', out];
  if (escrow) return ['recover', file, '--escrow', at(blob), '--authority-key', keyPath(vector.key), '--out', out];
  return ['decrypt', file, '--key', keyPath(vector.key), '--recovery', at(blob), '--out', out];
}

describe('every test vector through the CLI', () => {
  const dir = makeTempDir('vectors');
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it.for((manifest.vectors as Vector[]).map((v) => [v.name, v] as const))('%s', async ([name, vector]) => {
    const folder = join(dir, name);
    mkdirSync(folder);
    const out = join(folder, 'out.bin');
    let stderr = '';
    const status = await run(argsFor(vector, out), { env: {}, stdout: () => undefined, stderr: (text) => (stderr += text) });
    if (vector.expect === 'success') {
      expect({ status, stderr }).toEqual({ status: 0, stderr: '' });
      expect(createHash('sha256').update(readFileSync(out)).digest('hex')).toBe(vector.sha256);
      return;
    }
    expect(status).toBe(1);
    const first = stderr.split('\n')[0]!;
    expect(first.slice(0, first.indexOf(':'))).toBe(vector.expect);
    if (vector.chunkIndex !== undefined) expect(first).toContain(`(chunk ${vector.chunkIndex})`);
    expect(readdirSync(folder)).toEqual([]);
  });
});
