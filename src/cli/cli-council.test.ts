/**
 * Councils on the command line (keyward-v2.md §8, the CLI contract of
 * keyward-v2-requirements.md), on the real built binary: `council create`
 * and `id`, then the 2-of-3 flow (encrypt for a council, each member's
 * check, partials, the owner's decrypt, the ceremony, the drill) and every
 * refusal.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Council,
  type PrivateIdentity,
  b64u,
  canonicalJson,
  councilId,
  drillPassed,
  parseDrillReport,
  parseSignedObject,
  signAs,
  splitKey,
  utf8,
  verifyDrillReport,
  verifyReceipt,
  wrapShare,
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
    const result = fails(['council', 'create', '--member', pub('alice'), '--member', pub('bob'), '--member', copy, '--threshold', '2', '--name', 'B', '--out', join(folder, 'c.json')], 'MEMBER_TWICE');
    expect(result.firstLine).toContain('already in the list as “Alice A.”');
    expect(result.stderr).toMatch(/is the same identity as --member .*alice\.pub\.pem/);
    expect(result.stderr).toContain(identity('alice').id);
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

/** Re-signs an object (without its signature) as `signer` would, for `context`. */
async function resigned(value: Json, signer: PrivateIdentity, context: 'keyward/v2 escrow' | 'keyward/v2 partial'): Promise<Json> {
  const body = Object.fromEntries(Object.entries(value).filter(([name]) => name !== 'signature'));
  return { ...body, signature: b64u(await signAs(signer, context, utf8(canonicalJson(body)))) };
}

const writeJson = (path: string, value: Json): string => {
  writeFileSync(path, `${canonicalJson(value)}\n`);
  return path;
};

const MEMBERS = ['alice', 'bob', 'carol'] as const;

describe('the 2-of-3 flow, by CLI', () => {
  let folder = '';
  let council = '';
  let councilValue: Council;
  let other = '';
  let input = '';
  let file = '';
  let blob = '';
  /** partial[name]: the partial recovery blob that member issued for new-owner. */
  const partial: Record<string, string> = {};

  const encryptFor = (authority: string, name: string): { input: string; file: string; blob: string; stdout: string } => {
    const plain = join(folder, name);
    writeFileSync(plain, randomBytes(2 * 65_536 + 777));
    const { stdout } = ok(['encrypt', plain, '--owner', pub('owner'), '--sign', priv('owner'), '--authority', authority, '--chunk-size', '65536']);
    return { input: plain, file: `${plain}.keyward`, blob: `${plain}.keyward-escrow.json`, stdout };
  };

  const reissue = (escrow: string, member: string, out: string): CliResult =>
    ok(['reissue', escrow, '--authority-key', priv(member), '--to', pub('new-owner'), '--out', out]);
  const decrypt = (target: string, partials: readonly string[], extra: readonly string[], out: string) =>
    keyward(['decrypt', target, '--key', priv('new-owner'), ...partials.flatMap((p) => ['--recovery', p]), ...extra, '--out', out]);

  beforeAll(async () => {
    folder = sub('flow');
    council = createCouncil(folder, 2);
    councilValue = await parseCouncil(readFileSync(council, 'utf8'));
    other = createCouncil(folder, 2, 'Other board', 'other.keyward-council.json');
    ({ input, file, blob } = encryptFor(council, 'report.bin'));
  });

  it('encrypt --authority COUNCIL.json: a signed file and a council escrow blob, one wrapped share per member', () => {
    const { stdout } = encryptFor(council, 'again.bin');
    expect(stdout).toContain(`authority   ${councilValue.id}  (council, 2 of 3 members recover the file)`);
    const value = readJson(blob);
    expect(value).toMatchObject({ format: 'keyward-escrow/2', authority: { kind: 'council', id: councilValue.id, name: 'Board', threshold: 2 } });
    expect(value.shares).toHaveLength(3);
    expect(value).not.toHaveProperty('wrappedKey');
    expect(readFileSync(file).subarray(0, 10).toString()).toBe('KEYWARD/2\n');
  });

  it('encrypt for a council needs --sign, and cannot rename it', () => {
    const mine = sub('flow-encrypt-refused');
    const plain = join(mine, 'x.txt');
    writeFileSync(plain, 'x');
    usage(['encrypt', plain, '--owner', pub('owner'), '--authority', council], /--authority is a council: .*--sign is needed/);
    usage(['encrypt', plain, '--owner', pub('owner'), '--sign', priv('owner'), '--authority', council, '--authority-name', 'X'], /cannot rename a council/);
    expect(listDir(mine)).toEqual(['x.txt']);
  });

  it("each member's check: GOOD, naming the member, and saying plainly that only a drill with 2 members proves the shares combine", async () => {
    for (const [i, member] of MEMBERS.entries()) {
      const receipts = sub(`flow-receipts-${member}`);
      const { stdout } = ok(['escrow', 'check', blob, '--authority-key', priv(member), '--council', council, '--owner', pub('owner'), '--receipt-out', receipts]);
      const line = stdout.trimEnd();
      expect(line).toMatch(new RegExp(`^GOOD file KW-\\S+ from ${identity('owner').id}  ${blob}  member ${i + 1} of council ${councilValue.id} \\(2 of 3\\): `));
      expect(line).toContain('your share is good; only a drill with 2 members (keyward drill) proves the shares combine to the file key');
      // The member's receipt (§8.3): signed by the member, accepted for the council's blob.
      const receipt = parseSignedObject(readFileSync(join(receipts, 'report.bin.keyward-receipt.json'), 'utf8'));
      expect(receipt.kind).toBe('receipt');
      if (receipt.kind !== 'receipt') return;
      expect(receipt.receipt.authority.id).toBe(identity(member).id);
      const escrow = parseSignedObject(readFileSync(blob, 'utf8'));
      if (escrow.kind !== 'escrow-v2') throw new Error('not an escrow blob');
      await verifyReceipt(receipt.receipt, escrow.blob);
    }
  });

  it('with 2 member keys, escrow check proves every 2 of their shares combine to the key that opens the file', () => {
    const { stdout } = ok(['escrow', 'check', blob, '--authority-key', priv('alice'), '--authority-key', priv('carol')]);
    expect(stdout.trimEnd()).toBe(
      `GOOD file ${String(readJson(blob).serial)} from ${identity('owner').id}  ${blob}  members 1, 3 of council ${councilValue.id} (2 of 3): every 2 of these shares combine to the key that opens the file`,
    );
  });

  it('escrow check refuses a non-member (NO_MATCHING_KEY), another council (SIGNER_UNTRUSTED), receipts from several keys (USAGE)', () => {
    expect(fails(['escrow', 'check', blob, '--authority-key', priv('stranger')], 'NO_MATCHING_KEY').stdout).toMatch(/^NO_MATCHING_KEY: /);
    fails(['escrow', 'check', blob, '--authority-key', priv('alice'), '--council', other], 'SIGNER_UNTRUSTED');
    fails(['escrow', 'check', blob, '--authority-key', priv('alice'), '--authority-key', priv('bob'), '--council', other], 'SIGNER_UNTRUSTED');
    fails(['escrow', 'check', blob, '--authority-key', priv('alice'), '--authority-key', priv('stranger')], 'NO_MATCHING_KEY');
    usage(['escrow', 'check', blob, '--authority-key', priv('alice'), '--authority-key', priv('bob'), '--receipt-out', folder], /--receipt-out takes one --authority-key/);
  });

  it("an evading blob (owner-signed, good shares of another key) passes one member's check with the plain warning, and fails the full check", async () => {
    const real = readJson(blob);
    const shares = await splitKey(globalThis.crypto.getRandomValues(new Uint8Array(32)), 3, 2);
    const wrapped = await Promise.all(shares.map(async (share, i) => b64u(await wrapShare(share, i + 1, identity(MEMBERS[i]!).encryption.publicKey))));
    const evading = writeJson(join(sub('flow-evading'), 'evading.keyward-escrow.json'), await resigned({ ...real, shares: wrapped }, identity('owner'), 'keyward/v2 escrow'));
    for (const member of MEMBERS) {
      const { stdout } = ok(['escrow', 'check', evading, '--authority-key', priv(member)]);
      expect(stdout).toMatch(/^GOOD file .*: your share is good; only a drill with 2 members \(keyward drill\) proves the shares combine to the file key\n$/);
    }
    const result = fails(['escrow', 'check', evading, '--authority-key', priv('alice'), '--authority-key', priv('bob')], 'ESCROW_INVALID');
    expect(result.stdout).toMatch(/^ESCROW_INVALID: .*evading\.keyward-escrow\.json: /);
  });
  describe('partial recovery', () => {
    beforeAll(() => {
      for (const [i, member] of MEMBERS.entries()) {
        partial[member] = join(folder, `p${i + 1}.keyward-recovery.json`);
        reissue(blob, member, partial[member]);
      }
    });

    it('reissue by a member writes a partial recovery blob naming the member, its index and the council', () => {
      const value = readJson(partial.bob!);
      expect(value).toMatchObject({ format: 'keyward-recovery/2', issuer: { kind: 'member', id: identity('bob').id, index: 2, council: councilValue.id }, owner: { id: identity('new-owner').id } });
      expect(value).toHaveProperty('wrappedShare');
      expect(value).not.toHaveProperty('wrappedKey');
      const shown = JSON.parse(ok(['inspect', partial.bob!]).stdout) as Json;
      expect(shown).toMatchObject({ issuer: { kind: 'member', index: 2, council: councilValue.id }, signer: identity('bob').id });
      expect(shown).not.toHaveProperty('wrappedShare');
      const out = join(sub('flow-reissue'), 'p.json');
      const { stdout } = reissue(blob, 'carol', out);
      expect(stdout).toMatch(/^partial {5}.*p\.json/);
      expect(stdout).toContain('the owner needs partials from 2 distinct members of the 3; this is one');
      fails(['reissue', blob, '--authority-key', priv('stranger'), '--to', pub('new-owner'), '--out', join(folder, 'no.json')], 'NO_MATCHING_KEY');
      expect(existsSync(join(folder, 'no.json'))).toBe(false);
    });

    it('the owner decrypts with partials of any 2 distinct members and the pinned council', () => {
      const mine = sub('flow-decrypt');
      const want = readFileSync(input);
      for (const pair of [['alice', 'bob'], ['carol', 'alice']]) {
        const out = join(mine, `${pair.join('-')}.bin`);
        const result = decrypt(file, pair.map((m) => partial[m]!), ['--trust', council, '--signer', pub('owner')], out);
        expect(result.stderr).toBe('');
        expect(result.status).toBe(0);
        expect(result.stdout).toContain(`opened with partial recovery blobs (2) of council ${councilValue.id}`);
        expect(readFileSync(out).equals(want)).toBe(true);
      }
    });

    it('refused, with no output: one partial, two of one member (QUORUM_NOT_MET)', () => {
      const mine = sub('flow-quorum');
      const out = join(mine, 'out.bin');
      const one = decrypt(file, [partial.alice!], ['--trust', council], out);
      expect(one.firstLine).toMatch(/^QUORUM_NOT_MET: /);
      expect(one.status).toBe(1);
      // The same member twice: the same file given twice, and a second partial issued by that member.
      const again = join(mine, 'alice-again.json');
      reissue(blob, 'alice', again);
      expect(readFileSync(again, 'utf8')).not.toBe(readFileSync(partial.alice!, 'utf8'));
      for (const pair of [[partial.alice!, partial.alice!], [partial.alice!, again]]) {
        const result = decrypt(file, pair, ['--trust', council], out);
        expect(result.firstLine).toMatch(/^QUORUM_NOT_MET: /);
        expect(result.status).toBe(1);
      }
      expect(listDir(mine)).toEqual(['alice-again.json']);
    });

    it("refused, with no output: a non-member's partial, a partial of an untrusted council, a tampered partial, nothing pinned", async () => {
      const mine = sub('flow-untrusted');
      const out = join(mine, 'out.bin');
      // A stranger signs a partial claiming to be member 2.
      const real = readJson(partial.bob!);
      const stranger = identity('stranger');
      const forged = writeJson(join(mine, 'forged.json'), await resigned({ ...real, issuer: { ...(real.issuer as Json), name: 'bob', id: stranger.id, publicKey: b64u(stranger.rsaSpki), signingKey: b64u(stranger.ed25519Spki) } }, stranger, 'keyward/v2 partial'));
      expect(decrypt(file, [partial.alice!, forged], ['--trust', council], out).firstLine).toMatch(/^SIGNER_UNTRUSTED: /);
      // Partials of a council the owner did not pin: same members, another council.
      const theirs = encryptFor(other, 'theirs.bin');
      const theirPartials = ['alice', 'bob'].map((m) => {
        const path = join(mine, `their-${m}.json`);
        reissue(theirs.blob, m, path);
        return path;
      });
      expect(decrypt(theirs.file, theirPartials, ['--trust', council], out).firstLine).toMatch(/^SIGNER_UNTRUSTED: /);
      expect(decrypt(theirs.file, theirPartials, ['--trust', pub('alice')], out).firstLine).toMatch(/^SIGNER_UNTRUSTED: /);
      expect(decrypt(theirs.file, theirPartials, [], out).firstLine).toMatch(/^SIGNER_UNTRUSTED: /);
      // Changed after the member signed it.
      const tampered = writeJson(join(mine, 'tampered.json'), { ...real, description: 'changed' });
      expect(decrypt(file, [partial.alice!, tampered], ['--trust', council], out).firstLine).toMatch(/^SIGNATURE_INVALID: /);
      // A full recovery blob and partials are not mixed.
      expect(decrypt(file, [partial.alice!, theirs.blob], ['--trust', council], out).status).toBe(2);
      expect(existsSync(out)).toBe(false);
      expect(listDir(mine).filter((n) => n.startsWith('out') || n.startsWith('.'))).toEqual([]);
    });

  });

  it('recover: a ceremony of 2 members opens the file; one member, the same member twice, or a non-member cannot', () => {
    const mine = sub('flow-recover');
    const out = join(mine, 'out.bin');
    const recover = (...members: string[]) => keyward(['recover', file, '--escrow', blob, ...members.flatMap((m) => ['--authority-key', priv(m)]), '--out', out]);
    expect(recover('alice').firstLine).toMatch(/^QUORUM_NOT_MET: /);
    expect(recover('alice', 'alice').firstLine).toMatch(/^QUORUM_NOT_MET: /);
    expect(recover('alice', 'stranger').firstLine).toMatch(/^NO_MATCHING_KEY: /);
    expect(listDir(mine)).toEqual([]);
    const done = recover('bob', 'carol');
    expect(done.stderr).toBe('');
    expect(done.status).toBe(0);
    expect(readFileSync(out).equals(readFileSync(input))).toBe(true);
  });

  describe('the drill', () => {
    let evading = '';
    let second = '';

    beforeAll(async () => {
      second = encryptFor(council, 'second.bin').blob;
      // An evading blob: signed by the owner for the real file, with good shares of another key.
      const real = readJson(blob);
      const shares = await splitKey(globalThis.crypto.getRandomValues(new Uint8Array(32)), 3, 2);
      const wrapped = await Promise.all(shares.map(async (share, i) => b64u(await wrapShare(share, i + 1, identity(MEMBERS[i]!).encryption.publicKey))));
      evading = writeJson(join(folder, 'evading.keyward-escrow.json'), await resigned({ ...real, shares: wrapped }, identity('owner'), 'keyward/v2 escrow'));
    });

    const drill = (blobs: readonly string[], members: readonly string[], extra: readonly string[] = []) =>
      keyward(['drill', ...blobs, ...members.flatMap((m) => ['--authority-key', priv(m)]), ...extra]);

    it('passes on the deposited blobs: one GOOD line each, exit 0, a report signed by both members that verifies', async () => {
      const report = join(sub('drill-pass'), 'keyward-drill.json');
      const result = drill([blob, second], ['alice', 'bob'], ['--council', council, '--report-out', report]);
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      const lines = result.stdout.trimEnd().split('\n');
      expect(lines[0]).toMatch(new RegExp(`^GOOD file KW-\\S+  ${blob}$`));
      expect(lines[1]).toMatch(new RegExp(`^GOOD file KW-\\S+  ${second}$`));
      expect(lines[2]).toMatch(/^drill {7}PASSED: 2 of 2 blobs GOOD, members 1, 2 of council /);
      const parsed = parseDrillReport(readFileSync(report, 'utf8'));
      await expect(verifyDrillReport(parsed, councilValue)).resolves.toBeUndefined();
      expect(drillPassed(parsed)).toBe(true);
      expect(parsed.members.map((m) => m.id)).toEqual([identity('alice').id, identity('bob').id]);
      expect(parsed.results[0]!.blob).toBe(createHash('sha256').update(readFileSync(blob)).digest('base64url'));
      // inspect shows who signed it and what they found; a report is no escrow or recovery blob.
      const shown = JSON.parse(ok(['inspect', report]).stdout) as Json;
      expect(shown).toMatchObject({ format: 'keyward-drill/2', signer: [identity('alice').id, identity('bob').id], results: [{ result: 'GOOD' }, { result: 'GOOD' }] });
      expect(fails(['escrow', 'check', report, '--authority-key', priv('alice')], 'MALFORMED').stderr).toContain('this is a drill report, not an escrow blob');
      // An auditor checks the report against the council's file alone.
      const checked = ok(['verify', report, '--council', council]).stdout.trimEnd().split('\n');
      expect(checked[0]).toMatch(new RegExp(`^drill report  ${report}  signed by members 1 \\(${identity('alice').id}\\), 2 \\(${identity('bob').id}\\) of council ${councilValue.id} \\(2 needed\\)`));
      expect(checked.slice(1)).toEqual([`GOOD file ${parsed.results[0]!.serial}`, `GOOD file ${parsed.results[1]!.serial}`, 'drill         PASSED: 2 of 2 blobs GOOD']);
      fails(['verify', report, '--council', other], 'SIGNER_UNTRUSTED');
      const forged = join(sub('drill-forged'), 'forged-drill.json');
      writeFileSync(forged, readFileSync(report, 'utf8').replace('"result":"GOOD"', '"result":"ESCROW_INVALID"'));
      fails(['verify', forged, '--council', council], 'SIGNATURE_INVALID');
      const short = join(sub('drill-short'), 'one-member-drill.json');
      writeFileSync(short, `${JSON.stringify({ ...parsed, members: parsed.members.slice(0, 1), signatures: parsed.signatures.slice(0, 1) })}\n`);
      fails(['verify', short, '--council', council], 'QUORUM_NOT_MET');
      expect(keyward(['verify', report, '--council', council, '--signer', pub('owner')]).status).toBe(2);
    });

    it("an evading blob passes one member's check, with the plain warning, and fails the drill with ESCROW_INVALID; the report is written as evidence", async () => {
      const member = ok(['escrow', 'check', evading, '--authority-key', priv('alice')]);
      expect(member.stdout).toMatch(/^GOOD file .*your share is good; only a drill with 2 members \(keyward drill\) proves the shares combine to the file key\n$/);
      const report = join(sub('drill-fail'), 'keyward-drill.json');
      const result = drill([blob, evading], ['alice', 'carol'], ['--report-out', report]);
      expect(result.status).toBe(1);
      expect(result.firstLine).toMatch(/^ESCROW_INVALID: /);
      const lines = result.stdout.trimEnd().split('\n');
      expect(lines[0]).toMatch(/^GOOD file /);
      expect(lines[1]).toMatch(new RegExp(`^ESCROW_INVALID: ${evading}: `));
      expect(lines[2]).toMatch(/^drill {7}FAILED: 1 of 2 blobs GOOD/);
      const parsed = parseDrillReport(readFileSync(report, 'utf8'));
      await expect(verifyDrillReport(parsed, councilValue)).resolves.toBeUndefined();
      expect(parsed.results.map((r) => r.result)).toEqual(['GOOD', 'ESCROW_INVALID']);
      expect(drillPassed(parsed)).toBe(false);
      // The report verifies, and says the drill failed.
      const checked = fails(['verify', report, '--council', council], 'ESCROW_INVALID');
      expect(checked.stdout).toContain('drill         FAILED: 1 of 2 blobs GOOD');
      // The full check of escrow check agrees with the drill.
      fails(['escrow', 'check', evading, '--authority-key', priv('alice'), '--authority-key', priv('bob')], 'ESCROW_INVALID');
    });

    it("a blob that does not parse is MALFORMED and another council's blob NO_MATCHING_KEY, each on its line, in the report", () => {
      const mine = sub('drill-mixed');
      const garbage = join(mine, 'garbage.json');
      writeFileSync(garbage, '{"format": "keyward-escrow/2"');
      const theirs = encryptFor(other, 'drill-theirs.bin').blob;
      const report = join(mine, 'r.json');
      const result = drill([garbage, blob, theirs], ['alice', 'bob'], ['--council', council, '--report-out', report]);
      expect(result.status).toBe(1);
      expect(result.firstLine).toMatch(/^MALFORMED: /);
      expect(result.stderr).toContain(`while reading ${garbage}`);
      const lines = result.stdout.trimEnd().split('\n');
      expect(lines.slice(0, 3).map((line) => line.split(':')[0]!.split(' ')[0])).toEqual(['MALFORMED', 'GOOD', 'NO_MATCHING_KEY']);
      expect(parseDrillReport(readFileSync(report, 'utf8')).results.map((r) => [r.result, r.fileId === ''])).toEqual([
        ['MALFORMED', true],
        ['GOOD', false],
        ['NO_MATCHING_KEY', false],
      ]);
      fails(['drill', join(mine, 'missing.json'), '--authority-key', priv('alice'), '--authority-key', priv('bob')], 'FILE_NOT_FOUND');
    });

    it('a non-member key, or fewer members than k, stops the drill: no report', () => {
      const mine = sub('drill-stopped');
      const report = join(mine, 'r.json');
      expect(drill([blob], ['alice', 'stranger'], ['--council', council, '--report-out', report]).firstLine).toMatch(/^NO_MATCHING_KEY: /);
      expect(drill([blob], ['alice'], ['--council', council, '--report-out', report]).firstLine).toMatch(/^QUORUM_NOT_MET: /);
      expect(drill([blob], ['alice', 'alice'], ['--council', council, '--report-out', report]).firstLine).toMatch(/^QUORUM_NOT_MET: /);
      expect(listDir(mine)).toEqual([]);
    });

    it('--sample N drills N of the blobs given, in their order; a bad N is a usage error', () => {
      const result = drill([blob, second, blob], ['alice', 'bob'], ['--sample', '2']);
      expect(result.status).toBe(0);
      const lines = result.stdout.trimEnd().split('\n');
      expect(lines).toHaveLength(3);
      expect(lines[2]).toContain('(a random sample of 2 of the 3 given)');
      usage(['drill', blob, '--authority-key', priv('alice'), '--sample', '0'], /--sample must be a whole number/);
    });
  });
});

describe('a council of threshold 1', () => {
  it("a member's check is complete (no drill needed), and one member's partial opens the file", () => {
    const folder = sub('k1');
    const council = join(folder, 'one.json');
    ok(['council', 'create', '--member', pub('alice'), '--member', pub('bob'), '--threshold', '1', '--name', 'Either', '--out', council]);
    const input = join(folder, 'x.bin');
    writeFileSync(input, randomBytes(5000));
    ok(['encrypt', input, '--owner', pub('owner'), '--sign', priv('owner'), '--authority', council]);
    const blob = `${input}.keyward-escrow.json`;
    const { stdout } = ok(['escrow', 'check', blob, '--authority-key', priv('bob')]);
    expect(stdout).toMatch(/ member 2 of council SHA256:[0-9a-f]{64} \(1 of 2\): your share alone is the file key, and it opens the file\n$/);
    expect(stdout).not.toContain('drill');
    const partial = join(folder, 'p.json');
    ok(['reissue', blob, '--authority-key', priv('bob'), '--to', pub('new-owner'), '--out', partial]);
    const out = join(folder, 'out.bin');
    ok(['decrypt', `${input}.keyward`, '--key', priv('new-owner'), '--recovery', partial, '--trust', council, '--out', out]);
    expect(readFileSync(out).equals(readFileSync(input))).toBe(true);
  });
});
