/**
 * The escrow service as people run it, on the real built binary: `keyward
 * service enrol`, `keyward serve` on a PGlite folder, killed with SIGKILL
 * under a deposit load and restarted (nothing acknowledged is lost, the
 * client's retries add nothing), stopped with SIGTERM, and `keyward audit
 * verify` on its log (a changed, removed or reordered entry is named).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { type PrivateIdentity, exportPrivateIdentity, exportPublicIdentity } from '../core/index.ts';
import { type AuditLog, auditEntryHash, verifyAuditLog } from '../core/audit.ts';
import { type SignInChallenge, signChallenge } from '../core/service.ts';
import { makeIdentity } from '../core/test-support.ts';
import { openPostgres } from '../server/db.ts';
import { SCHEMA_VERSION } from '../server/migrations.ts';
import { type Owner, councilText, makeOwner } from '../server/test-support.ts';
import { BIN, ROOT, buildCli, childEnv, keyward, tempDirForFile } from './test-support.ts';

const folder = tempDirForFile('service');
let authority: PrivateIdentity;
let ada: Owner;
let officer: PrivateIdentity;
/** The officer's public and private identity files. */
let officerPublic: string;
let officerPrivate: string;
/** The authority's public identity file: the one Ada's blobs are escrowed to. */
let authorityPublic: string;

beforeAll(async () => {
  buildCli();
  [authority, officer] = await Promise.all([makeIdentity(), makeIdentity()]);
  ada = await makeOwner(authority, 48);
  officerPublic = join(folder.path, 'officer.pub.pem');
  officerPrivate = join(folder.path, 'officer.pem');
  writeFileSync(officerPublic, await exportPublicIdentity(officer, 'pem'));
  writeFileSync(officerPrivate, await exportPrivateIdentity(officer, 'pem'));
  authorityPublic = join(folder.path, 'authority.pub.pem');
  writeFileSync(authorityPublic, await exportPublicIdentity(authority, 'pem'));
});

interface Server {
  url: string;
  /** The "keyward serve ready" log line. */
  ready: { url: string; depositChecks?: string };
  child: ChildProcess;
  exited: Promise<number | null>;
  log: () => string;
}

/** Starts `keyward serve --port 0 --data DIR` (or, with `databaseUrl`, on PostgreSQL) and waits until it says where it listens. */
async function serve(dir: string | null, databaseUrl?: string, extra: { args?: string[]; env?: Record<string, string> } = {}): Promise<Server> {
  const args = [...(dir === null ? [BIN, 'serve', '--port', '0'] : [BIN, 'serve', '--port', '0', '--data', dir]), ...(extra.args ?? [])];
  const env = childEnv({ ...(databaseUrl === undefined ? {} : { DATABASE_URL: databaseUrl }), ...extra.env });
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => { resolve(code); }));
  const ready = await new Promise<Server['ready']>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.includes('"keyward serve ready"'));
      if (line) resolve(JSON.parse(line) as Server['ready']);
    });
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    void exited.then((code) => { reject(new Error(`keyward serve ended (${String(code)}) before it was ready:\n${out}`)); });
  });
  return { url: ready.url, ready, child, exited, log: () => out };
}

const enrolCode = (dir: string, name: string) => {
  const result = keyward(['service', 'enrol', '--name', name, '--data', dir]);
  expect(result.status, result.stderr).toBe(0);
  return result.stdout.trim();
};
/** `keyward service officer add` for the test's officer, on a folder or (with `env`) PostgreSQL. */
const officerAdd = (dir: string | null, env: Record<string, string> = {}) => {
  const result = keyward(['service', 'officer', 'add', '--identity', officerPublic, '--name', 'Olive', ...(dir === null ? [] : ['--data', dir])], { env });
  expect(result.status, result.stderr).toBe(0);
  expect(result.stdout).toBe(`${officer.id}\n`);
};
const postJson = (url: string, body: unknown) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
/** `keyward service authority add` for the authority of Ada's blobs, on a folder or (with `env`) PostgreSQL. */
const authorityAdd = (dir: string | null, env: Record<string, string> = {}) => {
  const result = keyward(['service', 'authority', 'add', '--identity', authorityPublic, '--name', 'IT backup', ...(dir === null ? [] : ['--data', dir])], { env });
  expect(result.status, result.stderr).toBe(0);
  expect(result.stdout).toBe(`${authority.id}\n`);
};

/** The audit log, read as the officer (signed in with a signed challenge). */
const auditOf = async (url: string) => {
  const challenge = (await (await postJson(`${url}/v1/sign-in/challenge`, { identityId: officer.id })).json()) as SignInChallenge;
  const { token } = (await (await postJson(`${url}/v1/sign-in`, { challenge, signature: await signChallenge(officer, challenge) })).json()) as { token: string };
  return (await (await fetch(`${url}/v1/audit`, { headers: { authorization: `Bearer ${token}` } })).json()) as AuditLog;
};

describe('keyward serve', () => {
  it('keeps every acknowledged deposit through a SIGKILL, with no duplicate after the client retries', async () => {
    const dir = join(folder.sub('kill'), 'data');
    const code = enrolCode(dir, 'Ada');
    officerAdd(dir);
    authorityAdd(dir);
    let server = await serve(dir);
    // The built service checks deposits on its worker thread (dist/cli/deposit-check-worker.js), with libsodium.
    expect(server.ready.depositChecks).toBe('worker thread, Ed25519 by libsodium');
    expect((await postJson(`${server.url}/v1/enrol`, { code, identity: ada.publicPem })).status).toBe(201);

    // Four clients deposit at once; the server is killed outright once a third of the blobs are acknowledged.
    const acks = new Map<string, unknown>();
    const queue = [...ada.blobs];
    const killAt = Math.floor(ada.blobs.length / 3);
    let killed = false;
    const client = async (url: string) => {
      for (let blob = queue.shift(); blob; blob = queue.shift()) {
        try {
          const response = await postJson(`${url}/v1/deposits`, blob);
          if (response.status !== 200 && response.status !== 201) throw new Error(`status ${response.status}`);
          acks.set(blob.fileId, await response.json());
        } catch {
          // Not acknowledged: the client sends it again later.
        }
        if (!killed && acks.size >= killAt) {
          killed = true;
          server.child.kill('SIGKILL');
        }
      }
    };
    await Promise.all([1, 2, 3, 4].map(() => client(server.url)));
    expect(await server.exited).toBeNull();
    const acknowledgedBefore = new Map(acks);
    expect(acknowledgedBefore.size).toBeGreaterThanOrEqual(killAt);

    // Restarted on the same folder (the dead process's lock is taken over), the client sends every blob again.
    server = await serve(dir);
    try {
      for (const blob of ada.blobs) {
        const response = await postJson(`${server.url}/v1/deposits`, blob);
        expect([200, 201], blob.serial).toContain(response.status);
        const ack = await response.json();
        // What was acknowledged before the kill is answered the same: stored then, not now.
        if (acknowledgedBefore.has(blob.fileId)) expect({ status: response.status, ack }).toEqual({ status: 200, ack: acknowledgedBefore.get(blob.fileId) });
        acks.set(blob.fileId, ack);
      }
      const log = await auditOf(server.url);
      expect((await verifyAuditLog(log.entries)).count).toBe(log.entries.length);
      const deposited = log.entries.filter((e) => e.event === 'deposit').map((e) => e.data.fileId);
      expect(deposited).toHaveLength(ada.blobs.length);
      expect(new Set(deposited)).toEqual(new Set(ada.blobs.map((b) => b.fileId)));

      const verified = keyward(['audit', 'verify', server.url, '--identity', officerPrivate]);
      expect({ status: verified.status, stdout: verified.stdout }).toEqual({ status: 0, stdout: `audit log OK: ${log.entries.length} entries, head ${log.entries.at(-1)!.hash}\n` });
      // The log is the officers': without an identity, the command says so; with a person's, the service refuses.
      expect(keyward(['audit', 'verify', server.url]).firstLine).toMatch(/^USAGE: /);
      const personKey = join(folder.path, 'ada.pem');
      writeFileSync(personKey, await exportPrivateIdentity(ada.identity, 'pem'));
      expect(keyward(['audit', 'verify', server.url, '--identity', personKey]).firstLine).toMatch(/^NOT_PERMITTED: /);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });

  it('stops gracefully on SIGTERM and releases its folder; a second server on a folder in use is refused', async () => {
    const dir = join(folder.sub('term'), 'data');
    const server = await serve(dir, undefined, { args: ['--app-origin', 'https://a.example'], env: { KEYWARD_APP_ORIGINS: 'https://b.example, https://c.example:8443' } });
    // CORS for the app's origins only (the option and the variable together).
    for (const origin of ['https://a.example', 'https://b.example', 'https://c.example:8443', 'https://evil.example']) {
      const answer = await fetch(`${server.url}/v1/service`, { headers: { origin } });
      expect({ origin, allowed: answer.headers.get('access-control-allow-origin') }).toEqual({ origin, allowed: origin === 'https://evil.example' ? null : origin });
    }
    expect(keyward(['serve', '--port', '0', '--data', dir, '--app-origin', 'https://a.example/app']).firstLine).toMatch(/^USAGE: --app-origin must be an origin/);
    const second = keyward(['serve', '--port', '0', '--data', dir]);
    expect({ status: second.status, line: second.firstLine.split(':')[0] }).toEqual({ status: 1, line: 'SERVICE_UNAVAILABLE' });
    const ready = await fetch(`${server.url}/readyz`);
    expect(await ready.json()).toEqual({ status: 'ready', database: 'pglite', schema: SCHEMA_VERSION });
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    // The folder is free again: the officer's command opens it.
    expect(enrolCode(dir, 'Bob')).toMatch(/^[A-Za-z0-9_-]{20}$/);
  });

  it.runIf(existsSync('/proc/self/task'))('gives libuv\'s pool one thread per core the main thread leaves (at least one), unless UV_THREADPOOL_SIZE says otherwise', async () => {
    const threads = async (env: Record<string, string>) => {
      const server = await serve(join(folder.sub(`pool-${Object.keys(env).length}`), 'data'), undefined, { env });
      try {
        return readdirSync(`/proc/${server.child.pid}/task`).length;
      } finally {
        server.child.kill('SIGTERM');
        await server.exited;
      }
    };
    const sized = await threads({});
    const four = await threads({ UV_THREADPOOL_SIZE: '4' });
    // The process's other threads (V8's, the main one) are the same in both.
    expect(four - sized).toBe(4 - Math.max(1, availableParallelism() - 1));
  });
});

describe('keyward serve on PostgreSQL', () => {
  it('runs as two instances on one database: one enrolment, deposits on both, one audit chain', async () => {
    const url = process.env.KEYWARD_TEST_DATABASE_URL;
    if (!url) throw new Error('KEYWARD_TEST_DATABASE_URL is not set: the service is tested on PostgreSQL too (.ci/run starts one and sets it)');
    const schema = `keyward_cli_${randomBytes(6).toString('hex')}`;
    const admin = openPostgres(url, { max: 1 });
    await admin.exec(`CREATE SCHEMA ${schema}`);
    const databaseUrl = `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    try {
      // Both start (and migrate) at once.
      const [a, b] = await Promise.all([serve(null, databaseUrl), serve(null, databaseUrl)]);
      try {
        // The officer's command runs beside the running service.
        const enrolled = keyward(['service', 'enrol', '--name', 'Ada'], { env: { DATABASE_URL: databaseUrl } });
        officerAdd(null, { DATABASE_URL: databaseUrl });
        authorityAdd(null, { DATABASE_URL: databaseUrl });
        expect(enrolled.status, enrolled.stderr).toBe(0);
        expect((await postJson(`${b.url}/v1/enrol`, { code: enrolled.stdout.trim(), identity: ada.publicPem })).status).toBe(201);
        const blobs = ada.blobs.slice(0, 12);
        // Each blob to both instances at once: one stores it, the other answers the same acknowledgement.
        const responses = await Promise.all(blobs.flatMap((blob) => [postJson(`${a.url}/v1/deposits`, blob), postJson(`${b.url}/v1/deposits`, blob)]));
        const answers = await Promise.all(responses.map(async (r) => ({ status: r.status, ack: (await r.json()) as { fileId: string } })));
        for (let i = 0; i < blobs.length; i++) {
          const [x, y] = [answers[2 * i]!, answers[2 * i + 1]!];
          expect([x.status, y.status].sort()).toEqual([200, 201]);
          expect(x.ack).toEqual(y.ack);
        }
        const [logA, logB] = await Promise.all([auditOf(a.url), auditOf(b.url)]);
        expect(logA).toEqual(logB);
        expect((await verifyAuditLog(logA.entries)).count).toBe(4 + blobs.length);
      } finally {
        a.child.kill('SIGTERM');
        b.child.kill('SIGTERM');
        expect([await a.exited, await b.exited]).toEqual([0, 0]);
      }
    } finally {
      await admin.exec(`DROP SCHEMA ${schema} CASCADE`);
      await admin.close();
    }
  });
});

describe('keyward audit verify', () => {
  let log: AuditLog;
  beforeAll(async () => {
    const dir = join(folder.sub('audit'), 'data');
    enrolCode(dir, 'Ada');
    enrolCode(dir, 'Bob');
    enrolCode(dir, 'Eve');
    enrolCode(dir, 'Max');
    officerAdd(dir);
    // A council, and a v1 key that cannot be an officer (it has no signing key).
    const council = join(folder.path, 'board.council.json');
    writeFileSync(council, await councilText('Board', 1, [{ name: 'Olive', identity: officer }]));
    const added = keyward(['service', 'council', 'add', council, '--data', dir]);
    expect({ status: added.status, out: added.stdout }).toMatchObject({ status: 0, out: expect.stringMatching(/^SHA256:[0-9a-f]{64}\n$/) });
    expect(keyward(['service', 'council', 'add', council, '--data', dir]).firstLine).toMatch(/^ALREADY_ENROLLED: /);
    const v1 = keyward(['service', 'officer', 'add', '--identity', join(ROOT, 'src/core/testdata/keys/authority.pub.pem'), '--name', 'Old', '--data', dir]);
    expect(v1.firstLine).toMatch(/^KEY_UNSUPPORTED: /);
    // The authority the service keeps escrow for: once; a v1 key cannot be one (it signs no receipt).
    authorityAdd(dir);
    expect(keyward(['service', 'authority', 'add', '--identity', authorityPublic, '--name', 'Again', '--data', dir]).firstLine).toMatch(/^ALREADY_ENROLLED: /);
    const v1Authority = keyward(['service', 'authority', 'add', '--identity', join(ROOT, 'src/core/testdata/keys/authority.pub.pem'), '--name', 'Old', '--data', dir]);
    expect(v1Authority.firstLine).toMatch(/^KEY_UNSUPPORTED: /);
    // The council retired (its name printed), once; an ID that is none, or not an ID, is a usage error.
    const retired = keyward(['service', 'council', 'retire', '--id', added.stdout.trim(), '--data', dir]);
    expect({ status: retired.status, out: retired.stdout }).toEqual({ status: 0, out: 'Board\n' });
    expect(keyward(['service', 'council', 'retire', '--id', added.stdout.trim(), '--data', dir])).toMatchObject({ status: 2, firstLine: expect.stringMatching(/^USAGE: No registered council that is not retired/) });
    expect(keyward(['service', 'authority', 'retire', '--id', added.stdout.trim(), '--data', dir]).firstLine).toMatch(/^USAGE: No registered authority/);
    expect(keyward(['service', 'authority', 'retire', '--id', 'Board', '--data', dir]).firstLine).toMatch(/^USAGE: --id must be an ID/);
    // What is registered, retired ones too: kind, ID, added, served or retired, name.
    const listed = keyward(['service', 'authorities', '--data', dir]);
    expect(listed.status).toBe(0);
    const time = '\\d{4}-\\d{2}-\\d{2}T[\\d:.]+Z';
    expect(listed.stdout.trimEnd().split('\n')).toEqual([
      expect.stringMatching(new RegExp(`^identity\\t${authority.id}\\t${time}\\tserved\\tIT backup$`)),
      expect.stringMatching(new RegExp(`^council\\t${added.stdout.trim()}\\t${time}\\tretired ${time}\\tBoard$`)),
    ]);
    const server = await serve(dir);
    log = await auditOf(server.url);
    server.child.kill('SIGTERM');
    await server.exited;
    expect(log.entries.map((e) => e.event)).toEqual(['enrol-code', 'enrol-code', 'enrol-code', 'enrol-code', 'officer', 'council', 'authority', 'retire']);
  });

  const verify = (name: string, entries: unknown[]) => {
    const path = join(folder.path, name);
    writeFileSync(path, JSON.stringify({ format: log.format, entries }));
    return keyward(['audit', 'verify', path]);
  };

  it('passes an untouched export', () => {
    expect(verify('good.json', log.entries)).toMatchObject({ status: 0, stdout: `audit log OK: 8 entries, head ${log.entries[7]!.hash}\n` });
  });

  it('names the first entry that was changed, removed or reordered', async () => {
    const [a, b, c, d] = log.entries as [AuditLog['entries'][number], AuditLog['entries'][number], AuditLog['entries'][number], AuditLog['entries'][number]];
    const changed = { ...b, data: { ...b.data, name: 'Mallory' } };
    const rehashed = { ...changed, hash: await auditEntryHash(changed) };
    const cases: [string, unknown[], number][] = [
      ['changed', [a, changed, c, d], 2],
      ['changed and hashed again', [a, rehashed, c, d], 3],
      ['removed', [a, c, d], 2],
      ['reordered', [a, c, b, d], 2],
    ];
    for (const [name, entries, seq] of cases) {
      const result = verify(`${name}.json`, entries);
      expect({ name, status: result.status, line: result.firstLine }).toMatchObject({ name, status: 1, line: expect.stringMatching(new RegExp(`^AUDIT_BROKEN: .* at entry ${seq}\\b`)) });
    }
  });
});
