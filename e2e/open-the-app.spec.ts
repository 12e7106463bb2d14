import { expect, test } from '@playwright/test';

test('a person opens Keyward for the first time and is welcomed without errors', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Welcome to Keyward' })).toBeVisible();
  expect(errors).toEqual([]);
});

test('a browser without IndexedDB is told what is missing', async ({ page }) => {
  await page.addInitScript(() => {
    Object.defineProperty(window, 'indexedDB', { value: undefined, configurable: true });
  });
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'This browser cannot run Keyward' })).toBeVisible();
  await expect(page.getByRole('alert')).toContainText('IndexedDB');
});
