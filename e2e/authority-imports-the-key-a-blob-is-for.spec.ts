/**
 * Stale errors go: an escrow blob for an authority key not stored here shows
 * NO_MATCHING_KEY; once the authority imports that key pair, the same blob
 * is checked again and the error is gone, without dropping it again.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { cliEncrypted, dropFiles, openAuthorityDesk, testKey } from './support.ts';

let escrow = Buffer.alloc(0);

test.beforeAll(() => {
  escrow = cliEncrypted(mkdtempSync(join(tmpdir(), 'keyward-second-desk-')), 'legal.txt', 'legal hold\n'.repeat(500), { authority: 'stranger.pub.pem' }).escrow;
});

test('the authority imports the key pair a blob is for, and the blob’s error goes', async ({ page }) => {
  await openAuthorityDesk(page);

  await dropFiles(page, 'Drop escrow blobs', [{ name: 'legal.txt.keyward-escrow.json', mimeType: 'application/json', buffer: escrow }]);
  const details = page.getByRole('group', { name: 'Escrow blob details' });
  await expect(details.getByRole('alert')).toHaveAttribute('data-code', 'NO_MATCHING_KEY');

  await page.getByText('Add another authority key pair').click();
  await page.getByLabel('Authority private key (PEM or JWK)').fill(testKey('stranger.pem'));
  await page.getByLabel('Name for the imported key').fill('Legal desk');
  await page.getByRole('button', { name: 'Import authority key' }).click();

  await expect(details.getByText('Unsigned (v1)', { exact: true })).toBeVisible();
  await expect(page.getByRole('alert')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Download recovery blob' })).toBeVisible();
});
