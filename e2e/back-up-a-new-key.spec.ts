/**
 * A new key pair is backed up, or its backup is explicitly declined, before it
 * is saved and set-up goes on. Leaving before that is warned about, and loses
 * only an unused key: never a saved key that can no longer be backed up.
 */
import { type Page, expect, test } from '@playwright/test';
import { downloadBytes, downloadFrom, recordDialogs } from './support.ts';

async function createKeyPair(page: Page, name: string) {
  await page.getByRole('button', { name: 'Create a key pair' }).click();
  await page.getByLabel('Name for this key').fill(name);
  await page.getByRole('button', { name: 'Create key pair' }).click();
  await expect(page.getByRole('heading', { name: 'Back up your new key pair' })).toBeFocused({ timeout: 30_000 });
}

test('a person who reloads before the backup is warned, and is not left with a key that can never be backed up', async ({ page }) => {
  const dialogs = recordDialogs(page);
  await page.goto('/');
  // No name: the table's sentence, not a silent "My key".
  await page.getByRole('button', { name: 'Create a key pair' }).click();
  await page.getByRole('button', { name: 'Create key pair' }).click();
  await expect(page.getByRole('alert')).toHaveText(/Give this key a name/);
  await page.getByLabel('Name for this key').fill('Ada Lovelace');
  await expect(page.getByRole('alert')).toHaveCount(0);
  await page.getByRole('button', { name: 'Create key pair' }).click();
  await expect(page.getByRole('heading', { name: 'Back up your new key pair' })).toBeFocused({ timeout: 30_000 });
  await expect(page.getByText('This key pair is not saved yet.', { exact: false })).toBeVisible();
  // Set-up does not go on before the backup is decided.
  await expect(page.getByLabel('Authority public key (PEM or JWK)')).toHaveCount(0);

  await page.reload();
  expect(dialogs).toEqual(['beforeunload']);
  // The unused key is gone; nothing half-made was saved.
  await expect(page.getByRole('heading', { name: 'Welcome to Keyward' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Create a key pair' })).toBeVisible();
  await expect(page.getByLabel(/^Key ID SHA256:/)).toHaveCount(0);

  // Made again and backed up: saved, and leaving is no longer questioned.
  await createKeyPair(page, 'Ada Lovelace');
  await page.getByLabel('Backup passphrase').fill('correct horse battery staple');
  await page.getByLabel('Repeat passphrase').fill('correct horse battery staple');
  const backup = await downloadFrom(page, () => page.getByRole('button', { name: 'Download backup' }).click());
  expect((await downloadBytes(backup)).toString('utf8')).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/);
  await expect(page.getByText(/^Backup downloaded/)).toBeVisible();
  await expect(page.getByLabel('Authority public key (PEM or JWK)')).toBeVisible();
  await page.reload();
  await expect(page.getByText(/^Backup downloaded/)).toBeVisible();
  expect(dialogs).toEqual(['beforeunload']);
});

test('a person may go on without a backup only by saying so, with the consequence stated', async ({ page }) => {
  const dialogs = recordDialogs(page);
  await page.goto('/');
  await createKeyPair(page, 'Ada Lovelace');
  const keep = page.getByRole('button', { name: 'Save the key without a backup' });
  await expect(keep).toBeDisabled();
  await page.getByRole('checkbox', { name: 'Continue without a backup: if this browser loses its data, only my backup authority can recover my files' }).check();
  await keep.click();

  await expect(page.getByText('Saved without a backup: if this browser loses its data, only your backup authority can recover your files.')).toBeVisible();
  await expect(page.getByLabel('Authority public key (PEM or JWK)')).toBeVisible();
  await page.reload();
  await expect(page.getByText(/^Saved without a backup/)).toBeVisible();
  expect(dialogs).toEqual([]);
});

test('a discarded key pair is not saved, and another can be made at once', async ({ page }) => {
  await page.goto('/');
  await createKeyPair(page, 'Wrong name');
  await page.getByRole('button', { name: 'Discard this key pair' }).click();
  await createKeyPair(page, 'Ada Lovelace');
  await expect(page.getByRole('heading', { name: 'Back up your new key pair' }).locator('..')).toContainText('Ada Lovelace');
});

test('the authority’s new key pair is backed up before it is saved', async ({ page }) => {
  const dialogs = recordDialogs(page);
  await page.goto('/');
  await page.getByRole('tab', { name: 'Backup authority' }).click();
  await page.getByLabel('Authority key name').fill('IT backup desk');
  await page.getByRole('button', { name: 'Create authority key pair' }).click();
  await expect(page.getByRole('heading', { name: 'Back up your new key pair' })).toBeFocused({ timeout: 30_000 });
  await expect(page.getByRole('list', { name: 'Authority key pairs' })).toHaveCount(0);
  await expect(page.getByRole('checkbox', { name: /every escrow blob made for this key becomes useless/ })).not.toBeChecked();

  await page.getByLabel('Backup passphrase').fill('correct horse battery staple');
  await page.getByLabel('Repeat passphrase').fill('correct horse battery staple');
  const backup = await downloadFrom(page, () => page.getByRole('button', { name: 'Download backup' }).click());
  expect(backup.suggestedFilename()).toBe('IT-backup-desk.backup.pem');
  const card = page.getByRole('list', { name: 'Authority key pairs' }).getByRole('listitem', { name: 'IT backup desk' });
  await expect(card.getByText('Backed up')).toBeVisible();
  await page.reload();
  await expect(card).toBeVisible();
  expect(dialogs).toEqual([]);
});
