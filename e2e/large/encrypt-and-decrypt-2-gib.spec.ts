/**
 * A person encrypts a 2 GiB file and decrypts the result, all through the
 * UI, in a browser with a real profile on disk (as people use it; a private
 * window's OPFS is held in memory). The decrypted download has the SHA-256 of
 * the original. Run with `npm run test:large` (not part of `npm test`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, type Page, chromium, expect, test as base } from '@playwright/test';
import { chromiumArgs, chromiumPath } from '../../test/chromium.ts';
import { chooseFiles, completeFirstRun, downloadFrom, makeLargeFile, sha256OfFile, tempOutputs } from '../support.ts';

const SIZE = Number(process.env.KEYWARD_LARGE_E2E_MIB ?? 2048) * 1024 * 1024;
let dir = '';

const test = base.extend<{ context: BrowserContext; page: Page }>({
  context: async ({ baseURL }, provide) => {
    const context = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: chromiumPath,
      args: chromiumArgs,
      acceptDownloads: true,
      ...(baseURL ? { baseURL } : {}),
    });
    await provide(context);
    await context.close();
  },
  page: async ({ context }, provide) => {
    await provide(context.pages()[0] ?? (await context.newPage()));
  },
});

test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'keyward-2gib-'));
});
test.afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

test(`a ${SIZE / 1024 / 1024} MiB file is encrypted and decrypted through the UI and comes back byte for byte`, async ({ page }) => {
  test.setTimeout(20 * 60_000);
  const original = makeLargeFile(dir, 'family-videos.mkv', SIZE);
  const expected = await sha256OfFile(original);
  await completeFirstRun(page);

  await chooseFiles(page, 'Choose files to encrypt', [original]);
  const encryptRow = page.getByRole('list', { name: 'Files being encrypted' }).getByRole('listitem', { name: 'family-videos.mkv' });
  const downloadEncrypted = encryptRow.getByRole('button', { name: 'Download family-videos.mkv.keyward', exact: true });
  await expect(downloadEncrypted).toBeVisible({ timeout: 10 * 60_000 });
  const encrypted = join(dir, 'family-videos.mkv.keyward');
  await (await downloadFrom(page, () => downloadEncrypted.click())).saveAs(encrypted);

  await page.getByRole('tab', { name: 'Decrypt' }).click();
  await chooseFiles(page, 'Choose files to decrypt', [encrypted]);
  const decryptRow = page.getByRole('list', { name: 'Files being decrypted' }).getByRole('listitem', { name: 'family-videos.mkv.keyward' });
  const downloadDecrypted = decryptRow.getByRole('button', { name: 'Download family-videos.mkv', exact: true });
  await expect(downloadDecrypted).toBeVisible({ timeout: 10 * 60_000 });
  const decrypted = join(dir, 'decrypted.mkv');
  await (await downloadFrom(page, () => downloadDecrypted.click())).saveAs(decrypted);
  expect(await sha256OfFile(decrypted)).toBe(expected);

  // Both outputs live in OPFS until their rows are cleared.
  expect(await tempOutputs(page)).toHaveLength(2);
  await page.getByRole('button', { name: 'Clear finished' }).click();
  await page.getByRole('tab', { name: 'Encrypt' }).click();
  await page.getByRole('button', { name: 'Clear finished' }).click();
  await expect.poll(() => tempOutputs(page)).toEqual([]);
});
