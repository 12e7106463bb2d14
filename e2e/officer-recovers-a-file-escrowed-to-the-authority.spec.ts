/**
 * A file escrowed to the authority's one identity (not a council), recovered
 * through a case against a real escrow service: the owner pins the
 * authority, enrols and encrypts (the deposit goes by itself); the owner
 * loses the key and opens a case from a new identity; an officer who does
 * not hold the authority identity verifies it and is offered nothing to
 * issue; the officer signed in with the authority identity issues the
 * recovery blob in the page and uploads it; the owner opens the file (the
 * same SHA-256 as the original).
 */
import type { Page } from '@playwright/test';
import * as core from '../src/core/index.ts';
import { caseDesk, encryptOne, openCase, openRecoveryCase, ownerEnrolled, personPage } from './case-support.ts';
import { expect, test } from './service-support.ts';
import { checkScreen, downloadBytes, downloadFrom, keyIdShown, sha256, testIdentity } from './support.ts';

const NAME = 'lease 2026.pdf';
const plaintext = Buffer.from(Array.from({ length: 90_000 }, (_, i) => (i * 17 + 3) & 0xff));

/** Step 2 of the first run: the authority's public identity added, its ID compared, confirmed. */
async function pinAuthority(page: Page, authority: core.PrivateIdentity) {
  await page.getByLabel('Authority public key (PEM or JWK)').fill(await core.exportPublicIdentity(authority, 'pem'));
  await page.getByLabel('Authority name').fill('IT backup desk');
  await page.getByRole('button', { name: 'Add authority' }).click();
  await expect(page.getByRole('heading', { name: 'Compare the identity ID' })).toBeVisible();
  await expect(keyIdShown(page, authority.id)).toBeVisible();
  await page.getByRole('button', { name: 'Confirm authority' }).click();
  await expect(page.getByRole('tab', { name: 'Encrypt', selected: true })).toBeVisible();
}

test('an officer holding the authority identity recovers a file escrowed to it through a recovery case', async ({ browser, service }) => {
  test.setTimeout(300_000);
  const [owner, authority, colleague] = await Promise.all([testIdentity('owner.pem'), testIdentity('authority.pem'), testIdentity('stranger.pem')]);
  await service.addOfficer(await core.exportPublicIdentity(authority, 'pem'), 'IT backup desk');
  await service.addAuthority(await core.exportPublicIdentity(authority, 'pem'), 'IT backup desk');
  await service.addOfficer(await core.exportPublicIdentity(colleague, 'pem'), 'Grace');
  const code = await service.enrol('Ada Lovelace');

  // The owner: key pair imported, the authority pinned, enrolled, one file encrypted and deposited.
  const ownerPage = await ownerEnrolled(browser, service, owner, (page) => pinAuthority(page, authority), code);
  const { encrypted, escrow } = await encryptOne(ownerPage, NAME, plaintext);
  expect(escrow.authority).toMatchObject({ kind: 'identity', id: authority.id });
  const { serial } = escrow;
  await ownerPage.getByRole('tab', { name: 'Escrow register' }).click();
  await expect(ownerPage.getByRole('row', { name: new RegExp(serial) })).toContainText('Stored', { timeout: 30_000 });
  await ownerPage.context().close();

  // The key is lost: a new browser, a new identity, the authority pinned again, a case opened.
  const newPage = await personPage(browser, service);
  await newPage.getByRole('button', { name: 'Create a key pair' }).click();
  await newPage.getByLabel('Name for this key').fill('Ada Lovelace');
  await newPage.getByRole('button', { name: 'Create key pair' }).click();
  await expect(newPage.getByRole('heading', { name: 'Back up your new key pair' })).toBeFocused({ timeout: 60_000 });
  await newPage.getByRole('checkbox', { name: /^Continue without a backup/ }).check();
  await newPage.getByRole('button', { name: 'Save the key without a backup' }).click();
  await pinAuthority(newPage, authority);
  const caseId = await openRecoveryCase(newPage, owner.id, 'New laptop; the old one was wiped.');
  const myCase = newPage.getByRole('group', { name: 'Your recovery case' });

  // Grace, an officer without the authority identity, verifies the case and is offered nothing to issue.
  const graceDesk = await caseDesk(browser, service, colleague);
  const opened = await openCase(graceDesk, 'Open', caseId);
  await opened.getByLabel('How you checked the person’s identity').fill('Called back on the number in the HR record');
  await opened.getByRole('button', { name: 'Verify the case' }).click();
  await expect(opened.getByRole('status').first()).toHaveText(/^Verified/);
  await expect(opened.getByRole('button', { name: /^Issue and upload/ })).toHaveCount(0);

  // The officer signed in with the authority identity issues the recovery blob here and uploads it.
  const authorityDesk = await caseDesk(browser, service, authority);
  const verified = await openCase(authorityDesk, 'Verified', caseId);
  await verified.getByRole('button', { name: `Issue and upload recovery blob for ${serial}` }).click();
  await expect(verified.getByText(`Recovery blob for ${serial} uploaded.`)).toBeVisible();
  await expect(verified.getByRole('status').first()).toHaveText(/^Ready/);
  await checkScreen(authorityDesk, 'a recovery blob uploaded at the desk');

  // The owner downloads it and opens the file: the original bytes.
  await myCase.getByRole('button', { name: 'Check the case again' }).click();
  await expect(myCase.getByRole('status')).toHaveText(/^Ready/);
  await myCase.getByRole('button', { name: 'Download recovery blobs' }).click();
  await myCase.getByLabel(`Choose the encrypted file ${serial}`).setInputFiles({ name: `${NAME}.keyward`, mimeType: 'application/octet-stream', buffer: encrypted });
  const decrypted = newPage.getByRole('list', { name: 'Files being decrypted' }).getByRole('listitem').filter({ hasText: NAME });
  const output = await downloadBytes(await downloadFrom(newPage, () => decrypted.getByRole('button', { name: /^Download / }).click({ timeout: 60_000 })));
  expect(sha256(output)).toBe(sha256(plaintext));
});
