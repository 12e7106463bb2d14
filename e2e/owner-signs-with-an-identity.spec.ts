/**
 * The owner's side of v2 (spec keyward-v2.md): a new key pair is an identity
 * whose identity ID the page shows; the backup authority's identity is pinned
 * by confirming its identity ID. The authority's side is played in Node with
 * the core, never by trusting the page.
 */
import { expect, test } from '@playwright/test';
import { exportPublicIdentity, generateIdentity } from '../src/core/index.ts';
import { keyIdShown } from './support.ts';

test('an owner creates an identity, sees its identity ID, and pins the authority’s identity by its identity ID', async ({ page }) => {
  const desk = await generateIdentity({ bits: 3072, extractable: true });
  await page.goto('/');
  await page.getByRole('button', { name: 'Create a key pair' }).click();
  await page.getByLabel('Name for this key').fill('Ada Lovelace');
  await page.getByRole('button', { name: 'Create key pair' }).click();
  await expect(page.getByRole('heading', { name: 'Back up your new key pair' })).toBeFocused({ timeout: 30_000 });
  const shownId = page.getByText(/^Identity ID /);
  await expect(shownId).toBeVisible();
  const ownId = await shownId.locator('[data-key-id]').getAttribute('data-key-id');
  expect(ownId).toMatch(/^SHA256:[0-9a-f]{64}$/);
  await page.getByRole('checkbox', { name: /^Continue without a backup/ }).check();
  await page.getByRole('button', { name: 'Save the key without a backup' }).click();

  await page.getByLabel('Authority public key (PEM or JWK)').fill(await exportPublicIdentity(desk, 'pem'));
  await page.getByLabel('Authority name').fill('IT backup desk');
  await page.getByRole('button', { name: 'Add authority' }).click();
  // The identity ID (not the RSA key ID) is what the person compares with the authority.
  await expect(page.getByRole('heading', { name: 'Compare the identity ID' })).toBeVisible();
  await expect(keyIdShown(page, desk.id)).toBeVisible();
  await expect(keyIdShown(page, desk.encryption.keyId)).toHaveCount(0);
  await expect(page.getByText('Compare this identity ID with your backup authority (for example over the phone) before you trust it.')).toBeVisible();
  await page.getByRole('button', { name: 'Confirm authority' }).click();
  await expect(page.getByRole('tab', { name: 'Encrypt', selected: true })).toBeVisible();

  await page.getByRole('tab', { name: 'Keys' }).click();
  const list = page.getByRole('list', { name: 'Stored keys' });
  const own = list.getByRole('listitem', { name: 'Ada Lovelace' });
  await expect(own.getByText(/^Identity ID /)).toBeVisible();
  await expect(keyIdShown(own, ownId!)).toBeVisible();
  const authority = list.getByRole('listitem', { name: 'IT backup desk' });
  await expect(keyIdShown(authority, desk.id)).toBeVisible();
  await expect(authority.getByText(/^Identity ID confirmed /)).toBeVisible();
});
