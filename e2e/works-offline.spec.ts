import { expect, test } from '@playwright/test';
import { completeFirstRun } from './support.ts';

/**
 * Keyward needs no network after it has loaded, and once visited it opens
 * offline (its service worker precaches the build) with the keys still there.
 */
test('a person who has visited Keyward encrypts with no network request and reopens it offline', async ({ page, context, baseURL }) => {
  const requests: string[] = [];
  page.on('request', (request) => requests.push(request.url()));

  await completeFirstRun(page);
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  expect(requests.filter((url) => !url.startsWith(baseURL!))).toEqual([]);

  // After loading: a whole encryption makes no request at all.
  const before = requests.length;
  const chooser = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: 'Choose files to encrypt' }).click();
  await (await chooser).setFiles([{ name: 'offline.txt', mimeType: 'text/plain', buffer: Buffer.from('no network needed\n') }]);
  await expect(page.getByText(/Serial KW-/)).toBeVisible();
  expect(requests.slice(before).filter((url) => !url.startsWith('blob:'))).toEqual([]);

  expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
  await context.setOffline(true);
  await page.reload();
  await expect(page.getByRole('tab', { name: 'Encrypt' })).toBeVisible();
  await page.getByRole('tab', { name: 'Keys' }).click();
  await expect(page.getByText('Ada Lovelace').first()).toBeVisible();
  await context.setOffline(false);
});
