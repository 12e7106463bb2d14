/**
 * `keyward service enrol|officer add|authority add|authority retire|council add|council retire`: an officer's commands,
 * run on the service's database directly (the same data folder or
 * DATABASE_URL as keyward serve).
 */
import { exportPublicIdentity, isKeyId, serializeCouncil } from '../../core/index.ts';
import { usageError } from '../errors.ts';
import { loadCouncilFile, loadPublicKeyFile, needIdentity } from '../key-files.ts';
import { type CliContext, type Command, argsOrHelp } from './command.ts';
import type { OpenedDb } from '../../server/open.ts';

const DATABASE_HELP = `  --data DIR        PGlite's data folder (default ./keyward-data). keyward serve must not be
                    running on it: one process at a time opens a PGlite folder

Environment:
  DATABASE_URL      the service's PostgreSQL server instead (the service may be running)`;

const ENROL_USAGE = `Usage: keyward service enrol --name TEXT [--data DIR]

Issues a one-time enrolment code for the person named: print it and hand it
to them in person. With it they enrol their public identity once
(POST /v1/enrol); afterwards their signature on each escrow blob is what
lets them deposit it. Only the code's SHA-256 is stored, and its issue is
written to the audit log with the name.

Options:
  --name TEXT       the person the code is for (not empty)
${DATABASE_HELP}

Prints the code alone on stdout.
`;

const OFFICER_USAGE = `Usage: keyward service officer add --identity PUBLIC.pem --name TEXT [--data DIR]

Registers an authority officer: their public identity (two PEM blocks or a
JWK Set). They may then sign in with it and search, export, upload receipts
and read the audit log. Written to the audit log.

Options:
  --identity PATH   the officer's public identity
  --name TEXT       the officer's name (not empty)
${DATABASE_HELP}

Prints the officer's identity ID on stdout.
`;

const AUTHORITY_USAGE = `Usage: keyward service authority add --identity PUBLIC.pem --name TEXT [--data DIR]

Registers an authority the service keeps escrow for: its public identity
(two PEM blocks or a JWK Set), the one people's escrow blobs are made for.
Deposits are stored only for a registered authority or council; a blob for
any other is refused (AUTHORITY_NOT_SERVED) and the app sends it again later.
The authority need not be an officer: its private key may stay offline.
Written to the audit log.

Options:
  --identity PATH   the authority's public identity
  --name TEXT       the authority's name (not empty)
${DATABASE_HELP}

Prints the authority's identity ID on stdout.
`;

const LIST_USAGE = `Usage: keyward service authorities [--data DIR]

Lists the authorities and councils registered with the service, one a line:
its kind (identity or council), its ID, when it was added, "retired" and
when for a retired one, then its name. Deposits are stored only for those
not retired.

Options:
${DATABASE_HELP}
`;

const RETIRE_USAGE = `Usage: keyward service authority retire --id IDENTITY_ID [--data DIR]
       keyward service council retire --id COUNCIL_ID [--data DIR]

Retires an authority or a council the service keeps escrow for (its key
compromised or replaced): no deposit escrowed to it is stored after
(AUTHORITY_NOT_SERVED), and the app tells people who pinned it. What was
stored stays, receipts for it are still taken, and a council's members
still work the desk for its files. Final: it is not registered again.
Written to the audit log.

Options:
  --id ID           the authority's identity ID, or the council ID (SHA256:...)
${DATABASE_HELP}

Prints the name it was registered under on stdout.
`;

const COUNCIL_USAGE = `Usage: keyward service council add COUNCIL.json [--data DIR]

Registers a council (its descriptor, as keyward council create writes it):
each member may then sign in with their identity and work at the desk, and
deposits escrowed to the council are stored. Written to the audit log.

Options:
${DATABASE_HELP}

Prints the council ID on stdout.
`;

const USAGE = `Usage: keyward service enrol --name TEXT [--data DIR]
       keyward service officer add --identity PUBLIC.pem --name TEXT [--data DIR]
       keyward service authority add --identity PUBLIC.pem --name TEXT [--data DIR]
       keyward service authority retire --id IDENTITY_ID [--data DIR]
       keyward service council add COUNCIL.json [--data DIR]
       keyward service council retire --id COUNCIL_ID [--data DIR]
       keyward service authorities [--data DIR]

An officer's commands on the escrow service's database. keyward service
COMMAND --help tells more about each.
`;

const ENROL = { positionals: ['enrol'], flags: { name: { type: 'string', required: true }, data: { type: 'string' } } } as const;
const OFFICER = { positionals: ['officer', 'add'], flags: { identity: { type: 'string', required: true }, name: { type: 'string', required: true }, data: { type: 'string' } } } as const;
const AUTHORITY = { positionals: ['authority', 'add'], flags: { identity: { type: 'string', required: true }, name: { type: 'string', required: true }, data: { type: 'string' } } } as const;
const LIST = { positionals: ['authorities'], flags: { data: { type: 'string' } } } as const;
const RETIRE = { positionals: ['what', 'retire'], flags: { id: { type: 'string', required: true }, data: { type: 'string' } } } as const;
const COUNCIL = { positionals: ['council', 'add', 'file'], flags: { data: { type: 'string' } } } as const;

async function withDb<T>(ctx: CliContext, dataDir: string | undefined, usage: string, work: (opened: OpenedDb) => Promise<T>): Promise<T> {
  const databaseUrl = ctx.env.DATABASE_URL;
  if (databaseUrl && dataDir !== undefined) throw usageError('--data is for PGlite; DATABASE_URL is set, so the command would use PostgreSQL', usage);
  const { openServiceDb } = await import('../../server/open.ts');
  const opened = await openServiceDb({ databaseUrl: databaseUrl || undefined, dataDir });
  try {
    return await work(opened);
  } finally {
    await opened.close();
  }
}

const nonEmpty = (value: string, flag: string, usage: string) => {
  const trimmed = value.trim();
  if (trimmed === '') throw usageError(`${flag} must not be empty`, usage);
  return trimmed;
};

async function enrol(argv: readonly string[], ctx: CliContext): Promise<void> {
  const args = argsOrHelp(ENROL, argv, ENROL_USAGE, ctx);
  if (!args) return;
  const name = nonEmpty(args.flags.name, '--name', ENROL_USAGE);
  const { issueEnrolmentCode } = await import('../../server/escrow.ts');
  const code = await withDb(ctx, args.flags.data, ENROL_USAGE, ({ db }) => issueEnrolmentCode(db, name));
  ctx.print(code);
  ctx.notice(`Enrolment code for ${JSON.stringify(name)}: it works once. Hand it over in person.`);
}

/** `officer add` and `authority add`: a public identity file and a name, registered; the identity ID printed. */
async function identityAdd(role: 'officer' | 'authority', argv: readonly string[], ctx: CliContext): Promise<void> {
  const [spec, usage] = role === 'officer' ? [OFFICER, OFFICER_USAGE] : [AUTHORITY, AUTHORITY_USAGE];
  const args = argsOrHelp(spec, argv, usage, ctx);
  if (!args) return;
  if (args.positionals.add !== 'add') throw usageError(`unknown ${role} command ${JSON.stringify(args.positionals.add)} (only "add")`, usage);
  const name = nonEmpty(args.flags.name, '--name', usage);
  const file = await loadPublicKeyFile(args.flags.identity, '--identity');
  const why = role === 'officer' ? 'has no signing key to sign in with' : 'has no signing key: an authority signs its receipts and recovery blobs';
  const text = await exportPublicIdentity(needIdentity(file, '--identity', args.flags.identity, why), 'pem');
  const registry = await import('../../server/registry.ts');
  const add = role === 'officer' ? registry.addOfficer : registry.addAuthority;
  const added = await withDb(ctx, args.flags.data, usage, ({ db }) => add(db, text, name));
  ctx.print(added.identityId);
  ctx.notice(role === 'officer' ? `${JSON.stringify(name)} is an officer of the escrow service now.` : `The service keeps escrow for ${JSON.stringify(name)} now: deposits escrowed to it are stored.`);
}

async function listAuthorities(argv: readonly string[], ctx: CliContext): Promise<void> {
  const args = argsOrHelp(LIST, argv, LIST_USAGE, ctx);
  if (!args) return;
  const { registeredAuthorities } = await import('../../server/registry.ts');
  const listed = await withDb(ctx, args.flags.data, LIST_USAGE, ({ db }) => registeredAuthorities(db));
  for (const a of listed) ctx.print(`${a.kind}\t${a.id}\t${a.addedAt}\t${a.retiredAt ? `retired ${a.retiredAt}` : 'served'}\t${a.name}`);
  if (listed.length === 0) ctx.notice('No authority or council is registered: every deposit is refused (keyward service authority add registers one).');
}

async function retire(kind: 'identity' | 'council', argv: readonly string[], ctx: CliContext): Promise<void> {
  const args = argsOrHelp(RETIRE, argv, RETIRE_USAGE, ctx);
  if (!args) return;
  const id = args.flags.id.trim();
  if (!isKeyId(id)) throw usageError(`--id must be an ID of the form SHA256:<64 hex digits>`, RETIRE_USAGE);
  const { retireAuthority } = await import('../../server/registry.ts');
  const retired = await withDb(ctx, args.flags.data, RETIRE_USAGE, ({ db }) => retireAuthority(db, kind, id));
  const what = kind === 'council' ? 'council' : 'authority';
  if (!retired) throw usageError(`no registered ${what} that is not retired has the ID ${id}`, RETIRE_USAGE);
  ctx.print(retired.name);
  ctx.notice(`The ${what} ${JSON.stringify(retired.name)} is retired: no deposit escrowed to it is stored from now on.`);
}

async function councilAdd(argv: readonly string[], ctx: CliContext): Promise<void> {
  const args = argsOrHelp(COUNCIL, argv, COUNCIL_USAGE, ctx);
  if (!args) return;
  if (args.positionals.add !== 'add') throw usageError(`unknown council command ${JSON.stringify(args.positionals.add)} (only "add")`, COUNCIL_USAGE);
  const council = await loadCouncilFile(args.positionals.file, 'council');
  const { addCouncil } = await import('../../server/registry.ts');
  const added = await withDb(ctx, args.flags.data, COUNCIL_USAGE, ({ db }) => addCouncil(db, serializeCouncil(council)));
  ctx.print(added.councilId);
  ctx.notice(`The council ${JSON.stringify(council.name)} (${council.members.length} members, ${council.threshold} needed) is registered; its members may sign in.`);
}

async function run(argv: readonly string[], ctx: CliContext): Promise<void> {
  switch (argv[0]) {
    case 'enrol':
      return enrol(argv, ctx);
    case 'officer':
      return identityAdd('officer', argv, ctx);
    case 'authority':
      return argv[1] === 'retire' ? retire('identity', argv, ctx) : identityAdd('authority', argv, ctx);
    case 'council':
      return argv[1] === 'retire' ? retire('council', argv, ctx) : councilAdd(argv, ctx);
    case 'authorities':
      return listAuthorities(argv, ctx);
    default: {
      const args = argsOrHelp({ positionals: ['command'], variadic: true, flags: {} }, argv, USAGE, ctx);
      if (!args) return;
      throw usageError(`unknown service command ${JSON.stringify(args.positionals.command)} (enrol, officer add, authority add, authority retire, council add, council retire, authorities)`, USAGE);
    }
  }
}

export const serviceCommand: Command = { name: 'service', summary: 'an officer\'s commands on the escrow service\'s database (enrol, officer add, authority add|retire, council add|retire, authorities)', usage: USAGE, run };
