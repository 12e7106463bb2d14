/**
 * Journey 5: the owner drops `.keyward` files made by the CLI (so this also
 * proves CLI → app interoperability); the app finds the key, verifies every
 * chunk and offers the original name. Downloads are compared by SHA-256.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Page, expect, test } from '@playwright/test';
import { refKeyId } from '../test/reference/keyward-node.ts';
import { completeFirstRun, downloadBytes, downloadFrom, dropFiles, sha256, testKey, keyIdShown } from './support.ts';

const ROOT = join(import.meta.dirname, '..');
const KEYS = join(ROOT, 'src', 'core', 'testdata', 'keys');
const NAME = 'Quarterly report.pdf';
// 300 000 bytes: two chunks of the default 256 KiB, so "the last chunk" is chunk 1.
const plaintext = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 31 + (i >> 8)) & 0xff));

let dir = '';
const cli = (...args: string[]) => execFileSync('node', [join(ROOT, 'bin', 'keyward.js'), ...args], { cwd: ROOT, stdio: 'pipe' });
const keywardFile = (name: string, buffer: Buffer) => ({ name, mimeType: 'application/octet-stream', buffer });

test.beforeAll(() => {
  execFileSync('npx', ['vite', 'build', '--config', 'vite.cli.config.ts'], { cwd: ROOT, stdio: 'pipe' });
  dir = mkdtempSync(join(tmpdir(), 'keyward-decrypt-'));
  writeFileSync(join(dir, NAME), plaintext);
  cli('encrypt', join(dir, NAME), '--owner', join(KEYS, 'owner.pub.pem'), '--authority', join(KEYS, 'authority.pub.pem'));
  writeFileSync(join(dir, 'theirs.txt'), 'not for Ada');
  cli('encrypt', join(dir, 'theirs.txt'), '--owner', join(KEYS, 'stranger.pub.pem'), '--authority', join(KEYS, 'authority.pub.pem'));
});

const encrypted = () => readFileSync(join(dir, `${NAME}.keyward`));
const rows = (page: Page) => page.getByRole('list', { name: 'Files being decrypted' });

async function openDecryptTab(page: Page) {
  await page.getByRole('tab', { name: 'Decrypt' }).click();
  await expect(page.getByRole('heading', { name: 'Decrypt files' })).toBeVisible();
}

async function decryptAndCheck(page: Page, fileName: string) {
  await dropFiles(page, 'Drop .keyward files to decrypt', [keywardFile(fileName, encrypted())]);
  const row = rows(page).getByRole('listitem', { name: fileName });
  const button = row.getByRole('button', { name: `Download ${NAME}` });
  await expect(button).toBeVisible({ timeout: 30_000 });
  await expect(row).toContainText('300 KB');
  const download = await downloadFrom(page, () => button.click());
  expect(download.suggestedFilename()).toBe(NAME);
  expect(sha256(await downloadBytes(download))).toBe(sha256(plaintext));
}

test('the owner decrypts a file the CLI made and gets the original back, also after a reload', async ({ page }) => {
  await completeFirstRun(page);
  await openDecryptTab(page);
  await decryptAndCheck(page, `${NAME}.keyward`);

  // The key pair is in IndexedDB, not in the page: it still works after a reload.
  await page.reload();
  await openDecryptTab(page);
  await decryptAndCheck(page, 'copy.keyward');
});

test('a file for another key names its key IDs; a tampered file is refused without a download; the app stays usable', async ({ page }) => {
  await completeFirstRun(page);
  await openDecryptTab(page);

  await dropFiles(page, 'Drop .keyward files to decrypt', [keywardFile('theirs.txt.keyward', readFileSync(join(dir, 'theirs.txt.keyward')))]);
  const theirs = rows(page).getByRole('listitem', { name: 'theirs.txt.keyward' });
  await expect(theirs.getByRole('alert')).toContainText('None of your keys can open this.');
  await expect(keyIdShown(theirs.getByRole('alert'), refKeyId(testKey('stranger.pub.pem')))).toBeVisible();
  await expect(theirs.getByRole('button', { name: /^Download/ })).toHaveCount(0);

  const tampered = Buffer.from(encrypted());
  tampered[tampered.length - 30]! ^= 0x01; // inside the last chunk’s ciphertext
  await dropFiles(page, 'Drop .keyward files to decrypt', [keywardFile('tampered.keyward', tampered)]);
  const bad = rows(page).getByRole('listitem', { name: 'tampered.keyward' });
  await expect(bad.getByRole('alert')).toHaveText('Part of the file (chunk 1) has been changed or damaged, so nothing was saved. Get an untouched copy of the file.', { timeout: 30_000 });
  await expect(bad.getByRole('button', { name: /^Download/ })).toHaveCount(0);
  await expect(page.getByRole('button', { name: /^Download/ })).toHaveCount(0);

  await decryptAndCheck(page, `${NAME}.keyward`);

  await page.getByRole('button', { name: 'Clear finished' }).click();
  await expect(rows(page)).toHaveCount(0);
});
