/**
 * A person starts on a large file and changes their mind: Cancel stops the
 * work at once, nothing is offered or registered, no temp output is left in
 * the browser's storage, and the next file works.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Locator, type Page, expect, test } from '@playwright/test';
import { chooseFiles, completeFirstRun, makeLargeFile, tempOutputs } from './support.ts';

const ROOT = join(import.meta.dirname, '..');
const KEYS = join(ROOT, 'src', 'core', 'testdata', 'keys');
const SIZE = 384 * 1024 * 1024;
let dir = '';

test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'keyward-cancel-'));
});
test.afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The percentage a row's progress bar shows. */
const percentOf = async (row: Locator) => Number(await row.getByRole('progressbar').getAttribute('value'));

/** Waits until the row is between 5% and 60% and shows its speed, then cancels it; returns the percentage at the click. */
async function cancelHalfway(row: Locator): Promise<number> {
  await expect(row.getByText(/\/s · .+ left$/)).toBeVisible({ timeout: 30_000 });
  await expect.poll(() => percentOf(row), { timeout: 30_000, intervals: [50] }).toBeGreaterThanOrEqual(5);
  const at = await percentOf(row);
  await row.getByRole('button', { name: 'Cancel' }).click();
  return at;
}

function recordDownloads(page: Page): string[] {
  const names: string[] = [];
  page.on('download', (download) => names.push(download.suggestedFilename()));
  return names;
}

test('a large encryption cancelled halfway offers nothing, registers nothing and leaves no temp file; the next file encrypts', async ({ page }) => {
  const big = makeLargeFile(dir, 'holiday-video.mp4', SIZE);
  // Over 256 KiB, so that its output is a temp file too (smaller ones are kept in memory).
  const small = makeLargeFile(dir, 'notes.txt', 400_000);
  await completeFirstRun(page);
  const downloads = recordDownloads(page);

  await chooseFiles(page, 'Choose files to encrypt', [big]);
  const rows = page.getByRole('list', { name: 'Files being encrypted' });
  const row = rows.getByRole('listitem', { name: 'holiday-video.mp4' });
  const at = await cancelHalfway(row);
  expect(at).toBeLessThan(60);

  await expect(row.getByText('Cancelled. Nothing was saved.')).toBeVisible();
  await expect(row.getByRole('progressbar')).toHaveCount(0);
  await expect(row.getByRole('button', { name: /^Download/ })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Download all as zip' })).toBeDisabled();
  await expect.poll(() => tempOutputs(page)).toEqual([]);

  // The page is still usable: the next file encrypts and is the only one registered.
  await chooseFiles(page, 'Choose files to encrypt', [small]);
  await expect(rows.getByRole('listitem', { name: 'notes.txt' }).getByRole('button', { name: 'Download notes.txt.keyward', exact: true })).toBeVisible({ timeout: 30_000 });
  expect(await tempOutputs(page)).toHaveLength(1);
  await page.getByRole('tab', { name: 'Escrow register' }).click();
  const table = page.getByRole('table', { name: 'Files encrypted in this browser' });
  await expect(table.getByRole('rowheader')).toHaveCount(1);
  await expect(table.getByRole('rowheader')).toContainText('notes.txt');

  // Clearing the finished rows removes their temp output.
  await page.getByRole('tab', { name: 'Encrypt' }).click();
  await page.getByRole('button', { name: 'Clear finished' }).click();
  await expect.poll(() => tempOutputs(page)).toEqual([]);
  expect(downloads).toEqual([]);
});

test('a large decryption cancelled halfway offers nothing and leaves no temp file; the file still opens afterwards', async ({ page }) => {
  const plain = makeLargeFile(dir, 'archive.tar', SIZE);
  execFileSync('npx', ['vite', 'build', '--config', 'vite.cli.config.ts'], { cwd: ROOT, stdio: 'ignore' });
  execFileSync('node', ['bin/keyward.js', 'encrypt', plain, '--owner', join(KEYS, 'owner.pub.pem'), '--authority', join(KEYS, 'authority.pub.pem')], { cwd: ROOT, stdio: 'ignore' });
  await completeFirstRun(page);
  const downloads = recordDownloads(page);

  await page.getByRole('tab', { name: 'Decrypt' }).click();
  await chooseFiles(page, 'Choose files to decrypt', [`${plain}.keyward`]);
  const row = page.getByRole('list', { name: 'Files being decrypted' }).getByRole('listitem', { name: 'archive.tar.keyward' });
  expect(await cancelHalfway(row)).toBeLessThan(60);
  await expect(row.getByText('Cancelled. Nothing was saved.')).toBeVisible();
  await expect(row.getByRole('button', { name: /^Download/ })).toHaveCount(0);
  await expect.poll(() => tempOutputs(page)).toEqual([]);
  expect(downloads).toEqual([]);

  // The same file, not cancelled, opens and verifies to the end.
  await page.getByRole('button', { name: 'Clear finished' }).click();
  await chooseFiles(page, 'Choose files to decrypt', [`${plain}.keyward`]);
  await expect(row.getByRole('button', { name: 'Download archive.tar', exact: true })).toBeVisible({ timeout: 120_000 });
  expect(await tempOutputs(page)).toHaveLength(1);
});
