/**
 * `keyward audit verify FILE|URL`: checks the escrow service's audit log
 * end to end (core/audit.ts) and names the first entry that does not hold.
 */
import { readFile } from 'node:fs/promises';
import { KeywardError } from '../../core/index.ts';
import { parseAuditLog, verifyAuditLog } from '../../core/audit.ts';
import { fromFsError, usageError } from '../errors.ts';
import { type CliContext, type Command, argsOrHelp } from './command.ts';

const SPEC = { positionals: ['verify', 'source'], flags: {} } as const;

const USAGE = `Usage: keyward audit verify FILE|URL

Checks an export of the escrow service's audit log: every entry's hash, and
that each carries the hash of the one before, from the first to the last.
FILE is a saved export (GET /v1/audit); URL is the service (http://HOST:PORT,
its /v1/audit is read) or the export's own address.

Prints the number of entries and the last one's hash (the head): keep it, and
compare it with a later export to see that nothing before it was dropped or
changed. A log cut short at its end still verifies on its own.
Fails with AUDIT_BROKEN naming the first entry that does not hold.
`;

async function readSource(source: string): Promise<string> {
  if (!/^https?:\/\//i.test(source)) {
    try {
      return await readFile(source, 'utf8');
    } catch (error) {
      throw fromFsError(error, source, 'read');
    }
  }
  const url = new URL(source);
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/v1/audit';
  let response: Response;
  try {
    response = await fetch(url);
  } catch (cause) {
    throw new KeywardError('IO_ERROR', { action: 'read', path: url.href, reason: 'the service cannot be reached' }, { cause });
  }
  if (!response.ok) throw new KeywardError('IO_ERROR', { action: 'read', path: url.href, reason: `the service answered ${response.status}` });
  return response.text();
}

async function run(argv: readonly string[], ctx: CliContext): Promise<void> {
  const args = argsOrHelp(SPEC, argv, USAGE, ctx);
  if (!args) return;
  if (args.positionals.verify !== 'verify') throw usageError(`unknown audit command ${JSON.stringify(args.positionals.verify)} (only "verify")`, USAGE);
  const text = await readSource(args.positionals.source);
  const { count, head } = await verifyAuditLog(parseAuditLog(text).entries);
  ctx.print(`audit log OK: ${count} entries, head ${head}`);
}

export const auditCommand: Command = { name: 'audit', summary: 'check the escrow service\'s audit log end to end', usage: USAGE, run };
