/**
 * Every vector of core/testdata/manifest.json through the CLI's own commands
 * (in-process: `run`, as bin/keyward.js calls it): `decrypt --key`,
 * `decrypt --recovery` and `recover --escrow`. A bad vector must put exactly
 * its code first on stderr and leave no file behind; a good one must write
 * exactly its bytes. The v2 vectors run through the CLI contract's commands
 * (keyward-v2-requirements.md): `decrypt` with `--signer`, `--recovery` and
 * `--trust`, `verify --signer`, `escrow check --authority-key --receipt-out`,
 * `inspect` (blobs, and the signer a good file names) and `id`; the council
 * vectors through `id`, `escrow check`, `drill`, `recover`, `decrypt` with
 * partials and `verify --council`.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import manifest from '../core/testdata/manifest.json';
import { parseSignedObject, verifyReceipt } from '../core/index.ts';
import { run } from './run.ts';
import type { TestVector as Vector } from '../core/test-support.ts';
import { makeTempDir } from './test-support.ts';
import { type CouncilVector, type V2Vector, councilManifest, v2Manifest } from '../core/test-vectors.ts';


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

const v2 = v2Manifest(manifest);
const identity = (name: string | undefined) => v2.identities[name!]!;
const FORMATS: Record<string, string> = { 'escrow-v2': 'keyward-escrow/2', 'recovery-v2': 'keyward-recovery/2', receipt: 'keyward-receipt/2' };

/**
 * The v2 vectors the CLI contract has no command line for, and why. A vector
 * not named here runs below; a new one must either run or be named here.
 */
function notInTheContract(vector: V2Vector): string | undefined {
  // §5: the owner's app checks receipts; `keyward` has no command that does.
  if (vector.kind === 'receipt') return 'no CLI command checks a receipt';
  return undefined;
}

/** One run of the CLI: its command line and what the vector's outcome is, checked when it succeeded. */
interface CliCase {
  argv: string[];
  /** Checks a successful run's stdout and its output folder. */
  good: (stdout: string, folder: string) => Promise<void> | void;
}

/**
 * Runs each of a vector's command lines in a folder of its own: a good vector
 * exits 0 and passes its check; a bad one exits 1 with exactly its code first
 * on stderr and leaves the folder empty (no plaintext, receipt, report or
 * temporary file).
 */
async function runCases(dir: string, name: string, vector: { expect: string; description: string }, casesFor: (folder: string) => CliCase[]): Promise<void> {
  const count = casesFor(dir).length;
  for (let i = 0; i < count; i++) {
    const folder = join(dir, `${name}-${i}`);
    mkdirSync(folder);
    const { argv, good } = casesFor(folder)[i]!;
    let stdout = '';
    let stderr = '';
    const status = await run(argv, { env: {}, stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) });
    if (vector.expect === 'success') {
      expect({ status, stderr }, argv.join(' ')).toEqual({ status: 0, stderr: '' });
      await good(stdout, folder);
      continue;
    }
    expect(status, argv.join(' ')).toBe(1);
    const first = stderr.split('\n')[0]!;
    expect(first.slice(0, first.indexOf(':')), `${vector.description}: ${argv.join(' ')}`).toBe(vector.expect);
    expect(readdirSync(folder)).toEqual([]);
  }
}

/** The command lines that run a v2 vector (a recovery vector pinning several issuers: one per issuer, as --trust names one). */
function casesFor(vector: V2Vector, folder: string): CliCase[] {
  const out = join(folder, 'out.bin');
  switch (vector.kind) {
    case 'identity': {
      const entry = identity(vector.key);
      return [entry.private, entry.public, entry.jwk].map((path) => ({
        argv: ['id', at(path)],
        good: (stdout) => {
          const lines = stdout.split('\n');
          expect(lines[0]).toBe(`identity ID   ${entry.id}`);
          expect(lines[2]).toMatch(new RegExp(`^RSA key ID    ${entry.keyId} `));
        },
      }));
    }
    case 'signed-object':
      return [{ argv: ['inspect', at(vector.blob!)], good: (stdout) => { expect((JSON.parse(stdout) as { format: string }).format).toBe(FORMATS[vector.parsesAs!]); } }];
    case 'verify':
      return [{
        argv: ['verify', at(vector.file!), ...(vector.expectSigner === undefined ? [] : ['--signer', at(identity(vector.expectSigner).public)])],
        good: (stdout) => { expect(stdout).toMatch(new RegExp(`^signed by ${identity('owner').id}  `)); },
      }];
    case 'escrow':
      // --receipt-out: a good blob gets a receipt the owner's check accepts; a bad one leaves the folder empty.
      return [{
        argv: [
          'escrow', 'check', at(vector.escrow!), '--authority-key', at(identity(vector.key).private), '--receipt-out', folder,
          ...(vector.expectSigner === undefined ? [] : ['--owner', at(identity(vector.expectSigner).public)]),
        ],
        good: async (stdout, dir) => {
          expect(stdout).toMatch(new RegExp(`^GOOD file KW-[0-9A-Z-]+ from ${identity('owner').id}  `));
          const [receiptName, ...more] = readdirSync(dir);
          expect(more).toEqual([]);
          const receipt = parseSignedObject(readFileSync(join(dir, receiptName!), 'utf8'));
          const blob = parseSignedObject(readFileSync(at(vector.escrow!), 'utf8'));
          if (receipt.kind !== 'receipt' || blob.kind !== 'escrow-v2') throw new Error('expected a receipt for a v2 escrow blob');
          await verifyReceipt(receipt.receipt, blob.blob);
          expect(receipt.receipt.authority.id).toBe(identity(vector.key).id);
        },
      }];
    case 'file': {
      const base = ['decrypt', at(vector.file!), '--key', at(identity(vector.key).private), '--out', out];
      const signer = vector.expectSigner === undefined ? [] : ['--signer', at(identity(vector.expectSigner).public)];
      const good = () => { expect(createHash('sha256').update(readFileSync(out)).digest('hex')).toBe(vector.sha256); };
      // A good file's header names its signer, without any key.
      const inspect: CliCase[] = vector.expect === 'success' ? [{
        argv: ['inspect', at(vector.file!)],
        good: (stdout) => { expect((JSON.parse(stdout) as { signer: string }).signer).toBe(identity('owner').id); },
      }] : [];
      const blob = vector.recovery ?? vector.recoveryV1;
      if (blob === undefined) return [{ argv: [...base, ...signer], good }, ...inspect];
      const pins = (vector.trusted ?? []).length === 0 ? [[]] : vector.trusted!.map((name) => ['--trust', at(identity(name).public)]);
      return [...pins.map((trust) => ({ argv: [...base, '--recovery', at(blob), ...trust, ...signer], good })), ...inspect];
    }
    case 'receipt':
      throw new Error('not in the CLI contract');
  }
}

describe('every v2 test vector through the CLI contract commands', () => {
  const dir = makeTempDir('vectors-v2');
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('leaves out only what the CLI contract has no command for', () => {
    expect(v2.v2.filter((v) => notInTheContract(v) !== undefined).map((v) => `${v.name}: ${notInTheContract(v)!}`)).toEqual([
      ...v2.v2.filter((v) => v.kind === 'receipt').map((v) => `${v.name}: no CLI command checks a receipt`),
    ]);
  });

  it.for(v2.v2.filter((v) => notInTheContract(v) === undefined).map((v) => [v.name, v] as const))('%s', async ([name, vector]) => {
    await runCases(dir, name, vector, (folder) => casesFor(vector, folder));
  });
});

const councils = councilManifest(manifest);

/**
 * The council vectors (keyward-v2.md §8) the CLI contract has no command
 * line for, and why. A vector not named here runs below.
 */
function councilNotInTheContract(vector: CouncilVector): string | undefined {
  // A drill report is checked by `verify --council`, whose exit also says whether the drill passed: its own test below.
  if (vector.kind === 'drill') return 'verify --council, tested on its own';
  return undefined;
}

/** The command lines that run a council vector. */
function councilCasesFor(vector: CouncilVector, folder: string): CliCase[] {
  const out = join(folder, 'out.bin');
  const keys = (vector.keys ?? []).flatMap((name) => ['--authority-key', at(identity(name).private)]);
  const opened = () => {
    expect(createHash('sha256').update(readFileSync(out)).digest('hex')).toBe(vector.sha256);
  };
  switch (vector.kind) {
    case 'council':
      return [{ argv: ['id', at(vector.council!)], good: (stdout) => { expect(stdout.split('\n')[0]).toBe(`council ID    ${vector.councilId!}`); } }];
    case 'member-check':
      return [{
        argv: [
          'escrow', 'check', at(vector.escrow!), '--authority-key', at(identity(vector.key).private),
          ...(vector.expectOwner === undefined ? [] : ['--owner', at(identity(vector.expectOwner).public)]),
          ...(vector.expectCouncil === undefined ? [] : ['--council', at(vector.expectCouncil)]),
        ],
        // A member's line names its index and says what only a drill proves.
        good: (stdout) => {
          expect(stdout).toMatch(new RegExp(`^GOOD file KW-[0-9A-Z-]+ from ${identity('owner').id}  .*  member ${vector.index!} of council SHA256:[0-9a-f]{64} \\(2 of 3\\): your share is good; only a drill with 2 members`));
        },
      }];
    case 'quorum-check': {
      // The members together: escrow check with their keys (one key there is a member's own check), and a drill.
      const drill: CliCase = {
        argv: ['drill', at(vector.escrow!), ...keys],
        good: (stdout) => { expect(stdout).toMatch(/^GOOD file KW-[0-9A-Z-]+ {2}/); },
      };
      if ((vector.keys ?? []).length < 2) return [drill];
      return [{
        argv: ['escrow', 'check', at(vector.escrow!), ...keys],
        good: (stdout) => { expect(stdout).toContain(`  members ${vector.present!.join(', ')} of council `); },
      }, drill];
    }
    case 'ceremony':
      return [{ argv: ['recover', at(vector.file!), '--escrow', at(vector.escrow!), ...keys, '--out', out], good: opened }];
    case 'partials':
      // --trust names one council; the vectors pin one or none.
      expect((vector.pinned ?? []).length).toBeLessThanOrEqual(1);
      return [{
        argv: [
          'decrypt', at(vector.file!), '--key', at(identity(vector.key).private),
          ...(vector.partials ?? []).flatMap((path) => ['--recovery', at(path)]),
          ...(vector.pinned ?? []).flatMap((path) => ['--trust', at(path)]),
          '--out', out,
        ],
        good: opened,
      }];
    case 'drill':
      throw new Error('not in the CLI contract');
  }
}

describe('every council vector through the CLI contract commands', () => {
  const dir = makeTempDir('vectors-council');
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('leaves out only what the CLI contract has no command for', () => {
    expect(councils.councils.filter((v) => councilNotInTheContract(v) !== undefined).map((v) => v.kind)).toEqual(
      councils.councils.filter((v) => v.kind === 'drill').map(() => 'drill'),
    );
  });

  it.for(councils.councils.filter((v) => councilNotInTheContract(v) === undefined).map((v) => [v.name, v] as const))('%s', async ([name, vector]) => {
    await runCases(dir, name, vector, (folder) => councilCasesFor(vector, folder));
  });

  // §8.5: `verify --council` checks a report. A genuine one prints who signed it, then exits 0 only if the
  // drill passed, else 1 with the first failing blob's code; a forged one is refused before any line.
  it.for(councils.councils.filter((v) => v.kind === 'drill').map((v) => [v.name, v] as const))('%s: verify --council', async ([, vector]) => {
    let stdout = '';
    let stderr = '';
    const status = await run(['verify', at(vector.drill!), '--council', at(vector.council!)], { env: {}, stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) });
    const code = stderr.split('\n')[0]!.split(':')[0];
    if (vector.expect !== 'success') {
      expect({ status, code, stdout }, vector.description).toEqual({ status: 1, code: vector.expect, stdout: '' });
      return;
    }
    const report = parseSignedObject(readFileSync(at(vector.drill!), 'utf8'));
    if (report.kind !== 'drill') throw new Error(`${vector.drill!} is not a drill report`);
    const failed = report.report.results.find((r) => r.result !== 'GOOD');
    expect(stdout).toMatch(/^drill report {2}.* signed by members 1 \(SHA256:[0-9a-f]{64}\), 2 \(SHA256:[0-9a-f]{64}\) of council /);
    expect({ status, code: failed === undefined ? undefined : code }).toEqual({ status: failed === undefined ? 0 : 1, code: failed?.result });
  });
});
