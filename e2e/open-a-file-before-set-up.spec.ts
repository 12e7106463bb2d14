/**
 * Someone who only needs to open a file (a new key pair and a recovery blob
 * from the authority, say) can do it from the first-run screen, without a
 * backup authority set up. A recovery blob dropped where encrypted files go
 * says what it is and leads to where it is used.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Page, expect, test } from '@playwright/test';
import { downloadBytes, downloadFrom, dropFiles, sha256, testKey } from './support.ts';

const ROOT = join(import.meta.dirname, '..');
const KEYS = join(ROOT, 'src', 'core', 'testdata', 'keys');
const NAME = 'thesis draft.tex';
const plaintext = Buffer.from(Array.from({ length: 50_000 }, (_, i) => (i * 7 + 3) & 0xff));
const BLOB = 'for-new-owner.keyward-recovery.json';

let dir = '';
const cli = (...args: string[]) => execFileSync('node', [join(ROOT, 'bin', 'keyward.js'), ...args], { cwd: ROOT, stdio: 'pipe' });
const payload = (name: string, mimeType = 'application/octet-stream') => ({ name, mimeType, buffer: readFileSync(join(dir, name)) });

test.beforeAll(() => {
  execFileSync('npx', ['vite', 'build', '--config', 'vite.cli.config.ts'], { cwd: ROOT, stdio: 'pipe' });
  dir = mkdtempSync(join(tmpdir(), 'keyward-open-now-'));
  writeFileSync(join(dir, NAME), plaintext);
  cli('encrypt', join(dir, NAME), '--owner', join(KEYS, 'owner.pub.pem'), '--authority', join(KEYS, 'authority.pub.pem'), '--owner-name', 'Ada Lovelace');
  cli('reissue', join(dir, `${NAME}.keyward-escrow.json`), '--authority-key', join(KEYS, 'authority.pem'), '--to', join(KEYS, 'new-owner.pub.pem'), '--out', join(dir, BLOB));
});

async function importKeyPair(page: Page, pem: string) {
  await page.getByRole('button', { name: 'Import a key pair' }).click();
  await page.getByLabel('Your key (PEM or JWK)').fill(pem);
  await page.getByLabel('Name for this key').fill('Ada (new laptop)');
  await page.getByRole('button', { name: 'Import key', exact: true }).click();
  await expect(page.getByText(/Imported from a key file/)).toBeVisible();
}

test('with only a new key pair, a person opens a file with the recovery blob, no authority set up', async ({ page }) => {
  await page.goto('/');
  // With no key at all, the page says what opening a file needs.
  await expect(page.getByText(/A \.keyward file opens with the key pair it was encrypted for/)).toBeVisible();
  await importKeyPair(page, testKey('new-owner.pem'));
  await expect(page.getByRole('tab', { name: 'Encrypt' })).toHaveCount(0);
  await expect(page.getByText(/no backup authority is needed for that/)).toBeVisible();
  await page.getByRole('button', { name: 'Decrypt files now' }).click();

  // The blob dropped where encrypted files go: named, and the way to the right place offered.
  await dropFiles(page, 'Drop .keyward files to decrypt', [payload(BLOB, 'application/json')]);
  const misplaced = page.getByRole('list', { name: 'Files being decrypted' }).getByRole('listitem', { name: BLOB });
  await expect(misplaced.getByRole('alert')).toHaveAttribute('data-code', 'IS_RECOVERY_BLOB');
  await expect(misplaced.getByRole('alert')).toContainText('This is a recovery blob, not an encrypted file.');
  await page.getByRole('button', { name: 'Go to “Open a file with a recovery blob”' }).click();
  await expect(page.getByRole('heading', { name: 'Open a file with a recovery blob' })).toBeFocused();

  await dropFiles(page, 'Drop the encrypted file', [payload(`${NAME}.keyward`)]);
  await dropFiles(page, 'Drop the recovery blob', [payload(BLOB, 'application/json')]);
  await page.getByRole('button', { name: 'Decrypt with recovery blob' }).click();
  const row = page.getByRole('list', { name: 'Files being decrypted' }).getByRole('listitem', { name: `${NAME}.keyward` });
  const download = await downloadFrom(page, () => row.getByRole('button', { name: `Download ${NAME}` }).click());
  expect(download.suggestedFilename()).toBe(NAME);
  expect(sha256(await downloadBytes(download))).toBe(sha256(plaintext));
});

test('with only the key pair a file was made for, a person opens it before adding an authority', async ({ page }) => {
  await page.goto('/');
  await importKeyPair(page, testKey('owner.pem'));
  await page.getByRole('button', { name: 'Decrypt files now' }).click();
  await dropFiles(page, 'Drop .keyward files to decrypt', [payload(`${NAME}.keyward`)]);
  const row = page.getByRole('list', { name: 'Files being decrypted' }).getByRole('listitem', { name: `${NAME}.keyward` });
  const download = await downloadFrom(page, () => row.getByRole('button', { name: `Download ${NAME}` }).click());
  expect(sha256(await downloadBytes(download))).toBe(sha256(plaintext));
});
