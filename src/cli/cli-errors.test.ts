/**
 * The `keyward` error contract, on the real built binary: exit status 1
 * (2 for usage), the first stderr line `CODE: sentence`, no stack trace,
 * and no output file (nor temporary file) left behind by a failure.
 */
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { buildCli, type CliResult, key, keyward, listDir, makeTempDir } from './test-support.ts';

let dir: string;
/** a.bin (5 chunks of 64 KiB), b.bin (1 chunk) and c.bin (2 full chunks), each encrypted with its escrow blob. */
let a: string;
let b: string;
let c: string;
let prefixSize: number;
const CHUNK = 65_536;
const SEALED_CHUNK = CHUNK + 16;

beforeAll(() => {
  buildCli();
  dir = makeTempDir('cli-errors');
  a = join(dir, 'a.bin');
  b = join(dir, 'b.bin');
  writeFileSync(a, randomBytes(4 * CHUNK + 1234));
  c = join(dir, 'c.bin');
  writeFileSync(b, randomBytes(1000));
  writeFileSync(c, randomBytes(2 * CHUNK));
  for (const input of [a, b, c]) {
    const result = keyward(['encrypt', input, '--owner', key('owner.pub.pem'), '--authority', key('authority.pub.pem'), '--chunk-size', String(CHUNK)]);
    expect(result.status).toBe(0);
  }
  prefixSize = (JSON.parse(keyward(['inspect', `${a}.keyward`]).stdout) as { headerSize: number }).headerSize;
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Asserts the error contract for a failure with `code`. */
function expectFailure(result: CliResult, code: string, status = 1): void {
  expect(result.firstLine).toMatch(new RegExp(`^${code}: \\S`));
  expect(result.status).toBe(status);
  expect(result.stdout).toBe('');
  expect(result.stderr).not.toMatch(/^\s+at /m);
}

/** A folder holding only `name` with the given bytes. */
function alone(folder: string, name: string, bytes: Uint8Array): string {
  const path = join(dir, folder);
  mkdirSync(path);
  writeFileSync(join(path, name), bytes);
  return join(path, name);
}

const ownerKeyId = () => readFileSync(`${a}.keyward-escrow.json`, 'utf8').match(/"owner":\s*\{[^}]*"keyId":\s*"([^"]+)"/)![1]!;

describe('usage errors: exit 2, USAGE: and the usage text', () => {
  it.each([
    [[]],
    [['frobnicate']],
    [['encrypt']],
    [['encrypt', 'x', '--owner', 'o']],
    [['encrypt', 'x', '--owner']],
    [['encrypt', 'x', '--owner', '--authority', 'y']],
    [['encrypt', 'x', '--owner', 'o', '--authority', 'y', '--chunk-size', '1000']],
    [['encrypt', 'x', '--owner', 'o', '--authority', 'y', '--chunk-size', '65537']],
    [['encrypt', 'x', '--owner', 'o', '--authority', 'y', '--chunk-size', '33554432']],
    [['encrypt', 'x', '--owner', 'o', '--authority', 'y', '--out', 'same', '--escrow-out', 'same']],
    [['decrypt', 'x']],
    [['decrypt', 'x', 'y', '--key', 'k']],
    [['decrypt', 'x', '--key', 'k', '--key', 'l']],
    [['decrypt', 'x', '--key', 'k', '--verbose']],
    [['decrypt', 'x', '--key', 'k', '-v']],
    [['decrypt', 'x', '--key', 'k', '--force=yes']],
    [['recover', 'x', '--escrow', 'e']],
    [['reissue', 'e', '--authority-key', 'k', '--to', 'p']],
    [['inspect']],
    [['keygen']],
    [['keygen', '--out', 'k', '--bits', '2048']],
    [['help', 'frobnicate']],
  ])('keyward %j', (args) => {
    const result = keyward(args);
    expectFailure(result, 'USAGE', 2);
    expect(result.stderr).toMatch(/\nUsage: |\n {2}keyward /);
  });
});

describe('missing files: FILE_NOT_FOUND', () => {
  it.each([
    [['decrypt', 'no-such.keyward', '--key', key('owner.pem')]],
    [['encrypt', 'no-such.txt', '--owner', key('owner.pub.pem'), '--authority', key('authority.pub.pem')]],
    [['inspect', 'no-such.keyward']],
  ])('keyward %j', (args) => {
    const result = keyward(args, { cwd: dir });
    expectFailure(result, 'FILE_NOT_FOUND');
    expect(result.firstLine).toContain('no-such');
  });

  it('names a missing key file', () => {
    const result = keyward(['decrypt', `${a}.keyward`, '--key', join(dir, 'no-key.pem'), '--out', join(dir, 'never')]);
    expectFailure(result, 'FILE_NOT_FOUND');
    expect(result.firstLine).toContain('no-key.pem');
  });

  it('refuses a folder as input with IO_ERROR', () => {
    expectFailure(keyward(['inspect', dir]), 'IO_ERROR');
  });
});

describe('a write that fails part way: IO_ERROR, nothing left behind', () => {
  // Past 64 KiB every write fails with EFBIG, as it would on a full disk.
  const limited = (args: string[]) => keyward(args, { fileSizeLimit: 65_536 });

  it('decrypt', () => {
    const out = join(dir, 'write-fails');
    mkdirSync(out);
    const result = limited(['decrypt', `${a}.keyward`, '--key', key('owner.pem'), '--out', join(out, 'a.bin')]);
    expectFailure(result, 'IO_ERROR');
    expect(result.firstLine).toContain(join(out, 'a.bin'));
    expect(listDir(out)).toEqual([]);
  });

  it('encrypt: neither the file nor its escrow blob', () => {
    const out = join(dir, 'write-fails-encrypt');
    mkdirSync(out);
    const result = limited(['encrypt', a, '--owner', key('owner.pub.pem'), '--authority', key('authority.pub.pem'), '--out', join(out, 'a.keyward')]);
    expectFailure(result, 'IO_ERROR');
    expect(listDir(out)).toEqual([]);
  });
});

describe('key errors', () => {
  const decryptWith = (keyFile: string, env: Record<string, string> = {}) =>
    keyward(['decrypt', `${a}.keyward`, '--key', keyFile, '--out', join(dir, 'never')], { env });
  const encryptFor = (owner: string, authority = key('authority.pub.pem')) =>
    keyward(['encrypt', b, '--owner', owner, '--authority', authority, '--out', join(dir, 'never.keyward')]);

  it('a public key as --key: KEY_NOT_PRIVATE', () => {
    const result = decryptWith(key('owner.pub.pem'));
    expectFailure(result, 'KEY_NOT_PRIVATE');
    expect(result.stderr).toContain('--key');
  });

  it('a private key as --owner or --authority: KEY_NOT_PUBLIC', () => {
    expectFailure(encryptFor(key('owner.pem')), 'KEY_NOT_PUBLIC');
    const result = encryptFor(key('owner.pub.pem'), key('authority.pem'));
    expectFailure(result, 'KEY_NOT_PUBLIC');
    expect(result.stderr).toContain('--authority');
  });

  it('a 1024-bit key: KEY_TOO_WEAK', () => {
    expectFailure(decryptWith(key('weak-1024.pem')), 'KEY_TOO_WEAK');
    expectFailure(encryptFor(key('weak-1024.pub.pem')), 'KEY_TOO_WEAK');
  });

  it('an EC key: KEY_UNSUPPORTED; not a key: KEY_UNREADABLE', () => {
    expectFailure(decryptWith(key('ec-p256.pem')), 'KEY_UNSUPPORTED');
    expectFailure(encryptFor(b), 'KEY_UNREADABLE');
  });

  it('an encrypted key without a passphrase and no terminal: PASSPHRASE_REQUIRED', () => {
    expectFailure(decryptWith(key('owner-encrypted.pem')), 'PASSPHRASE_REQUIRED');
  });

  it('a wrong passphrase: PASSPHRASE_WRONG', () => {
    expectFailure(decryptWith(key('owner-encrypted.pem'), { KEYWARD_PASSPHRASE: 'wrong horse' }), 'PASSPHRASE_WRONG');
  });

  it('keygen --passphrase with no passphrase and no terminal: PASSPHRASE_REQUIRED, no files', () => {
    const folder = join(dir, 'keygen-no-passphrase');
    mkdirSync(folder);
    expectFailure(keyward(['keygen', '--out', join(folder, 'k'), '--passphrase']), 'PASSPHRASE_REQUIRED');
    expect(listDir(folder)).toEqual([]);
  });

  it("a key the file is not for: NO_MATCHING_KEY naming the file's key IDs", () => {
    const result = decryptWith(key('stranger.pem'));
    expectFailure(result, 'NO_MATCHING_KEY');
    expect(result.firstLine).toContain(ownerKeyId());
  });
});

describe('damaged files: nothing is written', () => {
  const original = () => readFileSync(`${a}.keyward`);

  /** Decrypts a damaged copy alone in its folder, and checks the folder still holds only that copy. */
  function decryptDamaged(folder: string, bytes: Uint8Array, code: string): CliResult {
    const path = alone(folder, 'a.bin.keyward', bytes);
    const result = keyward(['decrypt', path, '--key', key('owner.pem')]);
    expectFailure(result, code);
    expect(listDir(join(dir, folder))).toEqual(['a.bin.keyward']);
    return result;
  }

  it('a changed byte in chunk 2: CHUNK_TAMPERED (chunk 2), no output and no temporary file', () => {
    const bytes = original();
    bytes[prefixSize + 2 * SEALED_CHUNK + 100]! ^= 0x01;
    const result = decryptDamaged('tampered', bytes, 'CHUNK_TAMPERED');
    expect(result.firstLine).toContain('chunk 2');
  });

  it('a changed byte in the last chunk: CHUNK_TAMPERED', () => {
    const bytes = original();
    bytes[bytes.length - 1]! ^= 0x80;
    decryptDamaged('tampered-last', bytes, 'CHUNK_TAMPERED');
  });

  it('cut after a full chunk: TRUNCATED', () => {
    decryptDamaged('truncated', original().subarray(0, prefixSize + 3 * SEALED_CHUNK), 'TRUNCATED');
  });

  it('cut inside the header: TRUNCATED (spec §3)', () => {
    decryptDamaged('cut-header', original().subarray(0, prefixSize - 40), 'TRUNCATED');
  });

  it('bytes appended after a full last chunk: TRAILING_DATA', () => {
    decryptDamaged('trailing', Buffer.concat([readFileSync(`${c}.keyward`), randomBytes(100)]), 'TRAILING_DATA');
  });

  it('bytes appended after a short last chunk: CHUNK_TAMPERED (the chunk no longer ends where it did)', () => {
    decryptDamaged('appended', Buffer.concat([original(), randomBytes(100)]), 'CHUNK_TAMPERED');
  });

  it('a changed header field: HEADER_TAMPERED', () => {
    const bytes = original();
    const at = bytes.indexOf('"fileId":"') + '"fileId":"'.length;
    bytes[at] = bytes[at] === 0x41 ? 0x42 : 0x41;
    decryptDamaged('header', bytes, 'HEADER_TAMPERED');
  });

  it('not a Keyward file: NOT_KEYWARD (decrypt and inspect)', () => {
    decryptDamaged('plain', Buffer.from('just some text\n'), 'NOT_KEYWARD');
    expectFailure(keyward(['inspect', a]), 'NOT_KEYWARD');
  });

  it('a newer format version: UNSUPPORTED_VERSION', () => {
    const bytes = original();
    bytes[8] = 0x33; // "KEYWARD/3\n" (KEYWARD/2 is format v2 now)
    decryptDamaged('version', bytes, 'UNSUPPORTED_VERSION');
  });

  it('with --out: the named output is not created either', () => {
    const bytes = original();
    bytes[prefixSize + 10]! ^= 0xff;
    const path = alone('tampered-out', 'x.keyward', bytes);
    expectFailure(keyward(['decrypt', path, '--key', key('owner.pem'), '--out', join(dir, 'tampered-out', 'plain.bin')]), 'CHUNK_TAMPERED');
    expect(listDir(join(dir, 'tampered-out'))).toEqual(['x.keyward']);
  });
});

describe('blob errors', () => {
  const escrowOf = (input: string) => `${input}.keyward-escrow.json`;
  const recover = (file: string, escrow: string, out = join(dir, 'never')) =>
    keyward(['recover', file, '--escrow', escrow, '--authority-key', key('authority.pem'), '--out', out]);

  it("another file's escrow blob: BLOB_MISMATCH", () => {
    expectFailure(recover(`${a}.keyward`, escrowOf(b)), 'BLOB_MISMATCH');
  });

  it("another file's recovery blob: BLOB_MISMATCH", () => {
    const recovery = join(dir, 'b-recovery.json');
    keyward(['reissue', escrowOf(b), '--authority-key', key('authority.pem'), '--to', key('new-owner.pub.pem'), '--out', recovery]);
    const result = keyward(['decrypt', `${a}.keyward`, '--key', key('new-owner.pem'), '--recovery', recovery, '--out', join(dir, 'never')]);
    expectFailure(result, 'BLOB_MISMATCH');
  });

  it('an altered escrow blob: BLOB_TAMPERED (recover and reissue)', () => {
    const blob = JSON.parse(readFileSync(escrowOf(a), 'utf8')) as { description: string };
    blob.description = 'changed by someone';
    const path = join(dir, 'altered-escrow.json');
    writeFileSync(path, JSON.stringify(blob));
    expectFailure(recover(`${a}.keyward`, path), 'BLOB_TAMPERED');
    const out = join(dir, 'never.json');
    expectFailure(keyward(['reissue', path, '--authority-key', key('authority.pem'), '--to', key('new-owner.pub.pem'), '--out', out]), 'BLOB_TAMPERED');
  });

  it('the wrong authority key: NO_MATCHING_KEY', () => {
    const result = keyward(['recover', `${a}.keyward`, '--escrow', escrowOf(a), '--authority-key', key('stranger.pem'), '--out', join(dir, 'never')]);
    expectFailure(result, 'NO_MATCHING_KEY');
  });

  it('a recovery blob where an escrow blob is needed, and broken JSON: MALFORMED', () => {
    const recovery = join(dir, 'a-recovery.json');
    keyward(['reissue', escrowOf(a), '--authority-key', key('authority.pem'), '--to', key('new-owner.pub.pem'), '--out', recovery]);
    expectFailure(recover(`${a}.keyward`, recovery), 'MALFORMED');
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{"format": "keyward-escrow/1",');
    expectFailure(keyward(['inspect', broken]), 'MALFORMED');
    expectFailure(recover(`${a}.keyward`, broken), 'MALFORMED');
  });
});

describe('stack traces', () => {
  it('are shown only with KEYWARD_DEBUG=1', () => {
    const args = ['decrypt', `${a}.keyward`, '--key', key('stranger.pem'), '--out', join(dir, 'never')];
    expect(keyward(args).stderr).not.toMatch(/\n\s+at /);
    const debug = keyward(args, { env: { KEYWARD_DEBUG: '1' } });
    expect(debug.firstLine).toMatch(/^NO_MATCHING_KEY: /);
    expect(debug.stderr).toMatch(/\n\s+at /);
  });
});

describe('output that exists', () => {
  it('decrypt --out onto an existing file: OUTPUT_EXISTS before any work', () => {
    const target = join(dir, 'exists.bin');
    copyFileSync(b, target);
    expectFailure(keyward(['decrypt', `${a}.keyward`, '--key', key('owner.pem'), '--out', target]), 'OUTPUT_EXISTS');
    expect(readFileSync(target)).toEqual(readFileSync(b));
  });
});
