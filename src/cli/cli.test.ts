/**
 * The `keyward` command line, end to end: the real built binary, run as a
 * child process on real files. Each command's happy path and its contract
 * (output names, no overwrite, file modes, what inspect shows).
 */
import { readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import {
  type KeyBlob,
  hasUnsafeNameChar,
  importPrivateIdentity,
  importPrivateKey,
  importPublicIdentity,
  importPublicKey,
  openFile,
  parseBlob,
  streamFromBytes,
} from '../core/index.ts';
import { buildCli, key, keyward, listDir, sha256File, tempDirForFile } from './test-support.ts';

const PASSPHRASE = readFileSync(key('owner-encrypted.passphrase.txt'), 'utf8').trim();

beforeAll(() => {
  buildCli();
});
const temp = tempDirForFile('cli');
const { sub } = temp;

function ok(args: readonly string[], env: Record<string, string> = {}) {
  const result = keyward(args, { env });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return result;
}

function encryptArgs(file: string, owner = 'owner.pub.pem'): string[] {
  return ['encrypt', file, '--owner', key(owner), '--authority', key('authority.pub.pem')];
}

const readBlob = (path: string): KeyBlob => parseBlob(readFileSync(path, 'utf8'));
const keyIdOfPub = async (path: string) => (await importPublicKey(readFileSync(path, 'utf8'))).keyId;

describe('help and version', () => {
  it.each([['--help'], ['-h'], ['help'], ['help', 'encrypt'], ['decrypt', '--help'], ['reissue', '-h'], ['inspect', '--help']])(
    'keyward %s prints usage on stdout and exits 0',
    (...args) => {
      const result = ok(args);
      expect(result.stdout).toMatch(/Usage/);
    },
  );

  it('documents exit statuses and the CLI error codes', () => {
    const { stdout } = ok(['--help']);
    for (const code of ['USAGE', 'FILE_NOT_FOUND', 'OUTPUT_EXISTS', 'IO_ERROR', 'CHUNK_TAMPERED', 'PASSPHRASE_REQUIRED']) expect(stdout).toContain(code);
    expect(stdout).toMatch(/Exit status: 0 success, 1 failure, 2 usage error/);
  });

  it('prints the version', () => {
    expect(ok(['--version']).stdout).toMatch(/^keyward \d+\.\d+\.\d+/);
  });
});

describe('keygen', () => {
  it('writes NAME.pem (private identity, mode 0600) and NAME.pub.pem (public identity) and prints the identity ID', async () => {
    const prefix = join(sub('keygen'), 'alice');
    const { stdout } = ok(['keygen', '--out', prefix]);
    const privateText = readFileSync(`${prefix}.pem`, 'utf8');
    const publicText = readFileSync(`${prefix}.pub.pem`, 'utf8');
    expect(privateText).toMatch(/^-----BEGIN PRIVATE KEY-----\n[^]*-----END PRIVATE KEY-----\n-----BEGIN PRIVATE KEY-----\n[^]*-----END PRIVATE KEY-----\n$/);
    expect(publicText).toMatch(/^-----BEGIN PUBLIC KEY-----\n[^]*-----END PUBLIC KEY-----\n-----BEGIN PUBLIC KEY-----\n[^]*-----END PUBLIC KEY-----\n$/);
    expect(statSync(`${prefix}.pem`).mode & 0o777).toBe(0o600);
    const identity = await importPrivateIdentity(privateText);
    expect(identity.encryption.modulusBits).toBe(3072);
    expect((await importPublicIdentity(publicText)).id).toBe(identity.id);
    expect(stdout).toContain(`identity ID       ${identity.id}`);
    expect(stdout).toContain(`RSA key ID        ${identity.encryption.keyId}`);
  });

  it('refuses to overwrite without --force, and replaces with it', () => {
    const prefix = join(sub('keygen-again'), 'bob');
    ok(['keygen', '--out', prefix]);
    const before = readFileSync(`${prefix}.pem`, 'utf8');
    const again = keyward(['keygen', '--out', prefix]);
    expect(again.status).toBe(1);
    expect(again.firstLine).toMatch(/^OUTPUT_EXISTS: .*bob\.pem/);
    expect(readFileSync(`${prefix}.pem`, 'utf8')).toBe(before);
    ok(['keygen', '--out', prefix, '--force']);
    expect(readFileSync(`${prefix}.pem`, 'utf8')).not.toBe(before);
    expect(statSync(`${prefix}.pem`).mode & 0o777).toBe(0o600);
    expect(listDir(join(temp.path, 'keygen-again'))).toEqual(['bob.pem', 'bob.pub.pem']);
  });

  it('makes 4096-bit keys on request', async () => {
    const prefix = join(sub('keygen-4096'), 'big');
    expect(ok(['keygen', '--out', prefix, '--bits', '4096']).stdout).toMatch(/bits\s+4096/);
    expect((await importPublicIdentity(readFileSync(`${prefix}.pub.pem`, 'utf8'))).encryption.modulusBits).toBe(4096);
  });

  it.each(['x', '1234567', '       a       '])('refuses a --passphrase of fewer than 8 characters (%j), as the app does', (passphrase) => {
    const folder = sub(`keygen-short-${String(passphrase.length)}`);
    const result = keyward(['keygen', '--out', join(folder, 'k'), '--passphrase'], { env: { KEYWARD_PASSPHRASE: passphrase } });
    expect(result.status).toBe(1);
    expect(result.firstLine).toBe('PASSPHRASE_SHORT: Choose a passphrase of at least 8 characters (spaces at either end do not count).');
    expect(listDir(folder)).toEqual([]);
  });

  it('writes an encrypted private identity with --passphrase, and that key decrypts', () => {
    const folder = sub('keygen-passphrase');
    const prefix = join(folder, 'carol');
    ok(['keygen', '--out', prefix, '--passphrase'], { KEYWARD_PASSPHRASE: 'tr0ub4dor' });
    expect(readFileSync(`${prefix}.pem`, 'utf8')).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----\n[^]*-----BEGIN ENCRYPTED PRIVATE KEY-----\n/);
    expect(statSync(`${prefix}.pem`).mode & 0o777).toBe(0o600);
    const plain = join(folder, 'note.txt');
    writeFileSync(plain, 'for carol only\n');
    ok(['encrypt', plain, '--owner', `${prefix}.pub.pem`, '--authority', key('authority.pub.pem')]);
    ok(['decrypt', `${plain}.keyward`, '--key', `${prefix}.pem`, '--out', join(folder, 'back.txt')], { KEYWARD_PASSPHRASE: 'tr0ub4dor' });
    expect(readFileSync(join(folder, 'back.txt'), 'utf8')).toBe('for carol only\n');
  });
});

describe('encrypt and decrypt', () => {
  it('round-trips with the default names, restoring name and modification time', async () => {
    const folder = sub('roundtrip');
    const input = join(folder, 'report.pdf');
    writeFileSync(input, randomBytes(700_001));
    utimesSync(input, new Date(), new Date(1_764_000_000_123));
    const sha = await sha256File(input);
    const { stdout } = ok(encryptArgs(input));
    expect(listDir(folder)).toEqual(['report.pdf', 'report.pdf.keyward', 'report.pdf.keyward-escrow.json']);
    const blob = readBlob(`${input}.keyward-escrow.json`);
    expect(blob.format).toBe('keyward-escrow/1');
    expect(blob.owner.keyId).toBe(await keyIdOfPub(key('owner.pub.pem')));
    expect(blob.authority.keyId).toBe(await keyIdOfPub(key('authority.pub.pem')));
    expect(stdout).toContain(blob.serial);
    expect(stdout).toContain(blob.owner.keyId);
    expect(stdout).toContain(blob.authority.keyId);

    // The metadata holds the base name, a type guessed from the extension, the size and the time.
    const owner = await importPrivateKey(readFileSync(key('owner.pem'), 'utf8'));
    const opened = await openFile(streamFromBytes(readFileSync(`${input}.keyward`)), { keys: [owner] });
    await opened.plaintext.cancel();
    expect(opened.meta).toEqual({ name: 'report.pdf', type: 'application/pdf', size: 700_001, lastModified: 1_764_000_000_123 });

    rmSync(input);
    const decrypted = ok(['decrypt', `${input}.keyward`, '--key', key('owner.pem')]);
    expect(decrypted.stdout).toContain(`-> ${input}`);
    expect(await sha256File(input)).toBe(sha);
    expect(Math.round(statSync(input).mtimeMs)).toBe(1_764_000_000_123);
  });

  it('never overwrites with the stored name; replaces a typed --out only with --force', () => {
    const folder = sub('no-overwrite');
    const input = join(folder, 'notes.txt');
    writeFileSync(input, 'the real notes\n');
    ok(encryptArgs(input));
    writeFileSync(input, 'edited since\n');
    for (const extra of [[], ['--force']]) {
      const refused = keyward(['decrypt', `${input}.keyward`, '--key', key('owner.pem'), ...extra]);
      expect(refused.status).toBe(1);
      expect(refused.firstLine).toMatch(/^OUTPUT_EXISTS: .*notes\.txt already exists.*--out/);
    }
    const typed = keyward(['decrypt', `${input}.keyward`, '--key', key('owner.pem'), '--out', input]);
    expect(typed.firstLine).toMatch(/^OUTPUT_EXISTS: .*notes\.txt already exists. Choose another path with --out, or add --force/);
    expect(readFileSync(input, 'utf8')).toBe('edited since\n');
    expect(listDir(folder)).toEqual(['notes.txt', 'notes.txt.keyward', 'notes.txt.keyward-escrow.json']);
    ok(['decrypt', `${input}.keyward`, '--key', key('owner.pem'), '--out', input, '--force']);
    expect(readFileSync(input, 'utf8')).toBe('the real notes\n');
  });

  it('takes --out, --escrow-out, --chunk-size and the escrow names and description', async () => {
    const folder = sub('options');
    const input = join(folder, 'data.bin');
    writeFileSync(input, randomBytes(200_000));
    const out = join(folder, 'sealed.kw');
    const escrowOut = join(folder, 'for-it.json');
    ok([
      ...encryptArgs(input),
      ...['--out', out, '--escrow-out', escrowOut, '--chunk-size', '65536'],
      ...['--description', 'Q3 figures', '--owner-name', 'Ada Lovelace', '--authority-name', 'IT backup'],
    ]);
    expect(listDir(folder)).toEqual(['data.bin', 'for-it.json', 'sealed.kw']);
    expect(readBlob(escrowOut)).toMatchObject({ description: 'Q3 figures', owner: { name: 'Ada Lovelace' }, authority: { name: 'IT backup' } });
    expect(JSON.parse(ok(['inspect', out]).stdout)).toMatchObject({ chunkSize: 65536 });
    ok(['decrypt', out, '--key', key('owner.pem'), '--out', join(folder, 'copy.bin')]);
    expect(await sha256File(join(folder, 'copy.bin'))).toBe(await sha256File(input));
  });

  it('puts the escrow blob beside --out by default', () => {
    const folder = sub('escrow-default');
    const input = join(folder, 'a.txt');
    writeFileSync(input, 'a');
    ok([...encryptArgs(input), '--out', join(folder, 'b.keyward')]);
    expect(listDir(folder)).toEqual(['a.txt', 'b.keyward', 'b.keyward-escrow.json']);
  });

  it('round-trips an empty file', () => {
    const folder = sub('empty');
    const input = join(folder, 'empty.txt');
    writeFileSync(input, '');
    ok(encryptArgs(input));
    ok(['decrypt', `${input}.keyward`, '--key', key('owner.pem'), '--out', join(folder, 'out.txt')]);
    expect(readFileSync(join(folder, 'out.txt')).length).toBe(0);
  });

  it('refuses an existing output when encrypting, and writes neither file', () => {
    const folder = sub('encrypt-exists');
    const input = join(folder, 'x.txt');
    writeFileSync(input, 'x');
    writeFileSync(`${input}.keyward-escrow.json`, 'old blob');
    const refused = keyward(encryptArgs(input));
    expect(refused.status).toBe(1);
    expect(refused.firstLine).toMatch(/^OUTPUT_EXISTS: .*x\.txt\.keyward-escrow\.json/);
    expect(listDir(folder)).toEqual(['x.txt', 'x.txt.keyward-escrow.json']);
    expect(readFileSync(`${input}.keyward-escrow.json`, 'utf8')).toBe('old blob');
  });

  it('reads PKCS#1 keys', () => {
    const folder = sub('pkcs1');
    const input = join(folder, 'p.txt');
    writeFileSync(input, 'pkcs1 round trip');
    ok(encryptArgs(input, 'owner-pkcs1.pub.pem'));
    ok(['decrypt', `${input}.keyward`, '--key', key('owner-pkcs1.pem'), '--out', join(folder, 'out.txt')]);
    expect(readFileSync(join(folder, 'out.txt'), 'utf8')).toBe('pkcs1 round trip');
  });

  it('reads an encrypted PKCS#8 key with KEYWARD_PASSPHRASE', () => {
    const folder = sub('encrypted-key');
    const input = join(folder, 'e.txt');
    writeFileSync(input, 'encrypted key round trip');
    ok(encryptArgs(input, 'owner-encrypted.pub.pem'));
    ok(['decrypt', `${input}.keyward`, '--key', key('owner-encrypted.pem'), '--out', join(folder, 'out.txt')], { KEYWARD_PASSPHRASE: PASSPHRASE });
    expect(readFileSync(join(folder, 'out.txt'), 'utf8')).toBe('encrypted key round trip');
  });
});

describe('recovery by the backup authority', () => {
  let folder: string;
  let input: string;
  let sha: string;
  beforeAll(async () => {
    folder = sub('recovery');
    input = join(folder, 'lost.bin');
    writeFileSync(input, randomBytes(300_000));
    sha = await sha256File(input);
    ok([...encryptArgs(input), '--owner-name', 'Ada', '--chunk-size', '65536']);
  });

  it('recover: decrypts with the escrow blob and the authority key', async () => {
    const out = join(folder, 'recovered.bin');
    const { stdout } = ok(['recover', `${input}.keyward`, '--escrow', `${input}.keyward-escrow.json`, '--authority-key', key('authority.pem'), '--out', out]);
    expect(stdout).toContain(`-> ${out}`);
    expect(await sha256File(out)).toBe(sha);
  });

  it('recover: without --out, writes the stored name beside the input', async () => {
    const elsewhere = sub('recovery-default');
    writeFileSync(join(elsewhere, 'x.keyward'), readFileSync(`${input}.keyward`));
    ok(['recover', join(elsewhere, 'x.keyward'), '--escrow', `${input}.keyward-escrow.json`, '--authority-key', key('authority.pem')]);
    expect(listDir(elsewhere)).toEqual(['lost.bin', 'x.keyward']);
    expect(await sha256File(join(elsewhere, 'lost.bin'))).toBe(sha);
  });

  it('reissue: a recovery blob for the new key, which then decrypts the file', async () => {
    const recovery = join(folder, 'recovery.json');
    const { stdout } = ok([
      'reissue',
      `${input}.keyward-escrow.json`,
      ...['--authority-key', key('authority.pem'), '--to', key('new-owner.pub.pem'), '--out', recovery],
    ]);
    const blob = readBlob(recovery);
    const escrow = readBlob(`${input}.keyward-escrow.json`);
    expect(blob).toMatchObject({ format: 'keyward-recovery/1', fileId: escrow.fileId, serial: escrow.serial, headerHmac: escrow.headerHmac });
    expect(blob.owner).toEqual({ name: 'Ada', keyId: await keyIdOfPub(key('new-owner.pub.pem')) });
    expect(stdout).toContain(blob.owner.keyId);
    const out = join(folder, 'by-new-owner.bin');
    ok(['decrypt', `${input}.keyward`, '--key', key('new-owner.pem'), '--recovery', recovery, '--out', out]);
    expect(await sha256File(out)).toBe(sha);
  });

  it('reissue: --owner-name renames the owner, and an existing --out is refused', () => {
    const recovery = join(folder, 'renamed.json');
    const args = ['reissue', `${input}.keyward-escrow.json`, '--authority-key', key('authority.pem'), '--to', key('new-owner.pub.pem')];
    ok([...args, '--owner-name', 'Ada L.', '--out', recovery]);
    expect(readBlob(recovery).owner.name).toBe('Ada L.');
    const again = keyward([...args, '--out', recovery]);
    expect(again.status).toBe(1);
    expect(again.firstLine).toMatch(/^OUTPUT_EXISTS: /);
  });
});

describe('inspect', () => {
  let input: string;
  beforeAll(() => {
    input = join(sub('inspect'), 'secret-plans.txt');
    writeFileSync(input, 'nothing to see');
    ok([...encryptArgs(input), '--description', 'plans', '--chunk-size', '131072']);
  });

  it('shows a file header as JSON, without wrapped keys', async () => {
    const { stdout } = ok(['inspect', `${input}.keyward`]);
    const summary = JSON.parse(stdout) as { recipients: object[] };
    const escrow = readBlob(`${input}.keyward-escrow.json`);
    expect(summary).toMatchObject({
      fileId: escrow.fileId,
      serial: escrow.serial,
      chunkSize: 131072,
      recipients: [{ role: 'owner', keyId: await keyIdOfPub(key('owner.pub.pem')) }],
      headerHmac: escrow.headerHmac,
    });
    expect(Object.keys(summary.recipients[0]!)).toEqual(['role', 'keyId']);
    expect(stdout).not.toMatch(/wrappedKey|salt|BEGIN|secret-plans/);
  });

  it('shows a blob as JSON, without its wrapped key or MAC', () => {
    const { stdout } = ok(['inspect', `${input}.keyward-escrow.json`]);
    const summary = JSON.parse(stdout);
    const escrow = readBlob(`${input}.keyward-escrow.json`);
    expect(summary).toEqual({
      format: escrow.format,
      fileId: escrow.fileId,
      serial: escrow.serial,
      description: 'plans',
      createdAt: escrow.createdAt,
      owner: escrow.owner,
      authority: escrow.authority,
      headerHmac: escrow.headerHmac,
      signer: 'unsigned (v1)',
    });
    expect(stdout).not.toMatch(/wrappedKey|"mac"|"salt"|BEGIN/);
  });

  it('escapes bidi, zero-width and C1 control characters in names and descriptions', () => {
    const folder = sub('inspect-bidi');
    const plain = join(folder, 'p.txt');
    writeFileSync(plain, 'x');
    const description = 'invoice \u202efdp.exe';
    const ownerName = 'Ada\u200b\u061c\u2066\u0085\u009b[2J';
    ok([...encryptArgs(plain), '--description', description, '--owner-name', ownerName]);
    const { stdout } = ok(['inspect', `${plain}.keyward-escrow.json`]);
    expect(hasUnsafeNameChar(stdout.replaceAll('\n', ''))).toBe(false);
    expect(stdout).toContain('"description": "invoice \\u202efdp.exe"');
    expect(stdout).toContain('"name": "Ada\\u200b\\u061c\\u2066\\u0085\\u009b[2J"');
    const summary = JSON.parse(stdout) as KeyBlob;
    expect(summary.description).toBe(description);
    expect(summary.owner.name).toBe(ownerName);
  });
});
