/**
 * `keyward audit verify FILE|URL`: checks the escrow service's audit log
 * end to end (core/audit.ts) and names the first entry that does not hold.
 * The service shows its log to officers only: with a URL, `--identity`
 * signs in first (a signed challenge).
 */
import { readFile } from 'node:fs/promises';
import { ERROR_CODES, type ErrorCode, KeywardError, type PrivateIdentity } from '../../core/index.ts';
import { parseAuditLog, verifyAuditLog } from '../../core/audit.ts';
import { parseSignInChallenge, signChallenge } from '../../core/service.ts';
import { fromFsError, usageError } from '../errors.ts';
import { loadPrivateKeyFile, needIdentity } from '../key-files.ts';
import { type CliContext, type Command, argsOrHelp } from './command.ts';

const SPEC = { positionals: ['verify', 'source'], flags: { identity: { type: 'string' } } } as const;

const USAGE = `Usage: keyward audit verify FILE
       keyward audit verify URL --identity OFFICER_PRIVATE_KEY

Checks an export of the escrow service's audit log: every entry's hash, and
that each carries the hash of the one before, from the first to the last.
FILE is a saved export (GET /v1/audit). URL is the service (http://HOST:PORT):
the log is shown to its officers only, so --identity signs in with an
officer's private identity (a signed challenge) and reads /v1/audit.

Options:
  --identity PATH   an officer's private identity (encrypted PEM asks for its passphrase,
                    or takes KEYWARD_PASSPHRASE)

Prints the number of entries and the last one's hash (the head): keep it, and
compare it with a later export (or the public GET /v1/audit/head) to see
that nothing before it was dropped or changed. A log cut short at its end
still verifies on its own.
Fails with AUDIT_BROKEN naming the first entry that does not hold.
`;

/** The service's refusal as the same KeywardError (its code), or IO_ERROR for an answer that is not one. */
async function refusal(response: Response, url: string): Promise<KeywardError> {
  let code: unknown;
  try {
    code = ((await response.json()) as { code?: unknown }).code;
  } catch {
    code = undefined;
  }
  if (typeof code === 'string' && (ERROR_CODES as readonly string[]).includes(code)) return new KeywardError(code as ErrorCode, { reason: `the service answered ${response.status}` });
  return new KeywardError('IO_ERROR', { action: 'read', path: url, reason: `the service answered ${response.status}` });
}

async function call(url: URL, init: RequestInit = {}): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (cause) {
    throw new KeywardError('SERVICE_UNREACHABLE', { reason: url.origin }, { cause });
  }
  if (!response.ok) throw await refusal(response, url.href);
  return response;
}

const postJson = (url: URL, body: unknown) => call(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** Signs in at the service with `identity`: its token. */
async function signIn(base: URL, identity: PrivateIdentity): Promise<string> {
  const challenge = parseSignInChallenge(await (await postJson(new URL('/v1/sign-in/challenge', base), { identityId: identity.id })).json());
  const signed = (await (await postJson(new URL('/v1/sign-in', base), { challenge, signature: await signChallenge(identity, challenge) })).json()) as { token: string };
  return signed.token;
}

async function readSource(source: string, identityPath: string | undefined, env: NodeJS.ProcessEnv): Promise<string> {
  if (!/^https?:\/\//i.test(source)) {
    if (identityPath !== undefined) throw usageError('--identity is for a service URL; a saved export is read as it is', USAGE);
    try {
      return await readFile(source, 'utf8');
    } catch (error) {
      throw fromFsError(error, source, 'read');
    }
  }
  if (identityPath === undefined) throw usageError('the service shows its audit log to officers only: give --identity with an officer\'s private identity', USAGE);
  const identity = needIdentity(await loadPrivateKeyFile(identityPath, '--identity', env), '--identity', identityPath, 'cannot sign in');
  const base = new URL(source);
  const token = await signIn(base, identity);
  return (await call(new URL('/v1/audit', base), { headers: { authorization: `Bearer ${token}` } })).text();
}

async function run(argv: readonly string[], ctx: CliContext): Promise<void> {
  const args = argsOrHelp(SPEC, argv, USAGE, ctx);
  if (!args) return;
  if (args.positionals.verify !== 'verify') throw usageError(`unknown audit command ${JSON.stringify(args.positionals.verify)} (only "verify")`, USAGE);
  const text = await readSource(args.positionals.source, args.flags.identity, ctx.env);
  const { count, head } = await verifyAuditLog(parseAuditLog(text).entries);
  ctx.print(`audit log OK: ${count} entries, head ${head}`);
}

export const auditCommand: Command = { name: 'audit', summary: 'check the escrow service\'s audit log end to end', usage: USAGE, run };
