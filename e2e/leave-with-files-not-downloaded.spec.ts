/**
 * Encrypted files live only in this tab until they are downloaded: leaving is
 * warned about while one is not, each row says what was downloaded, and the
 * register says honestly which encrypted files this tab still holds.
 */
import { type Page, expect, test } from '@playwright/test';
import { completeFirstRun, downloadFrom, dropFiles, recordDialogs } from './support.ts';

const letter = { name: 'letter.txt', mimeType: 'text/plain', buffer: Buffer.from('Dear Charles,\n'.repeat(100)) };

async function registerCell(page: Page, name: string) {
  await page.getByRole('tab', { name: 'Escrow register' }).click();
  const row = page.getByRole('row', { name: new RegExp(`^${name.replace('.', '\\.')}`) });
  return row.getByRole('cell').nth(4);
}

test('leaving with an encrypted file not downloaded is warned about; once downloaded it is not', async ({ page }) => {
  await completeFirstRun(page);
  await dropFiles(page, 'Drop files to encrypt', [letter]);
  const row = page.getByRole('list', { name: 'Files being encrypted' }).getByRole('listitem', { name: 'letter.txt' });
  const fileButton = row.getByRole('button', { name: 'Download letter.txt.keyward', exact: true });
  await expect(fileButton).toBeVisible({ timeout: 30_000 });
  await expect(row).toContainText('The encrypted file exists only in this tab until you download it.');

  // Closing the tab now asks first; the person stays.
  const asked = page.waitForEvent('dialog');
  await page.close({ runBeforeUnload: true });
  const dialog = await asked;
  expect(dialog.type()).toBe('beforeunload');
  await dialog.dismiss();
  expect(page.isClosed()).toBe(false);

  expect(await (await registerCell(page, 'letter.txt')).textContent()).toBe('Only in this tab: download it under Encrypt');
  await page.getByRole('tab', { name: 'Encrypt' }).click();
  await downloadFrom(page, () => fileButton.click());
  await expect(row.getByText('File downloaded')).toBeVisible();
  // The escrow blob is not downloaded yet: still asked.
  await downloadFrom(page, () => row.getByRole('button', { name: 'Download letter.txt.keyward-escrow.json' }).click());
  await expect(row.getByText('Escrow blob downloaded')).toBeVisible();
  await expect(row).not.toContainText('exists only in this tab');
  expect(await (await registerCell(page, 'letter.txt')).textContent()).toBe('Downloaded');

  const dialogs = recordDialogs(page);
  await page.reload();
  // After the reload this tab holds no encrypted file: the register says so instead of implying it.
  await expect(page.getByRole('tab', { name: 'Encrypt' })).toBeVisible();
  expect(await (await registerCell(page, 'letter.txt')).textContent()).toBe('Not kept here: only a copy downloaded earlier exists');
  expect(dialogs).toEqual([]);
});

test('a file downloaded in the zip of all counts as downloaded', async ({ page }) => {
  await completeFirstRun(page);
  await dropFiles(page, 'Drop files to encrypt', [letter, { ...letter, name: 'memo.txt' }]);
  await expect(page.getByRole('button', { name: 'Download memo.txt.keyward', exact: true })).toBeVisible({ timeout: 30_000 });
  await expect(page.getByRole('button', { name: 'Download letter.txt.keyward', exact: true })).toBeVisible();
  await downloadFrom(page, () => page.getByRole('button', { name: /^Download all/ }).click());
  await expect(page.getByText('File downloaded')).toHaveCount(2);

  const dialogs = recordDialogs(page);
  await page.reload();
  await expect(page.getByRole('tab', { name: 'Encrypt' })).toBeVisible();
  expect(dialogs).toEqual([]);
});
