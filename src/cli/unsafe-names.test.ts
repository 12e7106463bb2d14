/**
 * `keyward decrypt` without --out takes the output name from the file's
 * metadata, which whoever made the file chose. Files with hostile names are
 * made here with the core directly; the real CLI must keep every output
 * inside the input's folder, never write a hidden file or a name starting
 * with `-`, and never replace a file with such a name, even with --force.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { collectBytes, encryptFile, hasUnsafeNameChar, importPublicKey, streamFromBytes } from '../core/index.ts';
import { buildCli, key, keyward, listDir, tempDirForFile } from './test-support.ts';

beforeAll(() => {
  buildCli();
});
const { sub } = tempDirForFile('cli-names');

const owner = () => importPublicKey(readFileSync(key('owner.pub.pem'), 'utf8'));
const authority = () => importPublicKey(readFileSync(key('authority.pub.pem'), 'utf8'));

/** A .keyward file whose metadata name is `name`, made with the core directly. */
async function craft(path: string, name: string): Promise<void> {
  const plain = new TextEncoder().encode('crafted');
  const encrypted = await encryptFile(streamFromBytes(plain), {
    meta: { name, type: '', size: plain.length, lastModified: 0 },
    owner: await owner(),
    authority: await authority(),
  });
  writeFileSync(path, await collectBytes(encrypted.stream));
}

describe('unsafe names in the metadata', () => {
  it.each([
    ['../evil', '_evil'],
    ['a/b', 'a_b'],
    ['..', 'in'],
    ['.', 'in'],
    ['', 'in'],
    ['a\\..\\evil', 'a_.._evil'],
    ['line\nbreak', 'linebreak'],
    ['esc\u001b[2Jape', 'esc[2Jape'],
    ['txt.\u202eexe', 'txt.exe'],
    ['/etc/passwd', '_etc_passwd'],
    ['.bashrc', 'bashrc'],
    ['.bash_aliases', 'bash_aliases'],
    ['-rf', 'rf'],
    ['\u200b.profile', 'profile'],
  ])('%j is not used as it is: the output is %j beside the input', async (name, expected) => {
    const parent = sub(`unsafe-${Buffer.from(name).toString('hex') || 'empty'}`);
    const folder = join(parent, 'inbox');
    mkdirSync(folder);
    await craft(join(folder, 'in.keyward'), name);
    const result = keyward(['decrypt', join(folder, 'in.keyward'), '--key', key('owner.pem')]);
    expect(result.status).toBe(0);
    expect(result.stderr).toMatch(/is not a safe file name/);
    // The notice quotes the stored name with its invisible characters escaped.
    expect(hasUnsafeNameChar(result.stderr.replaceAll('\n', ''))).toBe(false);
    expect(listDir(folder)).toEqual([expected, 'in.keyward'].sort());
    expect(listDir(parent)).toEqual(['inbox']);
    expect(readFileSync(join(folder, expected), 'utf8')).toBe('crafted');
  });

  it('falls back to "decrypted" when the input has no .keyward suffix', async () => {
    const folder = sub('unsafe-no-suffix');
    await craft(join(folder, 'blob.bin'), '..');
    const result = keyward(['decrypt', join(folder, 'blob.bin'), '--key', key('owner.pem')]);
    expect(result.status).toBe(0);
    expect(listDir(folder)).toEqual(['blob.bin', 'decrypted']);
  });

  it('uses a safe stored name as it is', async () => {
    const folder = sub('safe-name');
    await craft(join(folder, 'in.keyward'), 'Résumé (final) v2..pdf');
    const result = keyward(['decrypt', join(folder, 'in.keyward'), '--key', key('owner.pem')]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(listDir(folder)).toEqual(['Résumé (final) v2..pdf', 'in.keyward']);
  });
});

describe('a stored name never replaces a file', () => {
  /** The user's own private key, mode 0600, beside a file that names it. */
  async function keyBesideCrafted(label: string, storedName: string) {
    const folder = sub(label);
    const pem = join(folder, 'owner.pem');
    writeFileSync(pem, readFileSync(key('owner.pem')));
    chmodSync(pem, 0o600);
    const input = join(folder, 'invoice.pdf.keyward');
    await craft(input, storedName);
    return { folder, pem, input };
  }

  it.each([[[]], [['--force']]])('the user\'s owner.pem stays as it was (%j), mode 0600', async (extra) => {
    const { folder, pem, input } = await keyBesideCrafted(`owner-pem-${String(extra.length)}`, 'owner.pem');
    const result = keyward(['decrypt', input, '--key', pem, ...extra]);
    expect(result.status).toBe(1);
    expect(result.firstLine).toMatch(/^OUTPUT_EXISTS: .*owner\.pem already exists, and a name stored in the file never replaces a file .*--out/);
    expect(readFileSync(pem)).toEqual(readFileSync(key('owner.pem')));
    expect(statSync(pem).mode & 0o777).toBe(0o600);
    expect(listDir(folder)).toEqual(['invoice.pdf.keyward', 'owner.pem']);
  });

  it('nor does recover --force', async () => {
    const { folder, pem } = await keyBesideCrafted('owner-pem-recover', 'owner.pem');
    // The escrow blob of a file made by the CLI: recover needs one that matches.
    const plain = join(folder, 'plain.txt');
    writeFileSync(plain, 'x');
    expect(keyward(['encrypt', plain, '--owner', key('owner.pub.pem'), '--authority', key('authority.pub.pem')]).status).toBe(0);
    rmSync(plain);
    const renamed = join(folder, 'renamed.keyward');
    writeFileSync(renamed, readFileSync(`${plain}.keyward`));
    rmSync(`${plain}.keyward`);
    // A file whose stored name is plain.txt, recovered beside an existing plain.txt.
    writeFileSync(plain, 'mine');
    const result = keyward(['recover', renamed, '--escrow', `${plain}.keyward-escrow.json`, '--authority-key', key('authority.pem'), '--force']);
    expect(result.status).toBe(1);
    expect(result.firstLine).toMatch(/^OUTPUT_EXISTS: .*plain\.txt already exists, and a name stored/);
    expect(readFileSync(plain, 'utf8')).toBe('mine');
    expect(statSync(pem).mode & 0o777).toBe(0o600);
  });

  it('the input .keyward file itself is never replaced, even with --force', async () => {
    const folder = sub('input-itself');
    const input = join(folder, 'in.keyward');
    await craft(input, 'in.keyward');
    const before = readFileSync(input);
    const result = keyward(['decrypt', input, '--key', key('owner.pem'), '--force']);
    expect(result.status).toBe(1);
    expect(result.firstLine).toMatch(/^OUTPUT_EXISTS: .*in\.keyward already exists/);
    expect(readFileSync(input)).toEqual(before);
    expect(listDir(folder)).toEqual(['in.keyward']);
  });

  it('a cleaned name that is taken is refused too (.bashrc beside bashrc)', async () => {
    const folder = sub('cleaned-taken');
    writeFileSync(join(folder, 'bashrc'), 'mine');
    await craft(join(folder, 'in.keyward'), '.bashrc');
    const result = keyward(['decrypt', join(folder, 'in.keyward'), '--key', key('owner.pem'), '--force']);
    expect(result.status).toBe(1);
    expect(result.firstLine).toMatch(/^OUTPUT_EXISTS: .*bashrc already exists/);
    expect(readFileSync(join(folder, 'bashrc'), 'utf8')).toBe('mine');
  });

  it('--out with --force replaces the path the user typed, keeping its permissions', async () => {
    const folder = sub('out-force');
    const input = join(folder, 'in.keyward');
    await craft(input, 'whatever.txt');
    for (const mode of [0o600, 0o640]) {
      const target = join(folder, `target-${mode.toString(8)}`);
      writeFileSync(target, 'old');
      chmodSync(target, mode);
      const result = keyward(['decrypt', input, '--key', key('owner.pem'), '--out', target, '--force']);
      expect(result.stderr).toBe('');
      expect(readFileSync(target, 'utf8')).toBe('crafted');
      expect(statSync(target).mode & 0o777).toBe(mode);
    }
    // A new file gets the usual mode: 0666 less the umask.
    const fresh = join(folder, 'fresh');
    expect(keyward(['decrypt', input, '--key', key('owner.pem'), '--out', fresh]).status).toBe(0);
    const umask = parseInt(execFileSync('sh', ['-c', 'umask'], { encoding: 'utf8' }).trim(), 8);
    expect(statSync(fresh).mode & 0o777).toBe(0o666 & ~umask);
  });
});
