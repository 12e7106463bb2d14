/**
 * `npm run bench:service`: the escrow service's deposit throughput and
 * latency, and its search latency, on PGlite and on PostgreSQL, each a real
 * `keyward serve` process (the built CLI) over real HTTP, with many blobs
 * already stored. One run; the last line printed is one JSON object.
 *
 * For each database:
 * 1. a fresh database (PGlite: a temporary data folder; PostgreSQL: a schema
 *    of its own in KEYWARD_BENCH_DATABASE_URL or KEYWARD_TEST_DATABASE_URL,
 *    dropped at the end), migrated, then preloaded with `--blobs` deposits
 *    and their audit chain in bulk SQL, vacuumed and analysed
 *    (bench-service-preload.ts), checkpointed where the role may, and
 *    `sync`ed, so that the preload's writes are on disk before the load;
 * 2. `keyward serve` on it; the bench's owners enrol over HTTP;
 * 3. a warm-up, then deposits of real signed blobs (each new to the service)
 *    from 1 client, then 2,000 from 64 clients to warm up, then the measured
 *    ones from 64 concurrent clients (keep-alive HTTP/1.1):
 *    deposits/s = acknowledged deposits / wall time, and p50/p99 latency;
 * 4. search: an officer signs in and searches (GET /v1/deposits: description
 *    words, owner, serial, a day, owner and word), one at a time, p50/p99;
 *    during the 64-client phase, the CPU milliseconds per deposit of the
 *    server process, of the local `postgres` processes and of the bench
 *    itself, and how many cores the machine kept busy (Linux /proc; null
 *    elsewhere);
 * 5. the whole audit chain, preload and bench deposits, read back and verified
 *    with the core's hash (bench-service-preload.ts, verifyStoredChain).
 *
 * Flags: --blobs N (stored before the run; default 1000000), --deposits N
 * (the 64-client phase; default 10000), --single N (the 1-client phase;
 * default 1000), --searches N (default 600), --only pglite|postgres, --cpu-prof DIR (each server writes
 * a V8 CPU profile there), --no-verify (skip step 5).
 * Needs `npm run build` (the CLI) first.
 */
import { type ChildProcess, fork, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { type Socket, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type EscrowBlobV2, type PrivateIdentity, exportPublicIdentity } from '../src/core/index.ts';
import { type SignInChallenge, signChallenge } from '../src/core/service.ts';
import { makeIdentity } from '../src/core/test-support.ts';
import { type Db, openPglite, openPostgres } from '../src/server/db.ts';
import { issueEnrolmentCode } from '../src/server/escrow.ts';
import { migrate } from '../src/server/migrations.ts';
import { escrowBlob } from '../src/server/test-support.ts';
import { addAuthority, addOfficer } from '../src/server/registry.ts';
import { type Preloaded, WORDS, preloadDeposits, verifyStoredChain } from './bench-service-preload.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'keyward.js');
const CACHE = join(ROOT, 'node_modules', '.cache', 'keyward-bench-service');
const WARM_UP = 300;
/** Deposits from the 64 clients just before the measured ones: the first second of 64 was slower (JIT, new connections, batch sizes settling). */
const WARM_UP_MANY = 2000;
const MANY = 64;

/** The bench's real owners and their signed blobs (public identities only: the service needs no more). */
interface DepositSet {
  owners: string[];
  /** The authorities the blobs are escrowed to (one per generator), registered with the service. */
  authorities: string[];
  blobs: EscrowBlobV2[];
}

// ---------------------------------------------------------------- blob generation (child processes)

const GENERATOR_FLAG = '--generate-blobs';

/** In a child process: `count` blobs from `owners` new owners, written as JSON to `out`. */
async function generateInChild(count: number, ownerCount: number, out: string): Promise<void> {
  const authority = await makeIdentity();
  const owners = await Promise.all(Array.from({ length: ownerCount }, () => makeIdentity()));
  const blobs: EscrowBlobV2[] = [];
  for (let i = 0; i < count; i++) blobs.push(await escrowBlob(owners[i % ownerCount]!, authority, i + 1));
  const set: DepositSet = { owners: await Promise.all(owners.map((o) => exportPublicIdentity(o, 'pem'))), authorities: [await exportPublicIdentity(authority, 'pem')], blobs };
  writeFileSync(out, JSON.stringify(set));
}

/** `count` real signed blobs, made by two child processes (about 3 ms each on one core), cached in node_modules/.cache. */
async function depositSet(count: number): Promise<DepositSet> {
  const file = join(CACHE, `deposits-with-authorities-${count}.json`);
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as DepositSet;
  mkdirSync(CACHE, { recursive: true });
  const started = performance.now();
  const halves = [Math.ceil(count / 2), Math.floor(count / 2)];
  const parts = await Promise.all(
    halves.map(async (n, i) => {
      const out = join(CACHE, `.part-${process.pid}-${i}.json`);
      const child = fork(fileURLToPath(import.meta.url), [GENERATOR_FLAG, String(n), '8', out], { stdio: 'inherit' });
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      if (code !== 0) throw new Error(`blob generator ${i} ended with ${String(code)}`);
      const part = JSON.parse(readFileSync(out, 'utf8')) as DepositSet;
      rmSync(out);
      return part;
    }),
  );
  const set: DepositSet = { owners: parts.flatMap((p) => p.owners), authorities: parts.flatMap((p) => p.authorities), blobs: [] };
  // Interleave the two halves so that consecutive deposits come from different owners.
  for (let i = 0; i < halves[0]!; i++) for (const part of parts) if (part.blobs[i]) set.blobs.push(part.blobs[i]!);
  writeFileSync(file, JSON.stringify(set));
  log(`made ${count} signed blobs from ${set.owners.length} owners in ${seconds(started)} s (cached in ${file})`);
  return set;
}

// ---------------------------------------------------------------- HTTP

const agent = new Agent({ keepAlive: true, maxSockets: MANY * 2 });

function call(base: string, method: string, path: string, body?: string, token?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    const req = request(`${base}${path}`, { method, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }); });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * One keep-alive HTTP/1.1 connection of the deposit load: it writes each POST
 * (head and body) in one write and reads answers that carry a Content-Length
 * (Fastify's do; anything else fails the run). The load's 64 clients share
 * the server's 2 cores, and node:http's client cost about 0.12 ms of CPU per
 * deposit in this process; this one costs less (docs/performance.md).
 */
class PostConnection {
  private received: Buffer = Buffer.alloc(0);
  private waiting: { resolve: (answer: { status: number; body: string }) => void; reject: (error: Error) => void } | null = null;

  private constructor(private readonly socket: Socket, private readonly host: string) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.received = this.received.length === 0 ? chunk : Buffer.concat([this.received, chunk]);
      this.answer();
    });
    const fail = (error: Error) => {
      this.waiting?.reject(error);
      this.waiting = null;
    };
    socket.on('error', fail);
    socket.on('close', () => { fail(new Error('the server closed the connection')); });
  }

  static open(base: string): Promise<PostConnection> {
    const url = new URL(base);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(url.port), url.hostname, () => { resolve(new PostConnection(socket, url.host)); });
      socket.once('error', reject);
    });
  }

  post(path: string, body: string): Promise<{ status: number; body: string }> {
    if (this.waiting) throw new Error('one request at a time on a connection');
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket.write(`POST ${path} HTTP/1.1\r\nhost: ${this.host}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private answer(): void {
    const end = this.received.indexOf('\r\n\r\n');
    if (end < 0 || !this.waiting) return;
    const head = this.received.toString('latin1', 0, end);
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (!/^HTTP\/1\.1 \d{3} /.test(head) || !length) {
      this.waiting.reject(new Error(`an answer the bench cannot read: ${head.slice(0, 200)}`));
      this.waiting = null;
      return;
    }
    const total = end + 4 + Number(length[1]);
    if (this.received.length < total) return;
    const answer = { status: Number(head.slice(9, 12)), body: this.received.toString('utf8', end + 4, total) };
    this.received = this.received.subarray(total);
    const { resolve } = this.waiting;
    this.waiting = null;
    resolve(answer);
  }
}

interface Load {
  count: number;
  perSecond: number;
  p50: number;
  p99: number;
  cpu: CpuUse;
  /** When the phase ran, and the quarter-seconds in which most of the requests slower than its p99 were sent (UTC, to match PostgreSQL's log). */
  times: { from: string; to: string; slow: { at: string; requests: number }[] };
}

const utc = (ms: number) => new Date(ms).toISOString().slice(11, 23);

const quantile = (sorted: readonly number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;

/** `clients` concurrent clients deposit `bodies` (each once), as fast as they are answered. */
async function depositLoad(base: string, bodies: readonly string[], clients: number, serverPid?: number): Promise<Load> {
  const latencies: number[] = [];
  const sent: { at: number; ms: number }[] = [];
  let next = 0;
  const connections = await Promise.all(Array.from({ length: clients }, () => PostConnection.open(base)));
  const meter = cpuMeter(serverPid);
  const started = performance.now();
  const from = Date.now();
  await Promise.all(
    connections.map(async (connection) => {
      for (let i = next++; i < bodies.length; i = next++) {
        const t = performance.now();
        const at = Date.now();
        const response = await connection.post('/v1/deposits', bodies[i]!);
        const ms = performance.now() - t;
        latencies.push(ms);
        sent.push({ at, ms });
        if (response.status !== 201) throw new Error(`deposit answered ${response.status}: ${response.body.slice(0, 300)}`);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const cpu = meter(bodies.length, elapsed);
  for (const connection of connections) connection.close();
  latencies.sort((a, b) => a - b);
  const p99 = quantile(latencies, 0.99);
  const slowByQuarter = new Map<number, number>();
  for (const request of sent) if (request.ms > p99) slowByQuarter.set(Math.floor(request.at / 250), (slowByQuarter.get(Math.floor(request.at / 250)) ?? 0) + 1);
  const slow = [...slowByQuarter].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([quarter, requests]) => ({ at: utc(quarter * 250), requests }));
  const times = { from: utc(from), to: utc(Date.now()), slow };
  return { count: bodies.length, perSecond: bodies.length / elapsed, p50: quantile(latencies, 0.5), p99, cpu, times };
}

/** Signs `identity` in over HTTP (challenge, signature); its bearer token. */
async function signIn(base: string, identity: PrivateIdentity): Promise<string> {
  const asked = await call(base, 'POST', '/v1/sign-in/challenge', JSON.stringify({ identityId: identity.id }));
  if (asked.status !== 201) throw new Error(`challenge answered ${asked.status}: ${asked.body}`);
  const challenge = JSON.parse(asked.body) as SignInChallenge;
  const signed = await call(base, 'POST', '/v1/sign-in', JSON.stringify({ challenge, signature: await signChallenge(identity, challenge) }));
  if (signed.status !== 201) throw new Error(`sign-in answered ${signed.status}: ${signed.body}`);
  return (JSON.parse(signed.body) as { token: string }).token;
}

/**
 * The officer's searches, one at a time, each a page of 50 (the desk's default): by one and by two
 * description words, by owner, by serial, by a day, by owner and word, and the second page of a word.
 */
function searches(samples: Preloaded['samples'], count: number): string[] {
  const pick = <T>(list: readonly T[], i: number) => list[(i * 7919) % list.length]!;
  const kinds = [
    (i: number) => `q=${pick(WORDS, i)}`,
    (i: number) => `q=${encodeURIComponent(`${pick(WORDS, i)} ${pick(WORDS, i + 3)}`)}`,
    (i: number) => `owner=${encodeURIComponent(pick(samples.owners, i))}`,
    (i: number) => `serial=${pick(samples.serials, i)}`,
    (i: number) => `from=${pick(samples.days, i)}&to=${pick(samples.days, i)}T23:59:59.999Z`,
    (i: number) => `owner=${encodeURIComponent(pick(samples.owners, i))}&q=${pick(WORDS, i)}`,
  ];
  return Array.from({ length: count }, (_, i) => `/v1/deposits?${kinds[i % kinds.length]!(i)}`);
}

interface SearchFigures {
  count: number;
  p50: number;
  p99: number;
  results: number;
  /** p50 and p99 of each kind of search, by its filters' names (`q`, `owner&q`, ...). */
  byKind: Record<string, { p50: number; p99: number }>;
}

async function searchLoad(base: string, token: string, paths: readonly string[]): Promise<SearchFigures> {
  const latencies: number[] = [];
  const kinds = new Map<string, number[]>();
  let results = 0;
  for (const path of paths) {
    const t = performance.now();
    const response = await call(base, 'GET', path, undefined, token);
    const took = performance.now() - t;
    latencies.push(took);
    const kind = [...new URLSearchParams(path.split('?')[1]).keys()].join('&');
    kinds.set(kind, [...(kinds.get(kind) ?? []), took]);
    if (response.status !== 200) throw new Error(`search ${path} answered ${response.status}: ${response.body.slice(0, 300)}`);
    results += (JSON.parse(response.body) as { deposits: unknown[] }).deposits.length;
  }
  latencies.sort((a, b) => a - b);
  const byKind: SearchFigures['byKind'] = {};
  for (const [kind, times] of kinds) {
    times.sort((a, b) => a - b);
    byKind[kind] = { p50: round(quantile(times, 0.5)), p99: round(quantile(times, 0.99)) };
  }
  return { count: paths.length, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), results, byKind };
}

// ---------------------------------------------------------------- where the CPU goes (Linux /proc)

/** CPU seconds (user + system, all threads) of one process, or null where /proc cannot tell. */
function cpuOf(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** Clock ticks per second of /proc's CPU times (USER_HZ: 100 on Linux's usual builds). */
const TICKS_PER_SECOND = 100;

/** CPU seconds of every local process named `postgres` (its backends and helpers); null if there is none. */
function postgresCpu(): number | null {
  let total: number | null = null;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return null;
  }
  for (const pid of pids) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('postgres')) continue;
    } catch {
      continue;
    }
    const cpu = cpuOf(Number(pid));
    if (cpu !== null) total = (total ?? 0) + cpu;
  }
  return total;
}

/** The machine's busy CPU seconds, all cores (/proc/stat), or null. */
function machineBusy(): number | null {
  try {
    const [, ...times] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).map(Number);
    // user nice system idle iowait irq softirq steal: idle and iowait are not busy.
    return (times.slice(0, 8).reduce((a, b) => a + b, 0) - times[3]! - times[4]!) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** Milliseconds of CPU per deposit during a load: the server process, the local PostgreSQL, this bench (its clients), and the machine's busy cores. */
interface CpuUse {
  serverMs: number | null;
  postgresMs: number | null;
  benchMs: number;
  busyCores: number | null;
  /** Busy cores that were none of those three: other work on the machine while the load ran. */
  otherCores: number | null;
}

function cpuMeter(serverPid: number | undefined): (count: number, seconds: number) => CpuUse {
  const server = cpuOf(serverPid);
  const postgres = postgresCpu();
  const busy = machineBusy();
  const own = process.cpuUsage();
  return (count, seconds) => {
    const per = (before: number | null, after: number | null) => (before === null || after === null ? null : round(((after - before) * 1000) / count, 2));
    const used = process.cpuUsage(own);
    const busyNow = machineBusy();
    const serverNow = cpuOf(serverPid);
    const postgresNow = postgresCpu();
    const busyCores = busy === null || busyNow === null ? null : (busyNow - busy) / seconds;
    const known = (serverNow === null || server === null ? 0 : serverNow - server) + (postgresNow === null || postgres === null ? 0 : postgresNow - postgres) + (used.user + used.system) / 1e6;
    return {
      serverMs: per(server, serverNow),
      postgresMs: per(postgres, postgresNow),
      benchMs: round((used.user + used.system) / 1000 / count, 2),
      busyCores: busyCores === null ? null : round(busyCores, 2),
      otherCores: busyCores === null ? null : round(Math.max(0, busyCores - known / seconds), 2),
    };
  };
}

// ---------------------------------------------------------------- keyward serve

interface Server {
  url: string;
  child: ChildProcess;
  exited: Promise<number | null>;
}

async function serve(args: string[], env: Record<string, string>, cpuProfDir: string | undefined): Promise<Server> {
  const nodeArgs = cpuProfDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', cpuProfDir];
  const child = spawn(process.execPath, [...nodeArgs, BIN, 'serve', '--port', '0', ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => { resolve(code); }));
  let head = '';
  const url = await new Promise<string>((resolve, reject) => {
    // Its JSON log lines are read and dropped (a pipe left unread would stop it).
    child.stdout.on('data', (chunk: Buffer) => {
      if (head.length > 100_000) return;
      head += chunk.toString();
      const ready = head.split('\n').find((line) => line.includes('"keyward serve ready"'));
      if (ready) resolve((JSON.parse(ready) as { url: string }).url);
    });
    child.stderr.on('data', (chunk: Buffer) => process.stderr.write(chunk));
    void exited.then((code) => { reject(new Error(`keyward serve ended (${String(code)}) before it was ready:\n${head}`)); });
  });
  return { url, child, exited };
}

async function stop(server: Server): Promise<void> {
  server.child.kill('SIGTERM');
  const code = await server.exited;
  if (code !== 0) throw new Error(`keyward serve exited with ${String(code)} on SIGTERM`);
}

// ---------------------------------------------------------------- one database

interface Backend {
  name: 'pglite' | 'postgres';
  /** Opens the bench's own connection to the database the server will use. */
  open: () => Promise<Db>;
  /** `keyward serve`'s arguments and environment for it. */
  server: { args: string[]; env: Record<string, string> };
  cleanup: () => Promise<void>;
}

interface Result {
  single: Load;
  many: Load;
  search: SearchFigures;
  stored: number;
  auditEntries: number | null;
}

async function runBackend(backend: Backend, set: DepositSet, options: Options): Promise<Result> {
  const bodies = set.blobs.map((blob) => JSON.stringify(blob));
  let db = await backend.open();
  let codes: string[];
  let loaded: Preloaded;
  const officer = await makeIdentity();
  try {
    await migrate(db);
    const started = performance.now();
    loaded = await preloadDeposits(db, options.blobs, set.blobs[0]!, (done, nodeMs, sqlMs) => { log(`  ${backend.name}: ${done} blobs stored (rows made in ${(nodeMs / 1000).toFixed(1)} s, stored in ${(sqlMs / 1000).toFixed(1)} s)`); });
    log(`${backend.name}: preloaded ${loaded.deposits} deposits of ${loaded.owners} owners and ${loaded.auditEntries} audit entries in ${seconds(started)} s`);
    codes = [];
    for (const [i] of set.owners.entries()) codes.push(await issueEnrolmentCode(db, `Bench owner ${i + 1}`));
    await addOfficer(db, await exportPublicIdentity(officer, 'pem'), 'Bench officer');
    for (const [i, pem] of set.authorities.entries()) await addAuthority(db, pem, `Bench authority ${i + 1}`);
    await checkpoint(db, backend.name);
  } finally {
    // PGlite's folder is the server's next: one process at a time.
    await db.close();
  }
  flushToDisk(backend.name);

  const server = await serve(backend.server.args, backend.server.env, options.cpuProf);
  let result: Omit<Result, 'auditEntries'>;
  try {
    for (const [i, pem] of set.owners.entries()) {
      const enrolled = await call(server.url, 'POST', '/v1/enrol', JSON.stringify({ code: codes[i], identity: pem }));
      if (enrolled.status !== 201) throw new Error(`enrolment answered ${enrolled.status}: ${enrolled.body}`);
    }
    let at = 0;
    const take = (n: number) => bodies.slice(at, (at += n));
    await depositLoad(server.url, take(WARM_UP), 8);
    const single = await depositLoad(server.url, take(options.single), 1, server.child.pid);
    log(`${backend.name}: 1 client: ${single.perSecond.toFixed(0)} deposits/s, p50 ${single.p50.toFixed(1)} ms, p99 ${single.p99.toFixed(1)} ms (${single.count} deposits)`);
    await depositLoad(server.url, take(WARM_UP_MANY), MANY);
    const many = await depositLoad(server.url, take(options.deposits), MANY, server.child.pid);
    log(`${backend.name}: ${MANY} clients: ${many.perSecond.toFixed(0)} deposits/s, p50 ${many.p50.toFixed(1)} ms, p99 ${many.p99.toFixed(1)} ms (${many.count} deposits)`);
    log(`${backend.name}: ${MANY} clients: ran ${many.times.from}–${many.times.to} UTC; most requests over the p99 were sent in the 250 ms from ${many.times.slow.map((q) => `${q.at} (${q.requests})`).join(', ') || '-'}`);
    const { serverMs, postgresMs, benchMs, busyCores, otherCores } = many.cpu;
    log(`${backend.name}: ${MANY} clients: CPU ms per deposit: server ${String(serverMs)}, local postgres processes ${String(postgresMs)}, the bench's clients ${benchMs}; busy cores ${String(busyCores)}, of which other work ${String(otherCores)}`);
    const token = await signIn(server.url, officer);
    await searchLoad(server.url, token, searches(loaded.samples, 30));
    const search = await searchLoad(server.url, token, searches(loaded.samples, options.searches));
    log(`${backend.name}: search: p50 ${search.p50.toFixed(1)} ms, p99 ${search.p99.toFixed(1)} ms (${search.count} searches one at a time, ${search.results} results)`);
    log(`${backend.name}: search by kind (p50/p99 ms): ${Object.entries(search.byKind).map(([kind, f]) => `${kind} ${f.p50}/${f.p99}`).join(', ')}`);
    result = { single, many, search, stored: options.blobs + at };
  } finally {
    await stop(server);
  }

  let auditEntries: number | null = null;
  if (options.verify) {
    db = await backend.open();
    try {
      const started = performance.now();
      const verified = await verifyStoredChain(db);
      auditEntries = verified.count;
      log(`${backend.name}: the audit chain verifies: ${verified.count} entries, head ${verified.head} (${seconds(started)} s)`);
    } finally {
      await db.close();
    }
  }
  return { ...result, auditEntries };
}

// ---------------------------------------------------------------- the preload's writes, on disk before the load

/**
 * PostgreSQL's `CHECKPOINT` after the preload, where the bench's role may
 * (a superuser, or `pg_checkpoint`; PGlite always): the preload's dirty
 * buffers written out now, not by a checkpoint running through the load.
 */
async function checkpoint(db: Db, name: string): Promise<void> {
  const started = performance.now();
  try {
    await db.exec('CHECKPOINT');
    log(`  ${name}: CHECKPOINT after the preload took ${seconds(started)} s`);
  } catch (error) {
    if ((error as { code?: unknown }).code !== '42501') throw error;
    log(`  ${name}: CHECKPOINT not permitted to this role (GRANT pg_checkpoint TO it to flush the preload's buffers before the load)`);
  }
}

/** Kilobytes of dirty page cache (Linux), or null. */
function dirtyKb(): number | null {
  try {
    const match = /^Dirty:\s+(\d+) kB$/m.exec(readFileSync('/proc/meminfo', 'utf8'));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/**
 * `sync` after the preload: its writes (about 2 GB of dirty page cache at
 * 1,000,000 blobs) reach the disk before the server starts. Without it the
 * kernel wrote them back during the measured load, and every client waited
 * for that at once (docs/performance.md): a service that stored its blobs
 * over months has no such backlog.
 */
function flushToDisk(name: string): void {
  const started = performance.now();
  const before = dirtyKb();
  const synced = spawnSync('sync', { stdio: 'inherit' });
  if (synced.error || synced.status !== 0) throw new Error(`sync failed: ${synced.error?.message ?? String(synced.status)}`);
  log(`  ${name}: the preload's writes on disk (sync: ${seconds(started)} s${before === null ? '' : `, ${String(Math.round(before / 1024))} MB dirty before`})`);
}

// ---------------------------------------------------------------- main

interface Options {
  blobs: number;
  deposits: number;
  single: number;
  searches: number;
  only: string | undefined;
  cpuProf: string | undefined;
  verify: boolean;
}

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}
const seconds = (since: number) => ((performance.now() - since) / 1000).toFixed(1);
const round = (value: number, digits = 1) => Number(value.toFixed(digits));

function pgliteBackend(): Backend {
  const dir = mkdtempSync(join(tmpdir(), 'keyward-bench-service-'));
  const data = join(dir, 'data');
  return {
    name: 'pglite',
    open: () => openPglite(data),
    server: { args: ['--data', data], env: { DATABASE_URL: '' } },
    cleanup: () => {
      rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    },
  };
}

async function postgresBackend(url: string): Promise<Backend> {
  const schema = `keyward_bench_${randomBytes(6).toString('hex')}`;
  const admin = openPostgres(url, { max: 1 });
  await admin.exec(`CREATE SCHEMA ${schema}`);
  const databaseUrl = `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  return {
    name: 'postgres',
    open: () => Promise.resolve(openPostgres(url, { schema, max: 4 })),
    server: { args: [], env: { DATABASE_URL: databaseUrl } },
    cleanup: async () => {
      try {
        await admin.exec(`DROP SCHEMA ${schema} CASCADE`);
      } finally {
        await admin.close();
      }
    },
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      blobs: { type: 'string', default: '1000000' },
      deposits: { type: 'string', default: '10000' },
      single: { type: 'string', default: '1000' },
      searches: { type: 'string', default: '600' },
      only: { type: 'string' },
      'cpu-prof': { type: 'string' },
      'no-verify': { type: 'boolean', default: false },
    },
  });
  const whole = (name: string, value: string) => {
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < 0) throw new Error(`--${name} must be a whole number`);
    return n;
  };
  const options: Options = {
    blobs: whole('blobs', values.blobs),
    deposits: whole('deposits', values.deposits),
    single: whole('single', values.single),
    searches: whole('searches', values.searches),
    only: values.only,
    cpuProf: values['cpu-prof'],
    verify: !values['no-verify'],
  };
  if (!existsSync(join(ROOT, 'dist', 'cli', 'keyward.js'))) throw new Error('build the CLI first: npm run build');
  const url = process.env.KEYWARD_BENCH_DATABASE_URL || process.env.KEYWARD_TEST_DATABASE_URL;
  if (!url && options.only !== 'pglite') throw new Error('set KEYWARD_BENCH_DATABASE_URL or KEYWARD_TEST_DATABASE_URL (a PostgreSQL server), or pass --only pglite');

  const set = await depositSet(WARM_UP + options.single + WARM_UP_MANY + options.deposits);
  const results: Partial<Record<Backend['name'], Result>> = {};
  for (const name of ['pglite', 'postgres'] as const) {
    if (options.only !== undefined && options.only !== name) continue;
    const backend = name === 'pglite' ? pgliteBackend() : await postgresBackend(url!);
    try {
      results[name] = await runBackend(backend, set, options);
    } finally {
      await backend.cleanup();
    }
  }
  const figures = (prefix: string, r: Result | undefined) => ({
    [`${prefix}_deposits_per_s`]: r ? round(r.many.perSecond, 0) : null,
    [`${prefix}_deposit_p50_ms`]: r ? round(r.many.p50) : null,
    [`${prefix}_deposit_p99_ms`]: r ? round(r.many.p99) : null,
    [`${prefix}_single_deposits_per_s`]: r ? round(r.single.perSecond, 0) : null,
    [`${prefix}_single_deposit_p50_ms`]: r ? round(r.single.p50) : null,
    [`${prefix}_single_deposit_p99_ms`]: r ? round(r.single.p99) : null,
    [`${prefix}_search_p50_ms`]: r ? round(r.search.p50) : null,
    [`${prefix}_search_p99_ms`]: r ? round(r.search.p99) : null,
    [`${prefix}_cpu_ms_per_deposit`]: r ? { server: r.many.cpu.serverMs, postgres: r.many.cpu.postgresMs, bench: r.many.cpu.benchMs } : null,
    [`${prefix}_busy_cores`]: r ? r.many.cpu.busyCores : null,
    [`${prefix}_other_cores`]: r ? r.many.cpu.otherCores : null,
  });
  log(
    JSON.stringify({
      ...figures('pg', results.postgres),
      ...figures('pglite', results.pglite),
      clients: MANY,
      blobs_stored: options.blobs,
      blobs_stored_at_end: { pg: results.postgres?.stored ?? null, pglite: results.pglite?.stored ?? null },
      search_by_kind: { pg: results.postgres?.search.byKind ?? null, pglite: results.pglite?.search.byKind ?? null },
      audit_verified_entries: { pg: results.postgres?.auditEntries ?? null, pglite: results.pglite?.auditEntries ?? null },
    }),
  );
}

if (process.argv[2] === GENERATOR_FLAG) {
  await generateInChild(Number(process.argv[3]), Number(process.argv[4]), process.argv[5]!);
} else {
  await main();
  agent.destroy();
}
