/**
 * Councils on the command line (keyward-v2.md §8, the CLI contract of
 * keyward-v2-requirements.md), on the real built binary: `council create`
 * and `id`, then the 2-of-3 flow (encrypt for a council, each member's
 * check, partials, the owner's decrypt, the ceremony, the drill) and every
 * refusal.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type PrivateIdentity,
  councilId,
  exportPrivateIdentity,
  exportPublicIdentity,
  identityFromKeyPair,
  importPrivateKey,
  parseCouncil,
} from '../core/index.ts';
import { type CliResult, buildCli, key, keyward, listDir, tempDirForFile } from './test-support.ts';

const temp = tempDirForFile('cli-council');
const { sub } = temp;

/** Identities made from the fixture RSA keys (fast), written as NAME.pem and NAME.pub.pem in `ids`. */
let ids = '';
const identities = new Map<string, PrivateIdentity>();
const idPath = (name: string, part: 'pem' | 'pub.pem') => join(ids, `${name}.${part}`);
const pub = (name: string) => idPath(name, 'pub.pem');
const priv = (name: string) => idPath(name, 'pem');

/** Which fixture RSA key each identity is made from; alice's files carry a `Name:` line. */
const FIXTURES = { owner: 'owner', 'new-owner': 'new-owner', alice: 'authority', bob: 'owner-pkcs1', carol: 'rsa4096', stranger: 'stranger' } as const;

beforeAll(async () => {
  buildCli();
  ids = sub('identities');
  for (const [name, fixture] of Object.entries(FIXTURES)) {
    const rsa = await importPrivateKey(readFileSync(key(`${fixture}.pem`), 'utf8'), { extractable: true });
    const identity = await identityFromKeyPair(rsa, { extractable: true });
    identities.set(name, identity);
    const label = name === 'alice' ? 'Name: "Alice A."\n' : '';
    writeFileSync(priv(name), label + (await exportPrivateIdentity(identity, 'pem')), { mode: 0o600 });
    writeFileSync(pub(name), label + (await exportPublicIdentity(identity, 'pem')));
  }
});

const identity = (name: string): PrivateIdentity => identities.get(name)!;

function ok(args: readonly string[], env: Record<string, string> = {}): CliResult {
  const result = keyward(args, { env });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return result;
}

/** The error contract: exit 1, `CODE: sentence` first on stderr. */
function fails(args: readonly string[], code: string, env: Record<string, string> = {}): CliResult {
  const result = keyward(args, { env });
  expect(result.firstLine).toMatch(new RegExp(`^${code}: \\S`));
  expect(result.status).toBe(1);
  return result;
}

/** A usage error: exit 2, `USAGE: sentence` first on stderr. */
function usage(args: readonly string[], message: RegExp): CliResult {
  const result = keyward(args);
  expect(result.firstLine).toMatch(/^USAGE: /);
  expect(result.firstLine).toMatch(message);
  expect(result.status).toBe(2);
  return result;
}

type Json = Record<string, unknown>;
const readJson = (path: string): Json => JSON.parse(readFileSync(path, 'utf8')) as Json;

/** `council create` of alice, bob, carol (in that order) with threshold k. */
function createCouncil(folder: string, k: number, name = 'Board', file = 'board.keyward-council.json'): string {
  const out = join(folder, file);
  ok(['council', 'create', '--member', pub('alice'), '--member', pub('bob'), '--member', pub('carol'), '--threshold', String(k), '--name', name, '--out', out]);
  return out;
}

describe('council create and id', () => {
  it('writes canonical JSON and one newline, members in order and named; prints the council ID of §8.1', async () => {
    const folder = sub('create');
    const out = join(folder, 'board.keyward-council.json');
    const { stdout } = ok(['council', 'create', '--member', pub('alice'), '--member', pub('bob'), '--member', pub('carol'), '--threshold', '2', '--name', 'Board', '--out', out]);
    const text = readFileSync(out, 'utf8');
    const council = await parseCouncil(text);
    // canonical(descriptor) + \n: the bytes the OpenSSL recipe of §8.1 hashes.
    const expectedId = `SHA256:${createHash('sha256').update(Buffer.concat([Buffer.from('keyward/v2 council\0'), Buffer.from(text.slice(0, -1))])).digest('hex')}`;
    expect(council.id).toBe(expectedId);
    expect(await councilId(council)).toBe(expectedId);
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.slice(0, -1)).toBe(JSON.stringify(JSON.parse(text)));
    expect(council.threshold).toBe(2);
    expect(council.members.map((m) => [m.name, m.id])).toEqual([
      ['Alice A.', identity('alice').id],
      ['bob', identity('bob').id],
      ['carol', identity('carol').id],
    ]);
    const lines = stdout.split('\n');
    expect(lines[0]).toBe(`council ID    ${expectedId}`);
    expect(lines[1]).toBe(`read aloud    ${expectedId.slice(7).match(/.{4}/g)!.join(' ')}`);
    expect(stdout).toContain('2 of 3 members');
    expect(listDir(folder)).toEqual(['board.keyward-council.json']);
  });

  it('id of a council file: its ID, k of n, each member by index and identity ID', async () => {
    const folder = sub('id');
    const out = createCouncil(folder, 2);
    const council = await parseCouncil(readFileSync(out, 'utf8'));
    const lines = ok(['id', out]).stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`council ID    ${council.id}`);
    expect(lines[2]).toMatch(/^council {7}2 of 3 members recover a file {2}\(a council/);
    expect(lines[3]).toBe('name          "Board"');
    expect(lines.slice(4)).toEqual([
      `member 1      ${identity('alice').id}  "Alice A."`,
      `member 2      ${identity('bob').id}  "bob"`,
      `member 3      ${identity('carol').id}  "carol"`,
    ]);
  });

  it('another name, threshold or member order is another council ID', async () => {
    const folder = sub('ids-differ');
    const a = await parseCouncil(readFileSync(createCouncil(folder, 2), 'utf8'));
    const b = await parseCouncil(readFileSync(createCouncil(folder, 3, 'Board', 'k3.json'), 'utf8'));
    const c = await parseCouncil(readFileSync(createCouncil(folder, 2, 'Board 2', 'renamed.json'), 'utf8'));
    expect(new Set([a.id, b.id, c.id]).size).toBe(3);
  });

  it.each([
    ['0', /--threshold must be a whole number from 1 to 2/],
    ['3', /--threshold must be a whole number from 1 to 2/],
    ['1.5', /--threshold must be/],
    ['two', /--threshold must be/],
  ])('--threshold %s with 2 members is a usage error, and nothing is written', (k, message) => {
    const folder = sub(`k-${k}`);
    usage(['council', 'create', '--member', pub('alice'), '--member', pub('bob'), '--threshold', k, '--name', 'B', '--out', join(folder, 'c.json')], message);
    expect(listDir(folder)).toEqual([]);
  });

  it('refuses the same identity twice, even from two files', () => {
    const folder = sub('duplicate');
    const copy = join(folder, 'alice-again.pub.pem');
    writeFileSync(copy, readFileSync(pub('alice')));
    const result = usage(
      ['council', 'create', '--member', pub('alice'), '--member', pub('bob'), '--member', copy, '--threshold', '2', '--name', 'B', '--out', join(folder, 'c.json')],
      /is the same identity as --member .*alice\.pub\.pem/,
    );
    expect(result.firstLine).toContain(identity('alice').id);
    expect(listDir(folder)).toEqual(['alice-again.pub.pem']);
  });

  it('refuses a v1 key (KEY_UNSUPPORTED) and a private key (KEY_NOT_PUBLIC) as a member, and more than 16 members', () => {
    const folder = sub('bad-member');
    const out = join(folder, 'c.json');
    const v1 = fails(['council', 'create', '--member', pub('alice'), '--member', key('stranger.pub.pem'), '--threshold', '1', '--name', 'B', '--out', out], 'KEY_UNSUPPORTED');
    expect(v1.stderr).toMatch(/--member needs an identity/);
    expect(v1.stderr).toContain('while reading --member');
    fails(['council', 'create', '--member', pub('alice'), '--member', priv('bob'), '--threshold', '1', '--name', 'B', '--out', out], 'KEY_NOT_PUBLIC');
    const many = Array.from({ length: 17 }, () => ['--member', pub('alice')]).flat();
    usage(['council', 'create', ...many, '--threshold', '2', '--name', 'B', '--out', out], /at most 16 members, not 17/);
    expect(listDir(folder)).toEqual([]);
  });

  it('refuses to replace a file without --force, and needs --out, --name and --threshold', () => {
    const folder = sub('exists');
    const out = join(folder, 'c.json');
    writeFileSync(out, 'keep');
    fails(['council', 'create', '--member', pub('alice'), '--threshold', '1', '--name', 'B', '--out', out], 'OUTPUT_EXISTS');
    expect(readFileSync(out, 'utf8')).toBe('keep');
    ok(['council', 'create', '--member', pub('alice'), '--threshold', '1', '--name', 'B', '--out', out, '--force']);
    expect(readJson(out)).toMatchObject({ format: 'keyward-council/2', threshold: 1 });
    usage(['council', 'create', '--member', pub('alice'), '--threshold', '1', '--out', out], /Missing --name/);
    usage(['council', 'list'], /Missing --member|Unknown council command/);
  });

  it('id refuses a damaged council (MALFORMED) and a council where one key is expected (KEY_UNSUPPORTED)', () => {
    const folder = sub('damaged');
    const out = createCouncil(folder, 2);
    const damaged = join(folder, 'damaged.json');
    const value = readJson(out);
    writeFileSync(damaged, JSON.stringify({ ...value, threshold: 4 }));
    fails(['id', damaged], 'MALFORMED');
    writeFileSync(damaged, JSON.stringify({ ...value, members: [] }));
    fails(['id', damaged], 'MALFORMED');
    const input = join(folder, 'x.txt');
    writeFileSync(input, 'x');
    const refused = fails(['encrypt', input, '--owner', out, '--authority', pub('alice')], 'KEY_UNSUPPORTED');
    expect(refused.stderr).toMatch(/council file, not one person's key/);
    fails(['council', 'create', '--member', out, '--threshold', '1', '--name', 'B', '--out', join(folder, 'c2.json')], 'KEY_UNSUPPORTED');
    expect(listDir(folder)).toEqual(['board.keyward-council.json', 'damaged.json', 'x.txt']);
  });
});
