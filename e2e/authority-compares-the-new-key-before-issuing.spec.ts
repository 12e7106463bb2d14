/**
 * Before a recovery blob is issued, the authority sees the key ID of the
 * public key it was handed and confirms it compared that ID with the owner.
 * Its own public key, and the key the file was already encrypted for, are
 * refused; an error goes as soon as the key is changed.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { refDecryptWithBlob, refKeyId } from '../test/reference/keyward-node.ts';
import { cliEncrypted, downloadBytes, downloadFrom, dropFiles, keyIdShown, openAuthorityDesk, sha256, testKey } from './support.ts';

const plaintext = Buffer.from('minutes\n'.repeat(3000));
let dir = '';

test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'keyward-compare-'));
  cliEncrypted(dir, 'minutes.txt', plaintext, { ownerName: 'Ada Lovelace' });
});

test('the authority compares the new key ID with the owner before a recovery blob is issued, and never issues one to an authority key', async ({ page }) => {
  await openAuthorityDesk(page);
  await dropFiles(page, 'Drop escrow blobs', [{ name: 'minutes.txt.keyward-escrow.json', mimeType: 'application/json', buffer: readFileSync(join(dir, 'minutes.txt.keyward-escrow.json')) }]);
  await expect(page.getByText('Unsigned (v1)', { exact: true })).toBeVisible();

  const keyField = page.getByLabel("Owner's new public key (PEM or JWK)");
  const issue = page.getByRole('button', { name: 'Download recovery blob' });
  const compare = page.getByRole('group', { name: 'The new key to compare' });

  // The authority's own public key, pasted by mistake: refused, nothing to confirm.
  await keyField.fill(testKey('authority.pub.pem'));
  await expect(page.getByRole('alert')).toHaveAttribute('data-code', 'KEY_IS_AUTHORITY');
  await expect(issue).toBeDisabled();
  await expect(compare).toHaveCount(0);

  // The key the file was already encrypted for (the one the owner lost): refused too.
  await keyField.fill(testKey('owner.pub.pem'));
  await expect(page.getByRole('alert')).toHaveAttribute('data-code', 'KEY_IS_ESCROWED_OWNER');

  // The owner's new key: its ID and the owner's name are shown; nothing is issued before the comparison is confirmed.
  await keyField.fill(testKey('new-owner.pub.pem'));
  await expect(page.getByRole('alert')).toHaveCount(0);
  await expect(keyIdShown(compare, refKeyId(testKey('new-owner.pub.pem')))).toBeVisible();
  await expect(compare).toContainText('New key of Ada Lovelace');
  await issue.click();
  await expect(page.getByRole('alert')).toHaveAttribute('data-code', 'KEY_NOT_CONFIRMED');

  await compare.getByLabel('I compared this key ID with the owner, by phone or in person').check();
  await expect(page.getByRole('alert')).toHaveCount(0);
  const recovery = await downloadFrom(page, () => issue.click());
  const opened = refDecryptWithBlob(readFileSync(join(dir, 'minutes.txt.keyward')), (await downloadBytes(recovery)).toString('utf8'), testKey('new-owner.pem'));
  expect(sha256(opened.plaintext)).toBe(sha256(plaintext));
});
