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
  },
} as const;

const USAGE = `Usage: keyward serve [--port N] [--host ADDRESS] [--data DIR]

Runs the escrow service: owners enrol with a one-time code (keyward service
enrol) and deposit their signed (v2) escrow blobs; every enrolment and
deposit is appended to a hash-chained audit log (keyward audit verify).
Logs are JSON lines on stdout. SIGTERM or Ctrl-C stops it gracefully.

Options:
  --port N          the TCP port (default 8787; 0 picks a free one)
  --host ADDRESS    the address to listen on (default 127.0.0.1)
  --data DIR        PGlite's data folder (default ./keyward-data), made on first use;
                    one process at a time may use it

Environment:
  DATABASE_URL      a PostgreSQL server (postgres://USER:PASSWORD@HOST/DB) instead of PGlite

API: GET /healthz, GET /readyz, POST /v1/enrol, POST /v1/deposits, GET /v1/audit
(docs/service.md). Refusals are { "code", "message" } with the same codes and
sentences as the rest of Keyward.
`;

/** `--port`: 0 to 65535. */
export function parsePort(value: string | undefined, usage: string): number {
  if (value === undefined) return 8787;
  const port = /^\d{1,5}$/.test(value) ? Number(value) : Number.NaN;
  if (!(port >= 0 && port <= 65535)) throw usageError(`--port must be a whole number from 0 to 65535, not ${JSON.stringify(value)}`, usage);
  return port;
}

async function run(argv: readonly string[], ctx: CliContext): Promise<void> {
  const args = argsOrHelp(SPEC, argv, USAGE, ctx);
  if (!args) return;
  const port = parsePort(args.flags.port, USAGE);
  const databaseUrl = ctx.env.DATABASE_URL;
  if (databaseUrl && args.flags.data !== undefined) throw usageError('--data is for PGlite; DATABASE_URL is set, so the service would use PostgreSQL', USAGE);
  const { serveUntilSignal } = await import('../../server/serve.ts');
  await serveUntilSignal({ port, host: args.flags.host ?? '127.0.0.1', dataDir: args.flags.data, databaseUrl: databaseUrl || undefined });
}

export const serveCommand: Command = { name: 'serve', summary: 'run the escrow service (PGlite, or PostgreSQL with DATABASE_URL)', usage: USAGE, run };
