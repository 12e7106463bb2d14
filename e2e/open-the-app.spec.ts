import { expect, test } from '@playwright/test';

test('a person opens Keyward and learns whether the browser can run it', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Keyward' })).toBeVisible();
  await expect(page.getByRole('status')).toHaveText('This browser has everything Keyward needs.');
  expect(errors).toEqual([]);
});
