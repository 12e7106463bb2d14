/**
 * A large file through the real CLI: encrypt and decrypt it (default 1 GiB;
 * KEYWARD_LARGE_FILE_MIB=N for another size), compare SHA-256, and print each
 * command's wall time and peak RSS. Only memory is asserted, generously: it
 * must not grow with the file. Times are printed, never asserted.
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import { closeSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BIN, ROOT, buildCli, childEnv, key, makeTempDir, sha256File } from './test-support.ts';

const SIZE_MIB = Number(process.env.KEYWARD_LARGE_FILE_MIB ?? '1024');
const MIB = 1 << 20;
/** Far below the file size: a CLI that buffered the file would blow through it. */
const MAX_PEAK_RSS_MIB = 400;
const PRELOAD = pathToFileURL(join(ROOT, 'test', 'report-rss.mjs')).href;

let dir: string;
beforeAll(() => {
  buildCli();
  dir = makeTempDir('cli-large');
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Writes `sizeMiB` of random bytes, one MiB at a time, and returns their SHA-256. */
function writeRandomFile(path: string, sizeMiB: number): string {
  const hash = createHash('sha256');
  const block = Buffer.alloc(MIB);
  const fd = openSync(path, 'w');
  try {
    for (let i = 0; i < sizeMiB; i++) {
      randomFillSync(block);
      hash.update(block);
      writeSync(fd, block);
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/** Runs the CLI with the RSS preload; returns wall time and peak RSS. */
function measured(label: string, args: readonly string[]): { seconds: number; peakMiB: number } {
  const rssFile = join(dir, `${label}.rss`);
  const started = performance.now();
  const result = spawnSync(process.execPath, ['--import', PRELOAD, BIN, ...args], {
    env: childEnv({ KEYWARD_RSS_FILE: rssFile }),
    encoding: 'utf8',
  });
  const seconds = (performance.now() - started) / 1000;
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  const peakMiB = Number(readFileSync(rssFile, 'utf8')) / 1024;
  const rate = label === 'baseline' ? '' : `, ${((SIZE_MIB * MIB) / 1e6 / seconds).toFixed(0)} MB/s`;
  const what = label === 'baseline' ? 'keyward --version (baseline)' : `keyward ${label} ${SIZE_MIB} MiB`;
  console.log(`${what}: ${seconds.toFixed(2)} s${rate}, peak RSS ${peakMiB.toFixed(1)} MiB`);
  return { seconds, peakMiB };
}

describe('a large file', () => {
  it(`encrypts and decrypts ${SIZE_MIB} MiB with flat memory`, { timeout: 600_000 }, async () => {
    const input = join(dir, 'large.bin');
    const generated = performance.now();
    const sha = writeRandomFile(input, SIZE_MIB);
    console.log(`generated ${SIZE_MIB} MiB in ${((performance.now() - generated) / 1000).toFixed(2)} s`);

    const baseline = measured('baseline', ['--version']);
    const encrypt = measured('encrypt', ['encrypt', input, '--owner', key('owner.pub.pem'), '--authority', key('authority.pub.pem')]);
    rmSync(input);
    const decrypt = measured('decrypt', ['decrypt', `${input}.keyward`, '--key', key('owner.pem')]);

    expect(statSync(input).size).toBe(SIZE_MIB * MIB);
    expect(await sha256File(input)).toBe(sha);
    for (const run of [encrypt, decrypt]) expect(run.peakMiB).toBeLessThan(MAX_PEAK_RSS_MIB);
    expect(baseline.peakMiB).toBeLessThan(MAX_PEAK_RSS_MIB);
  });
});
