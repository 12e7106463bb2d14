/**
 * A real escrow service for a journey: `node bin/keyward.js serve` (built by
 * `npm run build`) on a free port, on PostgreSQL in a schema of its own when
 * KEYWARD_TEST_DATABASE_URL is set (dropped after), else on PGlite in a temp
 * folder; `--app-origin` is the app's origin, so the page may call it. The
 * officer's commands (`keyward service enrol`, `officer add`, `council add`)
 * run on its database through the CLI, and the service's configuration
 * (`keyward-service.json`) is served to the test's pages by a route.
 *
 * Use the `test` exported here: its `service` fixture starts one per test and
 * stops it after.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { type BrowserContext, test as base } from '@playwright/test';
import pg from 'pg';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'keyward.js');

/** The configuration the app reads from beside index.html. */
export interface ServiceConfigFile {
  format: 'keyward-service-config/1';
  origin: string;
  serviceKey: string;
}

export interface TestService {
  /** `http://127.0.0.1:PORT`: the service's origin. */
  readonly url: string;
  /** Which database it runs on. */
  readonly database: 'postgres' | 'pglite';
  /** `keyward-service.json` for this service (its key ID read from `GET /v1/service`). */
  config(): Promise<ServiceConfigFile>;
  /** Serves `config()` (or `body`) as `/keyward-service.json` to every page of `context`. */
  routeConfig(context: BrowserContext, body?: unknown): Promise<void>;
  /** `keyward service enrol --name NAME`: the one-time code. */
  enrol(name: string): Promise<string>;
  /** `keyward service officer add --identity PUBLIC.pem --name NAME`. */
  addOfficer(publicIdentityPem: string, name: string): Promise<void>;
  /** `keyward service authority add --identity PUBLIC.pem --name NAME`: deposits escrowed to it are stored. */
  addAuthority(publicIdentityPem: string, name: string): Promise<void>;
  /** `keyward service council add COUNCIL.json`. */
  addCouncil(councilJson: string): Promise<void>;
  /** Any `keyward` command on the service's database; its stdout. */
  cli(args: readonly string[]): Promise<string>;
  /** Stops the process (SIGTERM); the data stays. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  /** Stops it and removes its data. */
  dispose(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (typeof address === 'object' && address) resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}

function run(args: readonly string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, env }, (error, stdout, stderr) => {
      if (error) reject(new Error(`keyward ${args.join(' ')} failed: ${stderr || error.message}`));
      else resolve(stdout);
    });
  });
}

/** `node bin/keyward.js ARGS` for a command that needs no service database (as an authority runs it offline); its stdout. */
export const keywardCli = (args: readonly string[]): Promise<string> => run(args, process.env);

async function waitReady(url: string, child: ChildProcess, output: () => string): Promise<void> {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`keyward serve exited with ${String(child.exitCode)}:\n${output()}`);
    try {
      const response = await fetch(`${url}/readyz`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Starts a service for pages served from `appOrigin`.
 *
 * @param appOrigin - the app's origin (`--app-origin`), e.g. `http://127.0.0.1:4301`
 */
export async function startTestService(appOrigin: string): Promise<TestService> {
  const port = await freePort();
  const url = `http://127.0.0.1:${String(port)}`;
  const baseUrl = process.env.KEYWARD_TEST_DATABASE_URL;
  const folder = mkdtempSync(join(tmpdir(), 'keyward-e2e-service-'));
  let schema: string | null = null;
  let databaseUrl: string | null = null;
  if (baseUrl) {
    schema = `keyward_e2e_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: baseUrl });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.end();
    databaseUrl = `${baseUrl}${baseUrl.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  }
  const dataDir = join(folder, 'data');
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: databaseUrl ?? '' };
  const dataArgs = databaseUrl ? [] : ['--data', dataDir];

  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  let log = '';

  const start = async () => {
    log = '';
    const started = spawn(process.execPath, [BIN, 'serve', '--port', String(port), '--app-origin', appOrigin, ...dataArgs], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    started.stdout.on('data', (chunk: Buffer) => (log += chunk.toString()));
    started.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
    exited = new Promise((resolve) => {
      started.once('exit', () => {
        resolve();
      });
    });
    child = started;
    await waitReady(url, started, () => log);
  };
  const stop = async () => {
    const current = child;
    if (!current || current.exitCode !== null) return;
    current.kill('SIGTERM');
    await exited;
    child = null;
  };
  /** PGlite opens a folder in one process at a time: the service stops while the command runs. */
  const cli = async (args: readonly string[]) => {
    if (databaseUrl) return run([...args], env);
    const wasRunning = child !== null;
    await stop();
    try {
      return await run([...args, ...dataArgs], env);
    } finally {
      if (wasRunning) await start();
    }
  };
  const config = async (): Promise<ServiceConfigFile> => {
    const info = (await (await fetch(`${url}/v1/service`)).json()) as { keyId: string };
    return { format: 'keyward-service-config/1', origin: url, serviceKey: info.keyId };
  };
  const withFile = async (name: string, text: string, work: (path: string) => Promise<unknown>) => {
    const path = join(folder, `${randomBytes(4).toString('hex')}-${name}`);
    writeFileSync(path, text);
    await work(path);
  };

  await start();
  return {
    url,
    database: databaseUrl ? 'postgres' : 'pglite',
    config,
    routeConfig: async (context, body) => {
      const served = body ?? (await config());
      await context.route('**/keyward-service.json', (route) => route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(served) }));
    },
    enrol: async (name) => (await cli(['service', 'enrol', '--name', name])).trim(),
    addOfficer: (pem, name) => withFile('officer.pem', pem, (path) => cli(['service', 'officer', 'add', '--identity', path, '--name', name])),
    addAuthority: (pem, name) => withFile('authority.pem', pem, (path) => cli(['service', 'authority', 'add', '--identity', path, '--name', name])),
    addCouncil: (text) => withFile('council.json', text, (path) => cli(['service', 'council', 'add', path])),
    cli,
    stop,
    start,
    dispose: async () => {
      await stop();
      if (schema && baseUrl) {
        const admin = new pg.Client({ connectionString: baseUrl });
        await admin.connect();
        await admin.query(`DROP SCHEMA ${schema} CASCADE`);
        await admin.end();
      }
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

/** Playwright's `test` with a `service` started for the test's app origin and stopped after it. */
export const test = base.extend<{ service: TestService }>({
  service: async ({ baseURL }, provide) => {
    const service = await startTestService(new URL(baseURL ?? 'http://127.0.0.1:4173').origin);
    // Playwright runs what follows `provide` after the test, passed or failed.
    await provide(service);
    await service.dispose();
  },
});

export { expect } from '@playwright/test';
