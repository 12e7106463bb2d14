/**
 * `keyward decrypt` without --out takes the output name from the file's
 * metadata, which whoever made the file chose. Files with hostile names are
 * made here with the core directly; the real CLI must keep every output
 * inside the input's folder.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { collectBytes, encryptFile, importPublicKey, streamFromBytes } from '../core/index.ts';
import { buildCli, key, keyward, listDir, makeTempDir } from './test-support.ts';

let dir: string;
beforeAll(() => {
  buildCli();
  dir = makeTempDir('cli-names');
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function sub(name: string): string {
  const path = join(dir, name);
  mkdirSync(path);
  return path;
}

describe('unsafe names in the metadata', () => {
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

  it.each([
    ['../evil', 'in'],
    ['a/b', 'in'],
    ['..', 'in'],
    ['.', 'in'],
    ['', 'in'],
    ['a\\..\\evil', 'in'],
    ['line\nbreak', 'in'],
    ['esc\u001b[2Jape', 'in'],
    ['txt.\u202eexe', 'in'],
    ['/etc/passwd', 'in'],
  ])('%j is not used: the output is %s beside the input', async (name, expected) => {
    const parent = sub(`unsafe-${Buffer.from(name).toString('hex') || 'empty'}`);
    const folder = join(parent, 'inbox');
    mkdirSync(folder);
    await craft(join(folder, 'in.keyward'), name);
    const result = keyward(['decrypt', join(folder, 'in.keyward'), '--key', key('owner.pem')]);
    expect(result.status).toBe(0);
    expect(result.stderr).toMatch(/is not a safe file name/);
    expect(listDir(folder)).toEqual([expected, 'in.keyward']);
    expect(listDir(parent)).toEqual(['inbox']);
    expect(readFileSync(join(folder, expected), 'utf8')).toBe('crafted');
  });

  it('falls back to "decrypted" when the input has no .keyward suffix', async () => {
    const folder = sub('unsafe-no-suffix');
    await craft(join(folder, 'blob.bin'), '../../x');
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
