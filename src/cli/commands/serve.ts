/**
 * `keyward serve`: the escrow service (src/server) on PGlite in a data
 * folder, or on PostgreSQL when DATABASE_URL is set. The server's code is
 * loaded only by this command and `keyward service`.
 */
import { usageError } from '../errors.ts';
import { type CliContext, type Command, argsOrHelp } from './command.ts';

const SPEC = {
  positionals: [],
  flags: {
    port: { type: 'string' },
    host: { type: 'string' },
    data: { type: 'string' },
    'app-origin': { type: 'list' },
  },
} as const;

const USAGE = `Usage: keyward serve [--port N] [--host ADDRESS] [--data DIR] [--app-origin ORIGIN]...

Runs the escrow service: owners enrol with a one-time code (keyward service
enrol) and deposit their signed (v2) escrow blobs; every enrolment and
deposit is appended to a hash-chained audit log (keyward audit verify).
Logs are JSON lines on stdout. SIGTERM or Ctrl-C stops it gracefully.

Options:
  --port N          the TCP port (default 8787; 0 picks a free one)
  --host ADDRESS    the address to listen on (default 127.0.0.1)
  --data DIR        PGlite's data folder (default ./keyward-data), made on first use;
                    one process at a time may use it
  --app-origin ORIGIN
                    the origin the Keyward app is served from (https://HOST[:PORT]); may be
                    given more than once. Browsers get CORS answers for these origins only;
                    without any, none at all

Environment:
  DATABASE_URL        a PostgreSQL server (postgres://USER:PASSWORD@HOST/DB) instead of PGlite
  KEYWARD_APP_ORIGINS the app's origins, comma separated (added to --app-origin)

API: docs/service.md (enrolment, deposits, sign-in, the desk, the audit log). Refusals are { "code", "message" } with the same codes and
sentences as the rest of Keyward.
`;

/** `--port`: 0 to 65535. */
export function parsePort(value: string | undefined, usage: string): number {
  if (value === undefined) return 8787;
  const port = /^\d{1,5}$/.test(value) ? Number(value) : Number.NaN;
  if (!(port >= 0 && port <= 65535)) throw usageError(`--port must be a whole number from 0 to 65535, not ${JSON.stringify(value)}`, usage);
  return port;
}

/** The app's origins: each exactly an origin (scheme, host, port; no path). */
export function parseOrigins(values: readonly string[], usage: string): string[] {
  const origins: string[] = [];
  for (const value of values.map((v) => v.trim()).filter((v) => v !== '')) {
    let origin: string | null = null;
    try {
      const url = new URL(value);
      if ((url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value) origin = url.origin;
    } catch {
      origin = null;
    }
    if (origin === null) throw usageError(`--app-origin must be an origin such as https://keyward.example.org (no path, no trailing slash), not ${JSON.stringify(value)}`, usage);
    if (!origins.includes(origin)) origins.push(origin);
  }
  return origins;
}

async function run(argv: readonly string[], ctx: CliContext): Promise<void> {
  const args = argsOrHelp(SPEC, argv, USAGE, ctx);
  if (!args) return;
  const port = parsePort(args.flags.port, USAGE);
  const databaseUrl = ctx.env.DATABASE_URL;
  if (databaseUrl && args.flags.data !== undefined) throw usageError('--data is for PGlite; DATABASE_URL is set, so the service would use PostgreSQL', USAGE);
  const { serveUntilSignal } = await import('../../server/serve.ts');
  const appOrigins = parseOrigins([...args.flags['app-origin'], ...(ctx.env.KEYWARD_APP_ORIGINS ?? '').split(',')], USAGE);
  await serveUntilSignal({ port, host: args.flags.host ?? '127.0.0.1', dataDir: args.flags.data, databaseUrl: databaseUrl || undefined, appOrigins });
}

export const serveCommand: Command = { name: 'serve', summary: 'run the escrow service (PGlite, or PostgreSQL with DATABASE_URL)', usage: USAGE, run };
