/**
 * `keyward council create`: a council descriptor (keyward-v2.md §8.1) from
 * the members' public identities and a threshold, written as
 * `canonical(descriptor)` and one `\n`, and its council ID to confirm.
 */
import { basename } from 'node:path';
import { KeywardError, MAX_COUNCIL_MEMBERS, type PublicIdentity, createCouncil, escapeUnsafeChars, formatKeyIdForHumans, serializeCouncil } from '../../core/index.ts';
import { AtomicFile } from '../atomic-file.ts';
import { outputExists, usageError } from '../errors.ts';
import { loadPublicKeyFile, needIdentity } from '../key-files.ts';
import { pathExists } from '../node-io.ts';
import { type CliContext, type Command, argsOrHelp } from './command.ts';

const SPEC = {
  positionals: ['create'],
  flags: {
    member: { type: 'list', required: true },
    threshold: { type: 'string', required: true },
    name: { type: 'string', required: true },
    out: { type: 'string', required: true },
    force: { type: 'boolean' },
  },
} as const;

const USAGE = `Usage: keyward council create --member A.pub.pem --member B.pub.pem ... --threshold K --name TEXT --out COUNCIL.json [--force]

Makes a council: an authority no single person holds. Files escrowed to it
can be recovered only by K of its members together (keyward reissue by each,
or keyward recover with K member keys). Prints the council ID: owners confirm
it (read aloud, like an identity ID) before they encrypt for the council; it
pins the name, the threshold and every member's keys.

Options:
  --member PATH     a member's public identity (keyward keygen's NAME.pub.pem), once per
                    member, 1 to ${MAX_COUNCIL_MEMBERS} of them; the order is part of the council
                    (member 1 is the first --member). A member is named by the "Name:" line
                    of its file, else by the file's name without .pub.pem (or .pem)
  --threshold K     how many members together recover a file, 1 to the number of members
  --name TEXT       the council's name (may be empty: --name "")
  --out PATH        the council file to write (COUNCIL.json): hand it to owners with the ID
  --force           replace an existing file

A v1 key cannot be a member (a member signs what it issues), and neither can a
private key file (hand out only public identities). The same identity twice is
refused (MEMBER_TWICE).
`;

/** The name of a member whose file has no `Name:` line: its file name without the key extension. */
export function memberNameFromPath(path: string): string {
  const name = basename(path);
  for (const ext of ['.pub.pem', '.pem', '.pub.json', '.json']) if (name.toLowerCase().endsWith(ext) && name.length > ext.length) return name.slice(0, -ext.length);
  return name;
}

/** `--threshold` K, 1 ≤ K ≤ n. */
function parseThreshold(value: string, members: number): number {
  const k = /^\d{1,2}$/.test(value) ? Number(value) : Number.NaN;
  if (!(k >= 1 && k <= members)) {
    throw usageError(`--threshold must be a whole number from 1 to ${members} (the number of --member), not ${JSON.stringify(value)}`, USAGE);
  }
  return k;
}

async function run(argv: readonly string[], ctx: CliContext): Promise<void> {
  const args = argsOrHelp(SPEC, argv, USAGE, ctx);
  if (!args) return;
  if (args.positionals.create !== 'create') throw usageError(`unknown council command ${JSON.stringify(args.positionals.create)} (only "create")`, USAGE);
  const { member: paths, name, out, force } = args.flags;
  if (paths.length > MAX_COUNCIL_MEMBERS) throw usageError(`a council has at most ${MAX_COUNCIL_MEMBERS} members, not ${paths.length}`, USAGE);
  const threshold = parseThreshold(args.flags.threshold, paths.length);
  if (!force && (await pathExists(out))) throw outputExists(out);

  const members: { name: string; identity: PublicIdentity }[] = [];
  const seen = new Map<string, { path: string; name: string }>();
  for (const path of paths) {
    const file = await loadPublicKeyFile(path, '--member');
    const identity = needIdentity(file, '--member', path, 'cannot sign what a member issues');
    const earlier = seen.get(identity.id);
    const memberName = file.name ?? memberNameFromPath(path);
    if (earlier !== undefined) {
      // The app's set-up refuses it with the same code and sentence.
      throw new KeywardError('MEMBER_TWICE', { name: earlier.name, reason: `--member ${path} is the same identity as --member ${earlier.path} (${identity.id})` });
    }
    seen.set(identity.id, { path, name: memberName });
    members.push({ name: memberName, identity });
  }

  const council = await createCouncil({ name, threshold, members });
  await AtomicFile.writeText(out, serializeCouncil(council), { force });
  ctx.print(`council ID    ${council.id}`);
  ctx.print(`read aloud    ${formatKeyIdForHumans(council.id)}`);
  ctx.print(`council       ${escapeUnsafeChars(JSON.stringify(council.name))}, ${council.threshold} of ${council.members.length} members recover a file`);
  ctx.print(`written       ${out}  (give it to owners with the council ID)`);
  council.members.forEach((member, i) => {
    ctx.print(`member ${String(i + 1).padEnd(7)}${member.id}  ${escapeUnsafeChars(JSON.stringify(member.name))}`);
  });
}

/** `keyward council`. */
export const councilCommand: Command = {
  name: 'council',
  summary: 'make a council: k of n members together recover a file',
  usage: USAGE,
  run,
};
