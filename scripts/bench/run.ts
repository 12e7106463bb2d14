/**
 * `npm run bench`: Keyward's pipeline against its peers and the ceilings of the platform,
 * as ratios measured in one run (medians of several repetitions).
 *
 * Browser (headless Debian Chromium with a profile on disk, as people use it;
 * a private window's OPFS is held in memory and is far slower):
 * - ceiling_read: the generated disk-backed file read through the app's own
 *   source (`readPiecesOffThread`: the reader Worker, BYOB into reused 8 MiB buffers) in a
 *   Worker, bytes discarded;
 * - ceiling_cipher: raw WebCrypto AES-256-GCM over in-memory chunks of the
 *   chunk size, one call after another, in a Worker;
 * - encrypt / decrypt: the app's real pipeline (src/io's Worker), File in,
 *   disk-backed OPFS output out;
 * - peers (peers.worker.ts): OpenPGP.js (AEAD), age-encryption and
 *   libsodium's secretstream, each in a Worker, each streaming the same
 *   disk-backed File (`file.stream()`) into a Blob and its own output back
 *   into a Blob, timed in the page as the app is: `encrypt_vs_best_peer`,
 *   `decrypt_vs_best_peer`;
 * - a CPU-bound ceiling: the browser's CPU time (all its processes, from
 *   /proc) per MB for reading the file through the app's source, AES-256-GCM
 *   over chunks and writing through the app's OPFS sink, each alone in a
 *   Worker; ceiling = cores / (sum of the three), cores =
 *   navigator.hardwareConcurrency: `encrypt_vs_cpu_bound`,
 *   `decrypt_vs_cpu_bound` (decrypt: reading the `.keyward` file, opening,
 *   writing plaintext);
 * - the retired ratios against min(ceiling_read, ceiling_cipher), still printed;
 * - signed encrypt / decrypt: the same with format v2 (an identity signs, its
 *   signature and per-chunk SHA-256 leaves checked on decrypt), right after the
 *   unsigned run in each repetition: `signed_*_ratio` is signed over unsigned;
 * - the options for v2's payload digest (`digest_options_mbps`, per thread);
 * - peak renderer memory above idle while encrypting 256 MiB and 1 GiB;
 * - small files per second (four at a time, as the app's queue runs them) and
 *   the longest main-thread task meanwhile (Long Tasks API).
 * CLI: `keyward encrypt` / `decrypt` against raw node:crypto over the same file
 * (cli-baseline.ts), each a Node process of its own, timed from start to exit,
 * and signed (`--sign`, `--signer`) against unsigned.
 *
 * CLI against age: `keyward encrypt` / `decrypt` and Debian's `age -r` / `age -d`
 * on the same file, alternating, each a process of its own, each after an
 * untimed `sync` (`cli_vs_age_*`: Keyward's median wall time over age's), and
 * the CLI's peak resident memory
 * (`cli_peak_rss_mib`, from /usr/bin/time) at 256 MiB and at the --size.
 *
 * Flags: --size MiB (256), --reps N (3), --chunk-sizes a,b,c (ceiling_cipher
 * at each), --skip-1gib, --skip-cli, --small-files N (1000, 0 to skip),
 * --only PART,PART (ceilings, signed, peers, cpu, cli, chunk-sizes, digest,
 * memory, small-files; Keyward's own encrypt and decrypt always run; by
 * default every part runs), --cli-only (only the CLI against age, no browser).
 * The last line printed is one JSON object.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type BrowserContext, type Page, chromium } from '@playwright/test';
import { createServer, transformWithOxc } from 'vite';
import { chromiumArgs, chromiumPath } from '../../test/chromium.ts';
import type { DigestMethod } from './ceiling.worker.ts';
import type { Peer } from './peers.worker.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const KEYS = join(ROOT, 'src', 'core', 'testdata', 'keys');
/** Identities (format v2): the owner signs, the authority gets a signed escrow blob. */
const IDENTITIES = join(ROOT, 'src', 'core', 'testdata', 'vectors');
const MIB = 1024 * 1024;

const { values: flags } = parseArgs({
  options: {
    size: { type: 'string', default: '256' },
    reps: { type: 'string', default: '3' },
    'chunk-size': { type: 'string', default: '262144' },
    'chunk-sizes': { type: 'string', default: '65536,262144,524288,1048576' },
    'skip-1gib': { type: 'boolean', default: false },
    'skip-cli': { type: 'boolean', default: false },
    'small-files': { type: 'string', default: '1000' },
    only: { type: 'string' },
    'cli-only': { type: 'boolean', default: false },
  },
});
/** The parts of the run; `--only a,b` runs those (Keyward's own encrypt and decrypt always run: every ratio is of them). */
const PARTS = ['ceilings', 'signed', 'peers', 'cpu', 'cli', 'chunk-sizes', 'digest', 'memory', 'small-files'] as const;
type Part = (typeof PARTS)[number];
const only = flags.only?.split(',').map((part) => part.trim());
for (const part of only ?? []) if (!(PARTS as readonly string[]).includes(part)) throw new Error(`--only: unknown part ${part} (parts: ${PARTS.join(', ')})`);
const runs = (part: Part) =>
  (only ? only.includes(part) : true) && !(part === 'cli' && flags['skip-cli']) && !(part === 'small-files' && Number(flags['small-files']) <= 0);
const PEERS: Peer[] = ['openpgp', 'age', 'libsodium'];
const SIZE = Number(flags.size) * MIB;
const REPS = Math.max(1, Number(flags.reps));
const CHUNK = Number(flags['chunk-size']);
const CHUNK_SIZES = flags['chunk-sizes'].split(',').map(Number);
const SMALL_FILES = Number(flags['small-files']);

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const mbps = (bytes: number, ms: number) => bytes / 1e6 / (ms / 1000);
const round = (value: number, digits = 2) => Number(value.toFixed(digits));

/** A file of pseudo-random bytes on disk (16 MiB of random data repeated, each MiB stamped). */
function makeFile(path: string, bytes: number): void {
  const block = randomBytes(16 * MIB);
  const fd = openSync(path, 'w');
  try {
    for (let at = 0; at < bytes; at += block.length) {
      for (let mib = 0; mib < block.length; mib += MIB) block.writeUInt32BE((at + mib) / MIB, mib);
      writeSync(fd, block, 0, Math.min(block.length, bytes - at));
    }
  } finally {
    closeSync(fd);
  }
}

/** Runs a Node script as a process of its own; the milliseconds from start to exit. */
function timedNode(script: string, args: string[]): number {
  const started = performance.now();
  const result = spawnSync('node', [script, ...args], { stdio: 'pipe' });
  if (result.status !== 0) throw new Error(`${script} ${args[0] ?? ''} failed: ${result.stderr.toString()}`);
  return performance.now() - started;
}

const keyward = (...args: string[]) => timedNode(join(ROOT, 'bin', 'keyward.js'), args);

/** The first of `paths` that exists, or null. */
const found = (...paths: string[]) => paths.find((path) => existsSync(path)) ?? null;

/** Runs a command; the milliseconds from start to exit and its peak resident memory (KiB, from /usr/bin/time; NaN without it). */
function timedRun(command: string, args: string[]): { ms: number; rssKiB: number } {
  const time = found('/usr/bin/time');
  const started = performance.now();
  const result = time ? spawnSync(time, ['-f', 'keyward-bench-rss %M', command, ...args], { stdio: 'pipe' }) : spawnSync(command, args, { stdio: 'pipe' });
  const ms = performance.now() - started;
  if (result.status !== 0) throw new Error(`${command} ${args[0] ?? ''} failed: ${result.stderr.toString()}`);
  const rss = /keyward-bench-rss (\d+)/.exec(result.stderr.toString());
  return { ms, rssKiB: rss ? Number(rss[1]) : Number.NaN };
}

/** `keyward encrypt` / `decrypt` against `age -r` / `age -d` on `plain`, alternating; null ratios (with a note) when age is missing. */
function cliAgainstAge(dir: string, plain: string, reps: number): { encrypt: number | null; decrypt: number | null; peakRssKiB: number; note?: string } {
  const node = (...args: string[]) => timedRun('node', [join(ROOT, 'bin', 'keyward.js'), ...args]);
  const out = join(dir, 'age-vs.keyward');
  const encryptKeyward = () => node('encrypt', plain, '--owner', join(KEYS, 'owner.pub.pem'), '--authority', join(KEYS, 'authority.pub.pem'), '--out', out, '--force');
  const decryptKeyward = () => node('decrypt', out, '--key', join(KEYS, 'owner.pem'), '--out', join(dir, 'age-vs.plain'), '--force');
  const age = found('/usr/bin/age');
  const ageKeygen = found('/usr/bin/age-keygen');
  // age does not flush its output, so the kernel writes it back later: after a
  // run of age, Keyward's `fdatasync` waited for the disk to take age's 512 MiB
  // as well as its own (cli_vs_age_encrypt 1.52-1.61 without this, 2026-12-07).
  // Each run starts with nothing of the other's left to write; each still pays
  // for its own writes (Keyward its fsync, age nothing).
  const settled = <T>(run: () => T): T => {
    spawnSync('sync');
    return run();
  };
  let peak = 0;
  const track = (run: { ms: number; rssKiB: number }) => {
    peak = Math.max(peak, run.rssKiB);
    return run.ms;
  };
  if (!age || !ageKeygen) {
    track(encryptKeyward());
    track(decryptKeyward());
    return { encrypt: null, decrypt: null, peakRssKiB: peak, note: 'age is not installed (/usr/bin/age): the ratios are skipped' };
  }
  const identity = join(dir, 'age.key');
  if (!existsSync(identity)) execFileSync(ageKeygen, ['-o', identity], { stdio: 'ignore' });
  const recipient = execFileSync(ageKeygen, ['-y', identity]).toString().trim();
  const sealed = join(dir, 'age-vs.age');
  const times: Record<'kwEnc' | 'ageEnc' | 'kwDec' | 'ageDec', number[]> = { kwEnc: [], ageEnc: [], kwDec: [], ageDec: [] };
  // One warm-up of each, then alternating runs.
  for (let rep = -1; rep < reps; rep++) {
    const kwEnc = track(settled(encryptKeyward));
    const ageEnc = settled(() => timedRun(age, ['-r', recipient, '-o', sealed, plain])).ms;
    const kwDec = track(settled(decryptKeyward));
    const ageDec = settled(() => timedRun(age, ['-d', '-i', identity, '-o', join(dir, 'age-vs.age-plain'), sealed])).ms;
    if (rep < 0) continue;
    times.kwEnc.push(kwEnc);
    times.ageEnc.push(ageEnc);
    times.kwDec.push(kwDec);
    times.ageDec.push(ageDec);
  }
  return { encrypt: median(times.kwEnc) / median(times.ageEnc), decrypt: median(times.kwDec) / median(times.ageDec), peakRssKiB: peak };
}

/** The CLI-against-age keys of the JSON line: the ratios at the --size, peak memory at 256 MiB and at the --size. */
function cliVsAgeResult(dir: string, plain: string): Record<string, number | string | null> {
  const main = cliAgainstAge(dir, plain, REPS);
  let small = main.peakRssKiB;
  if (SIZE !== 256 * MIB) {
    const plain256 = join(dir, 'plain-256.bin');
    makeFile(plain256, 256 * MIB);
    small = cliAgainstAge(dir, plain256, 1).peakRssKiB;
    rmSync(plain256, { force: true });
  }
  const mib = (kib: number) => (Number.isNaN(kib) ? null : round(kib / 1024, 1));
  return {
    cli_vs_age_encrypt: main.encrypt === null ? null : round(main.encrypt),
    cli_vs_age_decrypt: main.decrypt === null ? null : round(main.decrypt),
    cli_peak_rss_mib: mib(main.peakRssKiB),
    cli_peak_rss_256mib_mib: mib(small),
    ...(main.note ? { cli_vs_age_note: main.note } : {}),
  };
}

/** cli-baseline.ts as JavaScript in `dir`, to run as a process as the CLI runs. */
async function compileBaseline(dir: string): Promise<string> {
  const source = join(import.meta.dirname, 'cli-baseline.ts');
  const { code } = await transformWithOxc(readFileSync(source, 'utf8'), source, { lang: 'ts', target: 'node20' });
  const script = join(dir, 'cli-baseline.mjs');
  writeFileSync(script, code);
  return script;
}

/** The processes of the browser started with this profile: the browser process and its descendants (through the zygote). */
function browserFamily(profile: string): { pid: string; cmdline: string }[] {
  const processes = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .flatMap((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        return [{ pid, parent, cmdline: readFileSync(`/proc/${pid}/cmdline`, 'utf8') }];
      } catch {
        return []; // ended while we looked
      }
    });
  const family = new Set(processes.filter((p) => p.cmdline.includes(profile) && !p.cmdline.includes('--type=')).map((p) => Number(p.pid)));
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of processes) {
      if (family.has(p.parent) && !family.has(Number(p.pid))) {
        family.add(Number(p.pid));
        grew = true;
      }
    }
  }
  return processes.filter((p) => family.has(Number(p.pid)));
}

/** The resident memory (KiB) of the renderer processes of the browser started with this profile. */
function rendererRssKiB(profile: string): number {
  let total = 0;
  for (const p of browserFamily(profile)) {
    if (!p.cmdline.includes('--type=renderer')) continue;
    try {
      total += Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p.pid}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // ended while we looked
    }
  }
  return total;
}

/** Clock ticks per second of /proc's times (`getconf CLK_TCK`). */
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/**
 * The CPU time (ms, user and system, every thread, ended threads included)
 * of all the processes of the browser started with this profile: the
 * renderer with its Workers, the browser process (which serves File reads)
 * and the rest.
 */
function browserCpuMs(profile: string): number {
  let ticks = 0;
  for (const p of browserFamily(profile)) {
    try {
      const stat = readFileSync(`/proc/${p.pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
    } catch {
      // ended while we looked
    }
  }
  return (ticks * 1000) / CLK_TCK;
}

/**
 * Waits (at most 5 s) until the browser is idle: under 10 ms of CPU in 250 ms.
 * A 256 MiB Blob just made (the peers' outputs) is moved to disk by the
 * browser process afterwards; without this, that work lands in whatever is
 * measured next.
 */
async function settle(profile: string): Promise<void> {
  for (let waited = 0; waited < 5000; waited += 250) {
    const before = browserCpuMs(profile);
    await new Promise((resolve) => setTimeout(resolve, 250));
    if (browserCpuMs(profile) - before < 10) return;
  }
}

/** The browser's CPU time (ms) spent while `work` runs (after `settle`). */
async function cpuOf(profile: string, work: () => Promise<unknown>): Promise<number> {
  await settle(profile);
  const before = browserCpuMs(profile);
  await work();
  return browserCpuMs(profile) - before;
}

/** Peak renderer memory above its idle level (MiB) while `work` runs. */
async function peakGrowth(page: Page, profile: string, work: () => Promise<unknown>): Promise<number> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const idle = rendererRssKiB(profile);
  let peak = idle;
  const timer = setInterval(() => {
    peak = Math.max(peak, rendererRssKiB(profile));
  }, 50);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  peak = Math.max(peak, rendererRssKiB(profile));
  return (peak - idle) / 1024;
}

type Bench = {
  readCeiling(index: number, digest?: boolean): Promise<number>;
  digestOption(method: DigestMethod, chunkSize: number, bytes: number): Promise<number>;
  cipherCeiling(chunkSize: number, bytes: number, decrypt?: boolean): Promise<number>;
  writeCeiling(chunkSize: number, bytes: number): Promise<number>;
  cores(): Promise<number>;
  peerEncrypt(peer: Peer, index: number): Promise<{ ms: number; outputSize: number }>;
  peerDecrypt(peer: Peer): Promise<{ ms: number; outputSize: number }>;
  peerRoundTrip(peer: Peer, index: number): Promise<boolean>;
  encrypt(index: number, chunkSize: number, signed?: boolean): Promise<{ ms: number; outputSize: number }>;
  decrypt(index: number, signed?: boolean): Promise<{ ms: number; outputSize: number }>;
  smallFiles(count: number, size: number): Promise<{ ms: number; longestTaskMs: number; tasksOver100Ms: number }>;
  sweep(): Promise<number>;
};
const call = <K extends keyof Bench>(page: Page, name: K, ...args: Parameters<Bench[K]>) =>
  page.evaluate(
    ([fn, rest]) => (window as unknown as { keywardBench: Record<string, (...a: unknown[]) => unknown> }).keywardBench[fn]!(...rest),
    [name, args] as const,
  ) as Promise<Awaited<ReturnType<Bench[K]>>>;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'keyward-bench-'));
  const cleanup = () => {
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => {
    cleanup();
    process.exit(130);
  });
  let server: Awaited<ReturnType<typeof createServer>> | undefined;
  let context: BrowserContext | undefined;
  try {
    if (!existsSync(join(ROOT, 'dist', 'cli', 'keyward.js'))) execFileSync('npx', ['vite', 'build', '--config', 'vite.cli.config.ts'], { cwd: ROOT, stdio: 'ignore' });
    const plain = join(dir, 'plain.bin');
    makeFile(plain, SIZE);
    if (flags['cli-only']) {
      const result = { size_mib: SIZE / MIB, reps: REPS, ...cliVsAgeResult(dir, plain) };
      console.log(`Keyward CLI against age: ${String(SIZE / MIB)} MiB, median of ${String(REPS)} alternating runs`);
      console.log(JSON.stringify(result));
      return;
    }
    const baseline = runs('cli') ? await compileBaseline(dir) : undefined;
    keyward('encrypt', plain, '--owner', join(KEYS, 'owner.pub.pem'), '--authority', join(KEYS, 'authority.pub.pem'), '--chunk-size', String(CHUNK), '--out', join(dir, 'plain.bin.keyward'));
    const signedArgs = ['--owner', join(IDENTITIES, 'id-owner.pub.pem'), '--sign', join(IDENTITIES, 'id-owner.pem'), '--authority', join(IDENTITIES, 'id-authority.pub.pem')];
    keyward('encrypt', plain, ...signedArgs, '--chunk-size', String(CHUNK), '--out', join(dir, 'signed.bin.keyward'), '--escrow-out', join(dir, 'signed-escrow.json'));
    const big = join(dir, 'one-gib.bin');
    const withBig = runs('memory') && !flags['skip-1gib'];
    if (withBig) makeFile(big, 1024 * MIB);

    server = await createServer({
      root: ROOT,
      configFile: false,
      logLevel: 'error',
      server: { host: '127.0.0.1', port: 0, strictPort: false },
      // The Workers' dependencies, bundled before the page loads: found later, they reload the page mid-run.
      optimizeDeps: { include: ['hash-wasm', 'openpgp', 'age-encryption', 'libsodium-wrappers'] },
    });
    await server.listen();
    const address = server.httpServer?.address();
    if (!address || typeof address === 'string') throw new Error('no server address');
    const profile = join(dir, 'profile');
    context = await chromium.launchPersistentContext(profile, { executablePath: chromiumPath, args: chromiumArgs });
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`http://127.0.0.1:${String(address.port)}/scripts/bench/bench.html`);
    await page.waitForFunction(() => document.title.endsWith('(ready)'));
    const version = context.browser()?.version() ?? (await page.evaluate(() => navigator.userAgent)).replace(/.*Chrome\/(\S+).*/, '$1');
    const inputs = [plain, `${plain}.keyward`, join(dir, 'signed.bin.keyward')];
    await page.locator('input[type=file]').setInputFiles(withBig ? [...inputs, big] : inputs);

    // Warm-up: module loading, key import, the first OPFS folder.
    await call(page, 'encrypt', 0, CHUNK);
    if (runs('signed')) await call(page, 'encrypt', 0, CHUNK, true);
    // Each peer once, untimed: loading, keys, and a check that it gives the file back byte for byte.
    if (runs('peers')) for (const peer of PEERS) if (!(await call(page, 'peerRoundTrip', peer, 0))) throw new Error(`${peer} did not give the file back`);
    const cores = await call(page, 'cores');

    const rows: Record<string, number[]> = {
      ceiling_read: [], ceiling_cipher: [], encrypt: [], decrypt: [], signed_encrypt: [], signed_decrypt: [],
      cli_raw_encrypt: [], cli_encrypt: [], cli_raw_decrypt: [], cli_decrypt: [], cli_signed_encrypt: [], cli_signed_decrypt: [],
      ...Object.fromEntries(PEERS.flatMap((peer) => [[`${peer}_encrypt`, []], [`${peer}_decrypt`, []]])),
      // CPU ms per MB (10^6 bytes of plaintext), each part alone in a Worker.
      keyward_cpu_encrypt: [], keyward_cpu_decrypt: [],
      cpu_read: [], cpu_seal: [], cpu_write_sealed: [], cpu_read_sealed: [], cpu_open: [], cpu_write_plain: [],
    };
    const MB = SIZE / 1e6;
    for (let rep = 0; rep < REPS; rep++) {
      if (runs('ceilings')) {
        rows.ceiling_read!.push(mbps(SIZE, await call(page, 'readCeiling', 0)));
        rows.ceiling_cipher!.push(mbps(SIZE, await call(page, 'cipherCeiling', CHUNK, SIZE)));
      }
      // Keyward's own CPU time per MB beside its speed: the CPU-bound ceiling's parts are CPU time too.
      let encrypted = { ms: 0, outputSize: 0 };
      rows.keyward_cpu_encrypt!.push((await cpuOf(profile, async () => (encrypted = await call(page, 'encrypt', 0, CHUNK)))) / MB);
      rows.encrypt!.push(mbps(SIZE, encrypted.ms));
      let decrypted = { ms: 0, outputSize: 0 };
      rows.keyward_cpu_decrypt!.push((await cpuOf(profile, async () => (decrypted = await call(page, 'decrypt', 1)))) / MB);
      if (decrypted.outputSize !== SIZE) throw new Error('decrypt gave the wrong size');
      rows.decrypt!.push(mbps(SIZE, decrypted.ms));
      if (runs('signed')) {
        // Signed (format v2) right after unsigned, on the same file, in the same repetition.
        rows.signed_encrypt!.push(mbps(SIZE, (await call(page, 'encrypt', 0, CHUNK, true)).ms));
        const signedOpen = await call(page, 'decrypt', 2, true);
        if (signedOpen.outputSize !== SIZE) throw new Error('signed decrypt gave the wrong size');
        rows.signed_decrypt!.push(mbps(SIZE, signedOpen.ms));
      }
      if (runs('cpu')) {
        // The CPU-bound ceiling's parts, each alone in a Worker: the browser's CPU time per MB.
        rows.cpu_read!.push((await cpuOf(profile, () => call(page, 'readCeiling', 0))) / MB);
        rows.cpu_seal!.push((await cpuOf(profile, () => call(page, 'cipherCeiling', CHUNK, SIZE))) / MB);
        rows.cpu_write_sealed!.push((await cpuOf(profile, () => call(page, 'writeCeiling', CHUNK + 16, Math.ceil(SIZE / CHUNK) * (CHUNK + 16)))) / MB);
        rows.cpu_read_sealed!.push((await cpuOf(profile, () => call(page, 'readCeiling', 1))) / MB);
        rows.cpu_open!.push((await cpuOf(profile, () => call(page, 'cipherCeiling', CHUNK, SIZE, true))) / MB);
        rows.cpu_write_plain!.push((await cpuOf(profile, () => call(page, 'writeCeiling', CHUNK, SIZE))) / MB);
      }
      if (runs('peers')) {
        // Each peer on the same disk-backed File as Keyward, in the same repetition, each from an idle browser.
        for (const peer of PEERS) {
          await settle(profile);
          rows[`${peer}_encrypt`]!.push(mbps(SIZE, (await call(page, 'peerEncrypt', peer, 0)).ms));
          await settle(profile);
          const opened = await call(page, 'peerDecrypt', peer);
          if (opened.outputSize !== SIZE) throw new Error(`${peer} decrypt gave the wrong size`);
          rows[`${peer}_decrypt`]!.push(mbps(SIZE, opened.ms));
        }
      }
      if (baseline) {
        const raw = join(dir, 'raw.out');
        const key = join(dir, 'raw.key');
        rows.cli_raw_encrypt!.push(mbps(SIZE, timedNode(baseline, ['encrypt', plain, raw, String(CHUNK), key])));
        rows.cli_raw_decrypt!.push(mbps(SIZE, timedNode(baseline, ['decrypt', raw, join(dir, 'raw.plain'), String(CHUNK), key])));
        const out = join(dir, 'cli.keyward');
        rows.cli_encrypt!.push(mbps(SIZE, keyward('encrypt', plain, '--owner', join(KEYS, 'owner.pub.pem'), '--authority', join(KEYS, 'authority.pub.pem'), '--chunk-size', String(CHUNK), '--out', out, '--force')));
        rows.cli_decrypt!.push(mbps(SIZE, keyward('decrypt', out, '--key', join(KEYS, 'owner.pem'), '--out', join(dir, 'cli.plain'), '--force')));
        const signedOut = join(dir, 'cli-signed.keyward');
        rows.cli_signed_encrypt!.push(mbps(SIZE, keyward('encrypt', plain, ...signedArgs, '--chunk-size', String(CHUNK), '--out', signedOut, '--escrow-out', join(dir, 'cli-signed-escrow.json'), '--force')));
        rows.cli_signed_decrypt!.push(mbps(SIZE, keyward('decrypt', signedOut, '--key', join(IDENTITIES, 'id-owner.pem'), '--signer', join(IDENTITIES, 'id-owner.pub.pem'), '--out', join(dir, 'cli-signed.plain'), '--force')));
      }
    }

    const cipherBySize: Record<string, number> = {};
    for (const size of runs('chunk-sizes') ? CHUNK_SIZES : []) {
      const samples: number[] = [];
      for (let rep = 0; rep < REPS; rep++) samples.push(mbps(SIZE, await call(page, 'cipherCeiling', size, SIZE)));
      cipherBySize[String(size)] = round(median(samples), 0);
    }

    // Format v2's payload digest (keyward-v2.md §3.2): the options, per thread, over the same chunks.
    const digestMethods: DigestMethod[] = ['webcrypto-chunks', 'wasm-sha256', 'wasm-blake3', 'cipher-only', 'cipher-and-digest'];
    const digestOptions: Record<string, number> = {};
    for (const method of runs('digest') ? digestMethods : []) {
      const samples: number[] = [];
      for (let rep = 0; rep < REPS; rep++) samples.push(mbps(SIZE, await call(page, 'digestOption', method, CHUNK, SIZE)));
      digestOptions[method] = round(median(samples), 0);
    }
    const readHashed: number[] = [];
    for (let rep = 0; rep < (runs('digest') ? REPS : 0); rep++) readHashed.push(mbps(SIZE, await call(page, 'readCeiling', 0, true)));
    if (readHashed.length) digestOptions['read-and-digest'] = round(median(readHashed), 0);

    const growth256 = runs('memory') ? await peakGrowth(page, profile, () => call(page, 'encrypt', 0, CHUNK)) : null;
    const growth1g = withBig ? await peakGrowth(page, profile, () => call(page, 'encrypt', 3, CHUNK)) : null;
    const small = runs('small-files') ? await call(page, 'smallFiles', SMALL_FILES, 2048) : null;
    await call(page, 'sweep');

    const m = Object.fromEntries(Object.entries(rows).map(([name, values]) => [name, values.length ? median(values) : Number.NaN]));
    const ceiling = Math.min(m.ceiling_read!, m.ceiling_cipher!);
    const orNull = (value: number, digits = 2) => (Number.isFinite(value) ? round(value, digits) : null);
    const best = (op: 'encrypt' | 'decrypt') => {
      const [peer, value] = PEERS.map((p) => [p, m[`${p}_${op}`]!] as const).reduce((a, b) => (b[1] > a[1] ? b : a));
      return { peer, mbps: value };
    };
    const bestEncrypt = best('encrypt');
    const bestDecrypt = best('decrypt');
    // CPU-bound ceiling: the CPU the three parts cost per MB, spread over the machine's cores.
    const cpuEncryptMsPerMb = m.cpu_read! + m.cpu_seal! + m.cpu_write_sealed!;
    const cpuDecryptMsPerMb = m.cpu_read_sealed! + m.cpu_open! + m.cpu_write_plain!;
    const cpuBoundEncrypt = (cores * 1000) / cpuEncryptMsPerMb;
    const cpuBoundDecrypt = (cores * 1000) / cpuDecryptMsPerMb;
    const result = {
      size_mib: SIZE / MIB,
      reps: REPS,
      chunk_size: CHUNK,
      chromium: version,
      cores,
      parts: PARTS.filter(runs),
      encrypt_mbps: round(m.encrypt!, 0),
      decrypt_mbps: round(m.decrypt!, 0),
      peers_encrypt_mbps: Object.fromEntries(PEERS.map((peer) => [peer, orNull(m[`${peer}_encrypt`]!, 0)])),
      peers_decrypt_mbps: Object.fromEntries(PEERS.map((peer) => [peer, orNull(m[`${peer}_decrypt`]!, 0)])),
      best_peer_encrypt: runs('peers') ? bestEncrypt.peer : null,
      best_peer_decrypt: runs('peers') ? bestDecrypt.peer : null,
      encrypt_vs_best_peer: orNull(m.encrypt! / bestEncrypt.mbps),
      decrypt_vs_best_peer: orNull(m.decrypt! / bestDecrypt.mbps),
      cpu_ms_per_mb: Object.fromEntries(
        ['read', 'seal', 'write_sealed', 'read_sealed', 'open', 'write_plain'].map((part) => [part, orNull(m[`cpu_${part}`]!, 3)]),
      ),
      keyward_cpu_ms_per_mb: { encrypt: orNull(m.keyward_cpu_encrypt!, 3), decrypt: orNull(m.keyward_cpu_decrypt!, 3) },
      cpu_bound_encrypt_mbps: orNull(cpuBoundEncrypt, 0),
      cpu_bound_decrypt_mbps: orNull(cpuBoundDecrypt, 0),
      encrypt_vs_cpu_bound: orNull(m.encrypt! / cpuBoundEncrypt),
      decrypt_vs_cpu_bound: orNull(m.decrypt! / cpuBoundDecrypt),
      ceiling_read_mbps: orNull(m.ceiling_read!, 0),
      ceiling_cipher_mbps: orNull(m.ceiling_cipher!, 0),
      encrypt_ratio: orNull(m.encrypt! / ceiling),
      decrypt_ratio: orNull(m.decrypt! / ceiling),
      signed_encrypt_mbps: orNull(m.signed_encrypt!, 0),
      signed_decrypt_mbps: orNull(m.signed_decrypt!, 0),
      signed_encrypt_ratio: orNull(m.signed_encrypt! / m.encrypt!),
      signed_decrypt_ratio: orNull(m.signed_decrypt! / m.decrypt!),
      cli_raw_encrypt_mbps: orNull(m.cli_raw_encrypt!, 0),
      cli_encrypt_mbps: orNull(m.cli_encrypt!, 0),
      cli_raw_decrypt_mbps: orNull(m.cli_raw_decrypt!, 0),
      cli_decrypt_mbps: orNull(m.cli_decrypt!, 0),
      cli_encrypt_ratio: orNull(m.cli_encrypt! / m.cli_raw_encrypt!),
      cli_decrypt_ratio: orNull(m.cli_decrypt! / m.cli_raw_decrypt!),
      cli_signed_encrypt_ratio: orNull(m.cli_signed_encrypt! / m.cli_encrypt!),
      cli_signed_decrypt_ratio: orNull(m.cli_signed_decrypt! / m.cli_decrypt!),
      mem_growth_256mib_mib: growth256 === null ? null : round(growth256, 0),
      mem_growth_1gib_mib: growth1g === null ? null : round(growth1g, 0),
      small_files_per_second: small === null ? null : round(SMALL_FILES / (small.ms / 1000), 0),
      small_files_longest_task_ms: small === null ? null : round(small.longestTaskMs, 0),
      small_files_tasks_over_100ms: small === null ? null : small.tasksOver100Ms,
      ceiling_cipher_mbps_by_chunk_size: cipherBySize,
      digest_options_mbps: digestOptions,
      ...(runs('cli') ? cliVsAgeResult(dir, plain) : {}),
    };

    const line = (label: string, value: string) => {
      console.log(`${label.padEnd(40)} ${value}`);
    };
    const show = (value: number | string | null) => String(value ?? '-');
    console.log(`Keyward benchmark: ${String(SIZE / MIB)} MiB, chunk ${String(CHUNK / 1024)} KiB, median of ${String(REPS)}, Chromium ${version}, ${String(cores)} cores`);
    line('encrypt (app pipeline, OPFS out)', `${show(result.encrypt_mbps)} MB/s`);
    line('decrypt (app pipeline, OPFS out)', `${show(result.decrypt_mbps)} MB/s`);
    if (runs('peers')) {
      for (const peer of PEERS) line(`  peer ${peer} encrypt / decrypt`, `${show(result.peers_encrypt_mbps[peer]!)} / ${show(result.peers_decrypt_mbps[peer]!)} MB/s`);
      line('encrypt_vs_best_peer', `${show(result.encrypt_vs_best_peer)} (best: ${show(result.best_peer_encrypt)})`);
      line('decrypt_vs_best_peer', `${show(result.decrypt_vs_best_peer)} (best: ${show(result.best_peer_decrypt)})`);
    }
    if (runs('cpu')) {
      const c = result.cpu_ms_per_mb;
      line('  CPU ms/MB read + seal + write', `${show(c.read!)} + ${show(c.seal!)} + ${show(c.write_sealed!)}`);
      line('  CPU ms/MB read + open + write', `${show(c.read_sealed!)} + ${show(c.open!)} + ${show(c.write_plain!)}`);
      line('  CPU ms/MB Keyward encrypt / decrypt', `${show(result.keyward_cpu_ms_per_mb.encrypt)} / ${show(result.keyward_cpu_ms_per_mb.decrypt)}`);
      line('cpu-bound encrypt / decrypt', `${show(result.cpu_bound_encrypt_mbps)} / ${show(result.cpu_bound_decrypt_mbps)} MB/s (${String(cores)} cores)`);
      line('encrypt_vs_cpu_bound', show(result.encrypt_vs_cpu_bound));
      line('decrypt_vs_cpu_bound', show(result.decrypt_vs_cpu_bound));
    }
    if (runs('ceilings')) {
      line('ceiling_read (app source, Worker)', `${show(result.ceiling_read_mbps)} MB/s`);
      line('ceiling_cipher (WebCrypto, Worker)', `${show(result.ceiling_cipher_mbps)} MB/s`);
      line('  retired: of min(read, cipher)', `encrypt ${show(result.encrypt_ratio)}, decrypt ${show(result.decrypt_ratio)}`);
    }
    if (runs('signed')) {
      line('signed encrypt (v2, app pipeline)', `${show(result.signed_encrypt_mbps)} MB/s  of unsigned ${show(result.signed_encrypt_ratio)}`);
      line('signed decrypt (v2, app pipeline)', `${show(result.signed_decrypt_mbps)} MB/s  of unsigned ${show(result.signed_decrypt_ratio)}`);
    }
    for (const [size, value] of Object.entries(cipherBySize)) line(`  ceiling_cipher at ${String(Number(size) / 1024)} KiB`, `${String(value)} MB/s`);
    if (runs('cli')) {
      line('cli raw node:crypto encrypt / keyward', `${show(result.cli_raw_encrypt_mbps)} / ${show(result.cli_encrypt_mbps)} MB/s  ratio ${show(result.cli_encrypt_ratio)}`);
      line('cli raw node:crypto decrypt / keyward', `${show(result.cli_raw_decrypt_mbps)} / ${show(result.cli_decrypt_mbps)} MB/s  ratio ${show(result.cli_decrypt_ratio)}`);
      line('cli signed / unsigned encrypt, decrypt', `${show(result.cli_signed_encrypt_ratio)}, ${show(result.cli_signed_decrypt_ratio)}`);
    }
    for (const [method, value] of Object.entries(digestOptions)) line(`  digest option ${method}`, `${String(value)} MB/s`);
    if (growth256 !== null) line('renderer growth, encrypt 256 MiB', `${show(result.mem_growth_256mib_mib)} MiB`);
    if (growth1g !== null) line('renderer growth, encrypt 1 GiB', `${show(result.mem_growth_1gib_mib)} MiB`);
    if (small !== null) {
      line(`${String(SMALL_FILES)} small files (2 KiB)`, `${show(result.small_files_per_second)} files/s`);
      line('  longest main-thread task', `${show(result.small_files_longest_task_ms)} ms, ${String(result.small_files_tasks_over_100ms)} over 100 ms`);
    }
    console.log(JSON.stringify(result));
  } finally {
    await context?.close();
    await server?.close();
    cleanup();
  }
}

await main();
