/**
 * The v2 command line (keyward-v2-requirements.md "The CLI contract"), on the
 * real built binary: identities from keygen, `id`, key files that take a v1
 * key or an identity, and a council file refused.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type PrivateIdentity,
  exportPrivateIdentity,
  exportPublicIdentity,
  identityFromKeyPair,
  importPrivateIdentity,
  importPrivateKey,
  importPublicIdentity,
  importPublicKey,
} from '../core/index.ts';
import { type CliResult, buildCli, key, keyward, listDir, tempDirForFile } from './test-support.ts';

const temp = tempDirForFile('cli-v2');
const { sub } = temp;

/** Identities made from the fixture RSA keys (fast), written as NAME.pem and NAME.pub.pem in `ids`. */
let ids = '';
const identities = new Map<string, PrivateIdentity>();
const idPath = (name: string, part: 'pem' | 'pub.pem') => join(ids, `${name}.${part}`);

beforeAll(async () => {
  buildCli();
  ids = sub('identities');
  for (const name of ['owner', 'authority', 'new-owner', 'stranger']) {
    const rsa = await importPrivateKey(readFileSync(key(`${name}.pem`), 'utf8'), { extractable: true });
    const identity = await identityFromKeyPair(rsa, { extractable: true });
    identities.set(name, identity);
    writeFileSync(idPath(name, 'pem'), await exportPrivateIdentity(identity, 'pem'), { mode: 0o600 });
    writeFileSync(idPath(name, 'pub.pem'), await exportPublicIdentity(identity, 'pem'));
  }
});

const identity = (name: string): PrivateIdentity => identities.get(name)!;

function ok(args: readonly string[], env: Record<string, string> = {}): CliResult {
  const result = keyward(args, { env });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return result;
}

/** The error contract: exit 1, `CODE: sentence` first on stderr, nothing on stdout. */
function fails(args: readonly string[], code: string, env: Record<string, string> = {}): CliResult {
  const result = keyward(args, { env });
  expect(result.firstLine).toMatch(new RegExp(`^${code}: \\S`));
  expect(result.status).toBe(1);
  expect(result.stdout).toBe('');
  return result;
}

describe('keygen writes identities', () => {
  it('--name goes above the keys in both files, and both files still read as the identity', async () => {
    const prefix = join(sub('keygen-name'), 'ada');
    const { stdout } = ok(['keygen', '--out', prefix, '--name', 'Ada "the" Lovelace']);
    const privateText = readFileSync(`${prefix}.pem`, 'utf8');
    const publicText = readFileSync(`${prefix}.pub.pem`, 'utf8');
    expect(privateText.split('\n')[0]).toBe('Name: "Ada \\"the\\" Lovelace"');
    expect(publicText.split('\n')[0]).toBe('Name: "Ada \\"the\\" Lovelace"');
    const made = await importPrivateIdentity(privateText);
    expect((await importPublicIdentity(publicText)).id).toBe(made.id);
    expect(stdout).toContain('name              Ada "the" Lovelace');
    expect(statSync(`${prefix}.pem`).mode & 0o777).toBe(0o600);
    expect(ok(['id', `${prefix}.pub.pem`]).stdout).toContain('name          "Ada \\"the\\" Lovelace"');
  });

  it('--passphrase encrypts both blocks under the one passphrase', async () => {
    const prefix = join(sub('keygen-passphrase'), 'enc');
    ok(['keygen', '--out', prefix, '--passphrase'], { KEYWARD_PASSPHRASE: 'open sesame 42' });
    const text = readFileSync(`${prefix}.pem`, 'utf8');
    expect(text.match(/-----BEGIN ENCRYPTED PRIVATE KEY-----/g)).toHaveLength(2);
    const made = await importPrivateIdentity(text, { passphrase: 'open sesame 42' });
    expect(ok(['id', `${prefix}.pem`], { KEYWARD_PASSPHRASE: 'open sesame 42' }).stdout).toContain(`identity ID   ${made.id}`);
    fails(['id', `${prefix}.pem`], 'PASSPHRASE_REQUIRED');
  });
});

describe('id', () => {
  it('prints the identity ID of a public or private identity, and its RSA key ID labelled', () => {
    const owner = identity('owner');
    for (const part of ['pub.pem', 'pem'] as const) {
      const lines = ok(['id', idPath('owner', part)]).stdout.split('\n');
      expect(lines[0]).toBe(`identity ID   ${owner.id}`);
      expect(lines[1]).toBe(`read aloud    ${owner.id.slice(7).match(/.{4}/g)!.join(' ')}`);
      expect(lines[2]).toMatch(new RegExp(`^RSA key ID    ${owner.encryption.keyId}  \\(the v1 key ID`));
    }
  });

  it('labels a v1 key ID as such', async () => {
    const keyId = (await importPublicKey(readFileSync(key('owner.pub.pem'), 'utf8'))).keyId;
    expect(ok(['id', key('owner.pub.pem')]).stdout.split('\n')[0]).toBe(`key ID (v1)   ${keyId}`);
  });

  it('refuses a council file, a damaged identity and a missing file', () => {
    const folder = sub('id-refused');
    const council = join(folder, 'council.json');
    writeFileSync(council, JSON.stringify({ format: 'keyward-council/2', name: 'Board', threshold: 2, members: [] }));
    expect(fails(['id', council], 'UNSUPPORTED_VERSION').firstLine).toContain('keyward-council/2');
    const swapped = join(folder, 'swapped.pub.pem');
    const [rsa, ed] = readFileSync(idPath('owner', 'pub.pem'), 'utf8').split(/(?<=-----END PUBLIC KEY-----\n)/);
    writeFileSync(swapped, ed! + rsa!);
    expect(fails(['id', swapped], 'KEY_UNREADABLE').stderr).toMatch(/Ed25519 key comes first/);
    fails(['id', join(folder, 'nope.pem')], 'FILE_NOT_FOUND');
    expect(listDir(folder)).toEqual(['council.json', 'swapped.pub.pem']);
  });
});

describe('every key option takes a v1 key or an identity', () => {
  it('encrypt without --sign for an identity writes a v1 file the private identity decrypts', () => {
    const folder = sub('v1-with-identities');
    const input = join(folder, 'plain.txt');
    writeFileSync(input, 'hello v1\n');
    ok(['encrypt', input, '--owner', idPath('owner', 'pub.pem'), '--authority', idPath('authority', 'pub.pem')]);
    expect(readFileSync(`${input}.keyward`).subarray(0, 10).toString()).toBe('KEYWARD/1\n');
    ok(['decrypt', `${input}.keyward`, '--key', idPath('owner', 'pem'), '--out', join(folder, 'back.txt')]);
    expect(readFileSync(join(folder, 'back.txt'), 'utf8')).toBe('hello v1\n');
    // The identity's RSA key is the v1 key it was made from: the v1 key opens it too.
    ok(['decrypt', `${input}.keyward`, '--key', key('owner.pem'), '--out', join(folder, 'back-v1.txt')]);
  });

  it('a private identity where a public key is needed is KEY_NOT_PUBLIC, and the other way round', () => {
    const folder = sub('wrong-half');
    const input = join(folder, 'plain.txt');
    writeFileSync(input, 'x');
    fails(['encrypt', input, '--owner', idPath('owner', 'pem'), '--authority', idPath('authority', 'pub.pem')], 'KEY_NOT_PUBLIC');
    expect(listDir(folder)).toEqual(['plain.txt']);
    ok(['encrypt', input, '--owner', idPath('owner', 'pub.pem'), '--authority', idPath('authority', 'pub.pem')]);
    fails(['decrypt', `${input}.keyward`, '--key', idPath('owner', 'pub.pem'), '--out', join(folder, 'out.txt')], 'KEY_NOT_PRIVATE');
    expect(listDir(folder)).toEqual(['plain.txt', 'plain.txt.keyward', 'plain.txt.keyward-escrow.json']);
  });
});
