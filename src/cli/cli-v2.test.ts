/**
 * The v2 command line (keyward-v2-requirements.md "The CLI contract"), on the
 * real built binary: identities from keygen, `id`, key files that take a v1
 * key or an identity, signed files (`encrypt --sign`, `verify`, `decrypt
 * --signer`), `escrow check` and receipts, signed recovery (`reissue`,
 * `decrypt --trust`), `recover` of a v2 blob, and the attacks v2 exists for:
 * forged and evading escrow blobs, a payload rewritten by a file-key holder,
 * a recovery blob from an identity nobody pinned.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import {
  type PrivateIdentity,
  b64u,
  canonicalJson,
  concat,
  deriveFileKeys,
  exportPrivateIdentity,
  exportPublicIdentity,
  identityFromKeyPair,
  importPrivateIdentity,
  importPrivateKey,
  importPublicIdentity,
  importPublicKey,
  parseHeader,
  parseSignedObject,
  sealPieces,
  signAs,
  unwrapFileKey,
  utf8,
  verifyReceipt,
  wrapFileKey,
  fromB64u,
} from '../core/index.ts';
import { throughPieces } from '../core/test-support.ts';
import { type CliResult, buildCli, key, keyward, listDir, sha256File, tempDirForFile } from './test-support.ts';

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

describe('help', () => {
  it.each([['help', 'escrow'], ['verify', '--help'], ['id', '-h'], ['escrow', 'check', '--help']])('keyward %s prints usage', (...args) => {
    expect(ok(args).stdout).toMatch(/^Usage: keyward /);
  });

  it('lists the v2 commands', () => {
    const { stdout } = ok(['--help']);
    for (const command of ['keyward id', 'keyward verify', 'keyward escrow check', '--sign', '--trust', '--signer']) expect(stdout).toContain(command);
    for (const code of ['SIGNATURE_INVALID', 'SIGNER_UNTRUSTED', 'ESCROW_INVALID']) expect(stdout).toContain(code);
  });
});

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
    // The name is the default owner name of the escrow blobs that identity signs.
    const input = join(sub('keygen-name-encrypt'), 'x.txt');
    writeFileSync(input, 'x');
    ok(['encrypt', input, '--owner', `${prefix}.pub.pem`, '--sign', `${prefix}.pem`, '--authority', idPath('authority', 'pub.pem')]);
    expect(readJson(`${input}.keyward-escrow.json`)).toMatchObject({ owner: { name: 'Ada "the" Lovelace', id: made.id } });
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

  it('refuses a damaged council file, a damaged identity and a missing file', () => {
    const folder = sub('id-refused');
    const council = join(folder, 'council.json');
    // §8.1: 1 ≤ n (cli-council.test.ts runs id on good councils).
    writeFileSync(council, JSON.stringify({ format: 'keyward-council/2', name: 'Board', threshold: 2, members: [] }));
    fails(['id', council], 'MALFORMED');
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

/** A signed file of 3 chunks and its v2 escrow blob, owner and authority both identities. */
function encryptSigned(folder: string, name: string, extra: readonly string[] = []): { input: string; file: string; blob: string; sha: string } {
  const input = join(folder, name);
  writeFileSync(input, randomBytes(2 * 65_536 + 777));
  const args = ['encrypt', input, '--owner', idPath('owner', 'pub.pem'), '--sign', idPath('owner', 'pem')];
  ok([...args, '--authority', idPath('authority', 'pub.pem'), '--chunk-size', '65536', '--owner-name', 'Ada', ...extra]);
  return { input, file: `${input}.keyward`, blob: `${input}.keyward-escrow.json`, sha: '' };
}

type Json = Record<string, unknown>;
const readJson = (path: string): Json => JSON.parse(readFileSync(path, 'utf8')) as Json;

/** Re-signs a blob (without its signature) as `signer` would, for `context`. */
async function signed(blob: Json, signer: PrivateIdentity, context: 'keyward/v2 escrow' | 'keyward/v2 recovery'): Promise<Json> {
  const body = withoutSignature(blob);
  return { ...body, signature: b64u(await signAs(signer, context, utf8(canonicalJson(body)))) };
}

function withoutSignature(blob: Json): Json {
  return Object.fromEntries(Object.entries(blob).filter(([name]) => name !== 'signature'));
}

function partyOf(identity: PrivateIdentity): Json {
  return { id: identity.id, publicKey: b64u(identity.rsaSpki), signingKey: b64u(identity.ed25519Spki) };
}

/** What a file-key holder (here with the owner's RSA key) can do: seal other bytes of the same size under the same header. */
async function rewritePayload(file: string, out: string): Promise<void> {
  const bytes = readFileSync(file);
  const parsed = parseHeader(bytes);
  const fileKey = await unwrapFileKey(fromB64u(parsed.header.recipients[0]!.wrappedKey), identity('owner').encryption.privateKey);
  const { payloadKey } = await deriveFileKeys(fileKey, parsed.salt);
  const size = 2 * 65_536 + 777;
  const forged = new Uint8Array(randomBytes(size));
  const payload = await throughPieces(sealPieces(payloadKey, 65_536, size), forged, [size]);
  // The old signature stays at the end: the header still names the owner.
  writeFileSync(out, concat(bytes.subarray(0, parsed.prefixSize), payload, bytes.subarray(bytes.length - 64)));
}

describe('signed files: encrypt --sign, verify, decrypt --signer', () => {
  let folder = '';
  let made: ReturnType<typeof encryptSigned>;
  beforeAll(async () => {
    folder = sub('signed');
    made = encryptSigned(folder, 'report.bin');
    made.sha = await sha256File(made.input);
  });

  it('encrypt --sign writes a format 2 file and a signed escrow blob, and names the signer', () => {
    expect(readFileSync(made.file).subarray(0, 10).toString()).toBe('KEYWARD/2\n');
    const blob = readJson(made.blob);
    expect(blob).toMatchObject({ format: 'keyward-escrow/2', owner: { name: 'Ada', id: identity('owner').id }, authority: { kind: 'identity', id: identity('authority').id } });
    // Written canonical, with one newline (§1).
    expect(readFileSync(made.blob, 'utf8')).toBe(`${canonicalJson(blob)}\n`);
    const inspected = JSON.parse(ok(['inspect', made.file]).stdout) as Json;
    expect(inspected.signer).toBe(identity('owner').id);
    const blobSummary = ok(['inspect', made.blob]).stdout;
    expect(JSON.parse(blobSummary)).toMatchObject({ format: 'keyward-escrow/2', signer: identity('owner').id });
    expect(blobSummary).not.toMatch(/wrappedKey|"prefix"|"signature"|fileSignature/);
  });

  it('verify --signer: exit 0 and one line naming the signer', () => {
    const { stdout } = ok(['verify', made.file, '--signer', idPath('owner', 'pub.pem')]);
    expect(stdout.split('\n')).toEqual([expect.stringMatching(new RegExp(`^signed by ${identity('owner').id}  .*report\\.bin\\.keyward  \\(serial KW-`)), '']);
    // Without --signer, the file's own signer is checked and printed.
    expect(ok(['verify', made.file]).stdout).toMatch(new RegExp(`^signed by ${identity('owner').id}`));
  });

  it('verify: another signer is SIGNER_UNTRUSTED, a v1 key cannot be a signer, a v1 file is unsigned', () => {
    fails(['verify', made.file, '--signer', idPath('stranger', 'pub.pem')], 'SIGNER_UNTRUSTED');
    expect(fails(['verify', made.file, '--signer', key('owner.pub.pem')], 'KEY_UNSUPPORTED').stderr).toMatch(/--signer needs an identity/);
    const v1 = join(folder, 'old.txt');
    writeFileSync(v1, 'v1');
    ok(['encrypt', v1, '--owner', key('owner.pub.pem'), '--authority', key('authority.pub.pem')]);
    fails(['verify', `${v1}.keyward`, '--signer', idPath('owner', 'pub.pem')], 'SIGNER_UNTRUSTED');
    expect(ok(['verify', `${v1}.keyward`]).stdout).toMatch(/^unsigned \(v1\) {2}/);
  });

  it("decrypt --signer: the owner's file opens; another expected signer is SIGNER_UNTRUSTED with no output", async () => {
    const out = join(folder, 'back.bin');
    const { stdout } = ok(['decrypt', made.file, '--key', idPath('owner', 'pem'), '--signer', idPath('owner', 'pub.pem'), '--out', out]);
    expect(await sha256File(out)).toBe(made.sha);
    expect(stdout).toContain(`signed by   ${identity('owner').id}`);
    const refused = join(folder, 'refused.bin');
    fails(['decrypt', made.file, '--key', idPath('owner', 'pem'), '--signer', idPath('stranger', 'pub.pem'), '--out', refused], 'SIGNER_UNTRUSTED');
    expect(existsSync(refused)).toBe(false);
  });

  it('attack: a payload rewritten by a file-key holder is SIGNATURE_INVALID for verify and decrypt, and nothing is written', async () => {
    const forged = join(folder, 'forged.keyward');
    await rewritePayload(made.file, forged);
    // The rewrite itself is sound: the same key opens every chunk, only the signature tells.
    fails(['verify', forged, '--signer', idPath('owner', 'pub.pem')], 'SIGNATURE_INVALID');
    fails(['verify', forged], 'SIGNATURE_INVALID');
    const out = join(folder, 'forged-out.bin');
    fails(['decrypt', forged, '--key', idPath('owner', 'pem'), '--signer', idPath('owner', 'pub.pem'), '--out', out], 'SIGNATURE_INVALID');
    fails(['decrypt', forged, '--key', idPath('owner', 'pem'), '--out', out], 'SIGNATURE_INVALID');
    expect(listDir(folder).filter((name) => name.startsWith('forged-out') || name.includes('partial'))).toEqual([]);
  });

  it('--sign must be the private identity of --owner, and an identity', () => {
    const mine = sub('sign-mismatch');
    const input = join(mine, 'x.txt');
    writeFileSync(input, 'x');
    const mismatch = keyward(['encrypt', input, '--owner', idPath('owner', 'pub.pem'), '--sign', idPath('stranger', 'pem'), '--authority', idPath('authority', 'pub.pem')]);
    expect(mismatch.firstLine).toMatch(/^USAGE: --sign is not the private identity of --owner/);
    expect(mismatch.status).toBe(2);
    expect(fails(['encrypt', input, '--owner', key('owner.pub.pem'), '--sign', key('owner.pem'), '--authority', idPath('authority', 'pub.pem')], 'KEY_UNSUPPORTED').stderr).toMatch(/--sign needs an identity/);
    expect(listDir(mine)).toEqual(['x.txt']);
  });

  it('--sign with a v1 authority key: a signed file and a v1 escrow blob', () => {
    const mine = sub('sign-v1-authority');
    const input = join(mine, 'x.txt');
    writeFileSync(input, 'x');
    ok(['encrypt', input, '--owner', idPath('owner', 'pub.pem'), '--sign', idPath('owner', 'pem'), '--authority', key('authority.pub.pem')]);
    expect(readFileSync(`${input}.keyward`).subarray(0, 10).toString()).toBe('KEYWARD/2\n');
    expect(readJson(`${input}.keyward-escrow.json`).format).toBe('keyward-escrow/1');
    ok(['verify', `${input}.keyward`, '--signer', idPath('owner', 'pub.pem')]);
  });

  it('a council file where a key is expected is refused', () => {
    const mine = sub('council');
    const input = join(mine, 'x.txt');
    writeFileSync(input, 'x');
    const council = join(mine, 'board.json');
    writeFileSync(council, JSON.stringify({ format: 'keyward-council/2', threshold: 2, members: [] }));
    fails(['encrypt', input, '--owner', council, '--sign', idPath('owner', 'pem'), '--authority', idPath('authority', 'pub.pem')], 'KEY_UNSUPPORTED');
    expect(listDir(mine)).toEqual(['board.json', 'x.txt']);
  });
});

describe('escrow check', () => {
  let folder = '';
  let good: ReturnType<typeof encryptSigned>;
  let v1Blob = '';
  beforeAll(() => {
    folder = sub('escrow-check');
    good = encryptSigned(folder, 'good.bin');
    const v1 = join(folder, 'old.txt');
    writeFileSync(v1, 'v1');
    ok(['encrypt', v1, '--owner', key('owner.pub.pem'), '--authority', key('authority.pub.pem')]);
    v1Blob = `${v1}.keyward-escrow.json`;
  });

  const check = (blobs: readonly string[], extra: readonly string[] = []) =>
    keyward(['escrow', 'check', ...blobs, '--authority-key', idPath('authority', 'pem'), ...extra]);

  it('a good blob: GOOD file SERIAL from OWNER-ID, and a receipt the owner can verify', async () => {
    const receipts = sub('receipts');
    const result = check([good.blob], ['--receipt-out', receipts]);
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
    const blob = readJson(good.blob);
    const receiptPath = join(receipts, 'good.bin.keyward-receipt.json');
    expect(result.stdout).toBe(`GOOD file ${String(blob.serial)} from ${identity('owner').id}  ${good.blob}  receipt ${receiptPath}\n`);
    const receipt = parseSignedObject(readFileSync(receiptPath, 'utf8'));
    const escrow = parseSignedObject(readFileSync(good.blob, 'utf8'));
    if (receipt.kind !== 'receipt' || escrow.kind !== 'escrow-v2') throw new Error('not a receipt and a v2 escrow blob');
    await verifyReceipt(receipt.receipt, escrow.blob);
    expect(receipt.receipt.authority.id).toBe(identity('authority').id);
    const shown = ok(['inspect', receiptPath]).stdout;
    expect(JSON.parse(shown)).toMatchObject({ format: 'keyward-receipt/2', signer: identity('authority').id, authority: { id: identity('authority').id } });
    expect(shown).not.toMatch(/"signature"|publicKey|signingKey/);
    // An existing receipt is not replaced without --force.
    const again = check([good.blob], ['--receipt-out', receipts]);
    expect(again.firstLine).toMatch(/^OUTPUT_EXISTS: /);
    expect(again.status).toBe(1);
    expect(check([good.blob], ['--receipt-out', receipts, '--force']).status).toBe(0);
  });

  it('a v1 blob fails the run (it cannot be checked against its file) unless --accept-v1 takes it on its MAC check', () => {
    const refused = check([good.blob, v1Blob]);
    expect(refused.status).toBe(1);
    expect(refused.firstLine).toMatch(/^SIGNER_UNTRUSTED: /);
    expect(refused.stdout.trimEnd().split('\n')[1]).toMatch(/^SIGNER_UNTRUSTED: .*old\.txt\.keyward-escrow\.json: .*format 1 blob is unsigned/);
    const result = check([good.blob, v1Blob], ['--accept-v1']);
    expect(result.status).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^GOOD file /);
    expect(lines[1]).toMatch(/^unsigned \(v1\) file KW-[^ ]+ from SHA256:[0-9a-f]{64} {2}.*old\.txt\.keyward-escrow\.json {2}\(MAC checked/);
    // A damaged v1 blob fails its MAC check.
    const damaged = join(folder, 'damaged-v1.json');
    const text = readFileSync(v1Blob, 'utf8').replace(/"description":\s*""/, '"description": "changed"');
    writeFileSync(damaged, text);
    expect(check([damaged], ['--accept-v1']).firstLine).toMatch(/^BLOB_TAMPERED: /);
  });

  it('attack: forged and evading blobs are refused, one line each, and get no receipt', async () => {
    const real = readJson(good.blob);
    const owner = identity('owner');
    const stranger = identity('stranger');
    // Real public fields, a random file key wrapped for the authority (anyone can do that with its public key).
    const randomWrapped = b64u(await wrapFileKey(new Uint8Array(randomBytes(32)), identity('authority').encryption.publicKey));
    const forgedBody: Json = { ...real, wrappedKey: randomWrapped };
    const forgeries: [string, Json, string][] = [
      ['resigned-by-stranger', await signed(forgedBody, stranger, 'keyward/v2 escrow'), 'SIGNATURE_INVALID'],
      ['stranger-as-owner', await signed({ ...forgedBody, owner: { name: 'Ada', ...partyOf(stranger) } }, stranger, 'keyward/v2 escrow'), 'SIGNER_UNTRUSTED'],
      ['unsigned', withoutSignature(forgedBody), 'MALFORMED'],
      ['old-signature', forgedBody, 'SIGNATURE_INVALID'],
      // The owner dodging escrow: a blob the owner signed, whose key is not the file's.
      ['evading-owner', await signed(forgedBody, owner, 'keyward/v2 escrow'), 'ESCROW_INVALID'],
    ];
    const receipts = sub('no-receipts');
    const paths = forgeries.map(([name, blob]) => {
      const path = join(folder, `${name}.keyward-escrow.json`);
      writeFileSync(path, JSON.stringify(blob));
      return path;
    });
    const result = check([good.blob, ...paths], ['--receipt-out', receipts]);
    expect(result.status).toBe(1);
    expect(result.firstLine).toMatch(new RegExp(`^${forgeries[0]![2]}: `));
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1 + forgeries.length);
    expect(lines[0]).toMatch(/^GOOD file /);
    forgeries.forEach(([, , code], i) => {
      expect(lines[i + 1]).toMatch(new RegExp(`^${code}: ${paths[i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: \\S`));
    });
    expect(listDir(receipts)).toEqual(['good.bin.keyward-receipt.json']);
  });

  it('a blob for another authority is NO_MATCHING_KEY, naming its authority', () => {
    const result = keyward(['escrow', 'check', good.blob, '--authority-key', idPath('stranger', 'pem')]);
    expect(result.firstLine).toMatch(/^NO_MATCHING_KEY: /);
    expect(result.stdout).toContain(identity('authority').id);
    // A v1 key is never the authority of a v2 blob.
    expect(keyward(['escrow', 'check', good.blob, '--authority-key', key('authority.pem')]).firstLine).toMatch(/^NO_MATCHING_KEY: /);
  });

  it('a council blob with no members (§8.1: n ≥ 1) is MALFORMED (cli-council.test.ts checks good ones)', () => {
    const real = readJson(good.blob);
    const council = join(folder, 'council.keyward-escrow.json');
    writeFileSync(council, JSON.stringify({ ...real, authority: { kind: 'council', name: 'Board', id: identity('authority').id, threshold: 2, members: [] } }));
    const result = check([council]);
    expect(result.firstLine).toMatch(/^MALFORMED: /);
    expect(result.stdout).toMatch(/^MALFORMED: .*council\.keyward-escrow\.json: /);
  });

  it('a missing --receipt-out folder fails before any blob is checked', () => {
    const result = check([good.blob], ['--receipt-out', join(folder, 'no-such-folder')]);
    expect(result.firstLine).toMatch(/^FILE_NOT_FOUND: Cannot write .*no-such-folder/);
    expect(result.stdout).toBe('');
  });

  it('only "check", and at least one blob', () => {
    expect(keyward(['escrow', 'list', good.blob, '--authority-key', idPath('authority', 'pem')]).status).toBe(2);
    expect(keyward(['escrow', 'check', '--authority-key', idPath('authority', 'pem')]).status).toBe(2);
  });
});

describe('signed recovery: reissue, decrypt --trust, recover', () => {
  let folder = '';
  let made: ReturnType<typeof encryptSigned>;
  beforeAll(async () => {
    folder = sub('recovery-v2');
    made = encryptSigned(folder, 'lost.bin');
    made.sha = await sha256File(made.input);
  });

  const reissue = (blob: string, out: string, authorityKey = idPath('authority', 'pem'), to = idPath('new-owner', 'pub.pem')) =>
    keyward(['reissue', blob, '--authority-key', authorityKey, '--to', to, '--out', out]);

  it('reissue writes a signed recovery blob that opens the file only with --trust naming its issuer', async () => {
    const recovery = join(folder, 'recovery.json');
    const issued = reissue(made.blob, recovery);
    expect(issued.status).toBe(0);
    expect(issued.stdout).toContain(`signed by   ${identity('authority').id}`);
    expect(readJson(recovery)).toMatchObject({ format: 'keyward-recovery/2', owner: { name: 'Ada', id: identity('new-owner').id }, issuer: { id: identity('authority').id } });
    const shown = ok(['inspect', recovery]).stdout;
    expect(JSON.parse(shown)).toMatchObject({ format: 'keyward-recovery/2', signer: identity('authority').id, issuer: { kind: 'identity', id: identity('authority').id } });
    expect(shown).not.toMatch(/wrappedKey|"signature"|publicKey|signingKey/);
    const out = join(folder, 'by-new-owner.bin');
    const decrypt = ['decrypt', made.file, '--key', idPath('new-owner', 'pem'), '--recovery', recovery, '--out', out];
    fails(decrypt, 'SIGNER_UNTRUSTED');
    fails([...decrypt, '--trust', idPath('stranger', 'pub.pem')], 'SIGNER_UNTRUSTED');
    expect(existsSync(out)).toBe(false);
    const opened = ok([...decrypt, '--trust', idPath('authority', 'pub.pem'), '--signer', idPath('owner', 'pub.pem')]);
    expect(await sha256File(out)).toBe(made.sha);
    expect(opened.stdout).toContain(`issued by ${identity('authority').id}`);
  });

  it('attack: a recovery blob issued by an identity nobody pinned is refused, with no output', () => {
    // The stranger really is this file's authority, and issues a valid recovery blob; the owner pinned someone else.
    const mine = sub('recovery-unpinned');
    const input = join(mine, 'f.bin');
    writeFileSync(input, randomBytes(1000));
    ok(['encrypt', input, '--owner', idPath('owner', 'pub.pem'), '--sign', idPath('owner', 'pem'), '--authority', idPath('stranger', 'pub.pem')]);
    const recovery = join(mine, 'rec.json');
    expect(reissue(`${input}.keyward-escrow.json`, recovery, idPath('stranger', 'pem')).status).toBe(0);
    const out = join(mine, 'out.bin');
    fails(['decrypt', `${input}.keyward`, '--key', idPath('new-owner', 'pem'), '--recovery', recovery, '--trust', idPath('authority', 'pub.pem'), '--out', out], 'SIGNER_UNTRUSTED');
    expect(listDir(mine)).toEqual(['f.bin', 'f.bin.keyward', 'f.bin.keyward-escrow.json', 'rec.json']);
  });

  it("attack: a recovery blob in the authority's name signed by someone else is SIGNATURE_INVALID", async () => {
    const recovery = join(folder, 'genuine.json');
    expect(reissue(made.blob, recovery).status).toBe(0);
    const forged = join(folder, 'forged-recovery.json');
    writeFileSync(forged, JSON.stringify(await signed(readJson(recovery), identity('stranger'), 'keyward/v2 recovery')));
    const out = join(folder, 'never.bin');
    fails(['decrypt', made.file, '--key', idPath('new-owner', 'pem'), '--recovery', forged, '--trust', idPath('authority', 'pub.pem'), '--out', out], 'SIGNATURE_INVALID');
    expect(existsSync(out)).toBe(false);
  });

  it('a v1 recovery blob is refused with --trust, and still opens without it', () => {
    const mine = sub('recovery-v1');
    const input = join(mine, 'old.txt');
    writeFileSync(input, 'old');
    ok(['encrypt', input, '--owner', key('owner.pub.pem'), '--authority', key('authority.pub.pem')]);
    const recovery = join(mine, 'rec.json');
    expect(reissue(`${input}.keyward-escrow.json`, recovery, key('authority.pem'), key('new-owner.pub.pem')).status).toBe(0);
    const decrypt = ['decrypt', `${input}.keyward`, '--key', key('new-owner.pem'), '--recovery', recovery, '--out', join(mine, 'out.txt')];
    fails([...decrypt, '--trust', idPath('authority', 'pub.pem')], 'SIGNER_UNTRUSTED');
    ok(decrypt);
    expect(readFileSync(join(mine, 'out.txt'), 'utf8')).toBe('old');
  });

  it('reissue refuses a v1 key as the new owner of a signed recovery blob, and a forged blob', async () => {
    const out = join(folder, 'not-issued.json');
    expect(reissue(made.blob, out, idPath('authority', 'pem'), key('new-owner.pub.pem')).firstLine).toMatch(/^KEY_UNSUPPORTED: .*--to needs an identity|^KEY_UNSUPPORTED: /);
    const evading = join(folder, 'evading.keyward-escrow.json');
    const body = { ...readJson(made.blob), wrappedKey: b64u(await wrapFileKey(new Uint8Array(randomBytes(32)), identity('authority').encryption.publicKey)) };
    writeFileSync(evading, JSON.stringify(await signed(body, identity('owner'), 'keyward/v2 escrow')));
    expect(reissue(evading, out).firstLine).toMatch(/^ESCROW_INVALID: /);
    expect(existsSync(out)).toBe(false);
  });

  it('recover: checks a v2 blob fully, then opens the file its owner signed', async () => {
    const out = join(folder, 'recovered.bin');
    ok(['recover', made.file, '--escrow', made.blob, '--authority-key', idPath('authority', 'pem'), '--out', out]);
    expect(await sha256File(out)).toBe(made.sha);
    // An evading blob is ESCROW_INVALID (blaming the blob), a rewritten payload SIGNATURE_INVALID; neither writes.
    const evading = join(folder, 'evading2.keyward-escrow.json');
    const body = { ...readJson(made.blob), wrappedKey: b64u(await wrapFileKey(new Uint8Array(randomBytes(32)), identity('authority').encryption.publicKey)) };
    writeFileSync(evading, JSON.stringify(await signed(body, identity('owner'), 'keyward/v2 escrow')));
    const never = join(folder, 'never-recovered.bin');
    fails(['recover', made.file, '--escrow', evading, '--authority-key', idPath('authority', 'pem'), '--out', never], 'ESCROW_INVALID');
    const rewritten = join(folder, 'rewritten.keyward');
    await rewritePayload(made.file, rewritten);
    fails(['recover', rewritten, '--escrow', made.blob, '--authority-key', idPath('authority', 'pem'), '--out', never], 'SIGNATURE_INVALID');
    expect(existsSync(never)).toBe(false);
  });
});
