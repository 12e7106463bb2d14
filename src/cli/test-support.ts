/**
 * Helpers for the CLI tests (not part of the tool): build the real binary
 * once per test file, run it as a child process, and look at files.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The published entry point, as `npx keyward` runs it. */
export const BIN = join(ROOT, 'bin', 'keyward.js');
/** The core's throw-away test keys (README.md there). */
export const KEYS = join(ROOT, 'src', 'core', 'testdata', 'keys');

/** Path of a test key file. */
export const key = (name: string): string => join(KEYS, name);

/**
 * Builds dist/cli/keyward.js. Test files run in parallel, so each builds
 * into its own folder and swaps the result in with a rename: a test that is
 * running the binary meanwhile never sees a half-written or emptied dist/cli.
 */
export function buildCli(): void {
  const outDir = mkdtempSync(join(tmpdir(), 'keyward-cli-build-'));
  try {
    execFileSync('npx', ['vite', 'build', '--config', 'vite.cli.config.ts', '--outDir', outDir, '--logLevel', 'error'], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const dist = join(ROOT, 'dist', 'cli');
    mkdirSync(dist, { recursive: true });
    // The chunks first (their names carry a hash), the entry that imports them last.
    const names = readdirSync(outDir).filter((n) => n.endsWith('.js'));
    for (const name of [...names.filter((n) => n !== 'keyward.js'), ...names.filter((n) => n === 'keyward.js')]) {
      const staging = join(dist, `.${name}.${process.pid}.tmp`);
      copyFileSync(join(outDir, name), staging);
      renameSync(staging, join(dist, name));
    }
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

/** A fresh folder for one test file. */
export function makeTempDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `keyward-${label}-`));
}

/**
 * A temporary folder for one test file, made before its tests and removed
 * after them; `sub(name)` makes a folder of one test's own inside it, so that
 * listings show only what that test made.
 */
export function tempDirForFile(label: string): { readonly path: string; sub: (name: string) => string } {
  let path: string | null = null;
  beforeAll(() => {
    path = makeTempDir(label);
  });
  afterAll(() => {
    if (path !== null) rmSync(path, { recursive: true, force: true });
  });
  const folder = {
    get path(): string {
      if (path === null) throw new Error('the temporary folder is made in beforeAll');
      return path;
    },
    sub(name: string): string {
      const sub = join(folder.path, name);
      mkdirSync(sub);
      return sub;
    },
  };
  return folder;
}

/** Waits until `condition()` holds (polling every 20 ms, for 10 s at most). */
export async function waitUntil(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** What a `keyward` run did. */
export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
  /** The first line of stderr: where the error contract puts `CODE:`. */
  firstLine: string;
}

/** The environment of a child: ours, without anything that would change the CLI's behaviour. */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const dropped = new Set(['KEYWARD_PASSPHRASE', 'KEYWARD_DEBUG', 'NODE_OPTIONS', 'UV_THREADPOOL_SIZE']);
  const inherited = Object.entries(process.env).filter(([name]) => !dropped.has(name));
  return { ...Object.fromEntries(inherited), ...extra };
}

/**
 * Runs `node bin/keyward.js ARGS` and waits for it (stdin is a pipe: never a
 * terminal). `fileSizeLimit` caps the size of any file it writes (bytes, with
 * util-linux's prlimit): a write past it fails with EFBIG, as a full disk would.
 */
export function keyward(args: readonly string[], options: { env?: Record<string, string>; cwd?: string; fileSizeLimit?: number } = {}): CliResult {
  const command = [process.execPath, BIN, ...args];
  if (options.fileSizeLimit !== undefined) command.unshift('prlimit', `--fsize=${String(options.fileSizeLimit)}`);
  const result = spawnSync(command[0]!, command.slice(1), {
    cwd: options.cwd ?? ROOT,
    env: childEnv(options.env),
    encoding: 'utf8',
    input: '',
    maxBuffer: 16 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, firstLine: result.stderr.split('\n')[0] ?? '' };
}

/** SHA-256 of a file, streamed (works for files larger than memory). */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The names in a folder, sorted (hidden temporary files included). */
export function listDir(dir: string): string[] {
  return readdirSync(dir).sort();
}
