/**
 * `keyward service enrol`: an officer's commands, run on the service's
 * database directly (the same data folder or DATABASE_URL as keyward serve).
 */
import { usageError } from '../errors.ts';
import { type CliContext, type Command, argsOrHelp } from './command.ts';

const SPEC = {
  positionals: ['enrol'],
  flags: {
    name: { type: 'string', required: true },
    data: { type: 'string' },
  },
} as const;

const USAGE = `Usage: keyward service enrol --name TEXT [--data DIR]

Issues a one-time enrolment code for the person named: print it and hand it
to them in person. With it they enrol their public identity once
(POST /v1/enrol); afterwards their signature on each escrow blob is what
lets them deposit it. Only the code's SHA-256 is stored, and its issue is
written to the audit log with the name.

Options:
  --name TEXT       the person the code is for (not empty)
  --data DIR        PGlite's data folder (default ./keyward-data). keyward serve must not be
                    running on it: one process at a time opens a PGlite folder

Environment:
  DATABASE_URL      the service's PostgreSQL server instead (the service may be running)

Prints the code alone on stdout.
`;

async function run(argv: readonly string[], ctx: CliContext): Promise<void> {
  const args = argsOrHelp(SPEC, argv, USAGE, ctx);
  if (!args) return;
  if (args.positionals.enrol !== 'enrol') throw usageError(`unknown service command ${JSON.stringify(args.positionals.enrol)} (only "enrol")`, USAGE);
  const name = args.flags.name.trim();
  if (name === '') throw usageError('--name must not be empty', USAGE);
  const databaseUrl = ctx.env.DATABASE_URL;
  if (databaseUrl && args.flags.data !== undefined) throw usageError('--data is for PGlite; DATABASE_URL is set, so the command would use PostgreSQL', USAGE);
  const [{ openServiceDb }, { issueEnrolmentCode }] = await Promise.all([import('../../server/open.ts'), import('../../server/escrow.ts')]);
  const opened = await openServiceDb({ databaseUrl: databaseUrl || undefined, dataDir: args.flags.data });
  try {
    const code = await issueEnrolmentCode(opened.db, name);
    ctx.print(code);
    ctx.notice(`Enrolment code for ${JSON.stringify(name)}: it works once. Hand it over in person.`);
  } finally {
    await opened.close();
  }
}

export const serviceCommand: Command = { name: 'service', summary: 'an officer\'s commands on the escrow service\'s database (enrol)', usage: USAGE, run };
