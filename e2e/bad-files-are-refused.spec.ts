import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { completeFirstRun, dropFiles, testKey } from './support.ts';

const ROOT = join(import.meta.dirname, '..');
const KEYS = join(ROOT, 'src', 'core', 'testdata', 'keys');

/** A real .keyward file made by the CLI, and its bytes. */
function cliEncrypted(): Buffer {
  execFileSync('npx', ['vite', 'build', '--config', 'vite.cli.config.ts'], { cwd: ROOT, stdio: 'ignore' });
  const dir = mkdtempSync(join(tmpdir(), 'keyward-bad-'));
  const plain = join(dir, 'report.txt');
  writeFileSync(plain, 'x'.repeat(300_000));
  execFileSync('node', ['bin/keyward.js', 'encrypt', plain, '--owner', join(KEYS, 'owner.pub.pem'), '--authority', join(KEYS, 'authority.pub.pem'), '--chunk-size', '65536'], { cwd: ROOT, stdio: 'ignore' });
  return readFileSync(`${plain}.keyward`);
}

test('files that are not Keyward files, or were damaged, each get their own sentence and nothing to download', async ({ page }) => {
  const good = cliEncrypted();
  const tamperedChunk = Buffer.from(good);
  tamperedChunk[tamperedChunk.length - 100]! ^= 1;
  const future = Buffer.from(good);
  future[8] = '3'.charCodeAt(0); // KEYWARD/2 is v2 now: a newer version is 3
  const cases: [string, Buffer, RegExp][] = [
    ['manual.pdf.keyward', Buffer.from('%PDF-1.7\n%âãÏÓ\n1 0 obj'), /not a Keyward encrypted file: it does not start the way every Keyward file does\. If its name ends in \.keyward, it was damaged/],
    ['archive.zip.keyward', Buffer.from('PK\u0003\u0004\u0014\u0000\u0000\u0000'), /not a Keyward encrypted file: it does not start the way every Keyward file does\. If its name ends in \.keyward, it was damaged/],
    ['empty.keyward', Buffer.alloc(0), /not a Keyward encrypted file: it does not start the way every Keyward file does\. If its name ends in \.keyward, it was damaged/],
    ['future.keyward', future, /newer version of Keyward/],
    ['absurd-header.keyward', Buffer.concat([Buffer.from('KEYWARD/1\n'), Buffer.from([0xff, 0xff, 0xff, 0xff])]), /damaged or not in the Keyward format/],
    ['tampered.keyward', tamperedChunk, /chunk 4\) has been changed/],
    // 300000 bytes in 64 KiB chunks: four full chunks and a last one of 37856 bytes.
    ['cut-at-a-chunk-boundary.keyward', good.subarray(0, good.length - (300_000 % 65536) - 16), /cut short/],
    // After a short last chunk, spec §4 can only say the last chunk fails.
    ['one-byte-appended.keyward', Buffer.concat([good, Buffer.from([0])]), /chunk 4\) has been changed/],
  ];

  await completeFirstRun(page);
  await page.getByRole('tab', { name: 'Decrypt' }).click();
  await dropFiles(page, 'Drop .keyward files to decrypt', cases.map(([name, buffer]) => ({ name, mimeType: 'application/octet-stream', buffer })));
  const rows = page.getByRole('list', { name: 'Files being decrypted' });
  for (const [name, , sentence] of cases) {
    const row = rows.getByRole('listitem', { name, exact: true });
    await expect(row.getByRole('alert')).toHaveText(sentence);
    await expect(row.getByRole('button', { name: /^Download/ })).toHaveCount(0);
  }

  // The app still works: the untouched file opens.
  await dropFiles(page, 'Drop .keyward files to decrypt', [{ name: 'good.keyward', mimeType: 'application/octet-stream', buffer: good }]);
  await expect(rows.getByRole('listitem', { name: 'good.keyward' }).getByRole('button', { name: 'Download report.txt' })).toBeVisible();
});

test('keys that are not usable RSA keys are refused with what is wrong, and the form keeps working', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('button', { name: 'Import a key pair' }).click();
  const field = page.getByLabel('Your key (PEM or JWK)');
  const cases: [string, RegExp][] = [
    ['-----BEGIN PRIVATE KEY-----\nnot base64 at all!\n-----END PRIVATE KEY-----\n', /not a key Keyward can read/],
    [testKey('owner.pem').replace(/PRIVATE KEY/g, 'CERTIFICATE'), /not a key Keyward can read/],
    [JSON.stringify({ kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0', d: 'jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI' }), /cannot be used for Keyward \(EC key/],
    [JSON.stringify({ kty: 'oct', k: 'GawgguFyGrWKav7AX4VKUg' }), /cannot be used for Keyward/],
    [testKey('weak-1024.pem'), /too weak \(1024 bits\)/],
  ];
  for (const [text, sentence] of cases) {
    await field.fill(text);
    await page.getByRole('button', { name: 'Import key', exact: true }).click();
    await expect(page.getByRole('alert')).toHaveText(sentence);
    await expect(field).toHaveValue(text);
  }
  await field.fill(testKey('owner.pem'));
  // A key needs a name from the person (never a silent default).
  await page.getByRole('button', { name: 'Import key', exact: true }).click();
  await expect(page.getByRole('alert')).toHaveText(/Give this key a name/);
  await page.getByLabel('Name for this key').fill('Ada Lovelace');
  await page.getByRole('button', { name: 'Import key', exact: true }).click();
  await expect(page.getByLabel('Authority public key (PEM or JWK)')).toBeVisible();
});
