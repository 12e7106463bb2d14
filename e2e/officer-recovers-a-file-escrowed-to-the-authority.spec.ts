/**
 * A file escrowed to the authority's one identity (not a council), recovered
 * through a case against a real escrow service: the owner pins the
 * authority, enrols and encrypts (the deposit goes by itself); the owner
 * loses the key and opens a case from a new identity; an officer who does
 * not hold the authority identity verifies it and is offered nothing to
 * issue in the page, but downloads what `keyward reissue` needs where the
 * authority's key is kept (offline), and uploads the recovery blob it
 * writes for one file (a wrong file is refused first); the officer signed
 * in with the authority identity issues the other file's recovery blob in
 * the page and uploads it; the owner opens both files (the same SHA-256 as
 * the originals).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import * as core from '../src/core/index.ts';
import { caseDesk, encryptOne, openCase, openRecoveryCase, ownerEnrolled, personPage } from './case-support.ts';
import { expect, keywardCli, test } from './service-support.ts';
import { checkScreen, downloadBytes, downloadFrom, keyIdShown, sha256, testIdentity } from './support.ts';

const NAME = 'lease 2026.pdf';
const plaintext = Buffer.from(Array.from({ length: 90_000 }, (_, i) => (i * 17 + 3) & 0xff));
/** The file whose recovery blob is issued offline, with `keyward reissue`. */
const OFFLINE_NAME = 'deeds.pdf';
const offlinePlaintext = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 31 + 7) & 0xff));

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

test('officers recover files escrowed to the authority identity through a recovery case: one blob issued in the page, one offline with keyward reissue', async ({ browser, service }) => {
  test.setTimeout(300_000);
  const [owner, authority, colleague] = await Promise.all([testIdentity('owner.pem'), testIdentity('authority.pem'), testIdentity('stranger.pem')]);
  await service.addOfficer(await core.exportPublicIdentity(authority, 'pem'), 'IT backup desk');
  await service.addAuthority(await core.exportPublicIdentity(authority, 'pem'), 'IT backup desk');
  await service.addOfficer(await core.exportPublicIdentity(colleague, 'pem'), 'Grace');
  const code = await service.enrol('Ada Lovelace');

  // The owner: key pair imported, the authority pinned, enrolled, two files encrypted and deposited.
  const ownerPage = await ownerEnrolled(browser, service, owner, (page) => pinAuthority(page, authority), code);
  const { encrypted, escrow } = await encryptOne(ownerPage, NAME, plaintext);
  expect(escrow.authority).toMatchObject({ kind: 'identity', id: authority.id });
  const { serial } = escrow;
  const offline = await encryptOne(ownerPage, OFFLINE_NAME, offlinePlaintext);
  const offlineSerial = offline.escrow.serial;
  await ownerPage.getByRole('tab', { name: 'Escrow register' }).click();
  for (const each of [serial, offlineSerial]) await expect(ownerPage.getByRole('row', { name: new RegExp(each) })).toContainText('Stored', { timeout: 30_000 });
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

  // Grace gets what keyward reissue needs where the authority's key is kept (offline): the new identity and the escrow blob.
  const work = mkdtempSync(join(tmpdir(), 'keyward-reissue-'));
  try {
    const newIdentityPem = await downloadBytes(await downloadFrom(graceDesk, () => opened.getByRole('button', { name: 'Download the new identity (PEM)' }).click()));
    const escrowJson = await downloadBytes(await downloadFrom(graceDesk, () => opened.getByRole('button', { name: `Download escrow blob for ${offlineSerial}` }).click()));
    expect(core.parseSignedObject(escrowJson.toString('utf8'))).toMatchObject({ kind: 'escrow-v2', blob: { fileId: offline.escrow.fileId } });
    const files = { to: join(work, 'new.pub.pem'), escrow: join(work, 'deeds.escrow.json'), key: join(work, 'authority.pem'), out: join(work, 'deeds.recovery.json') };
    writeFileSync(files.to, newIdentityPem);
    writeFileSync(files.escrow, escrowJson);
    writeFileSync(files.key, await core.exportPrivateIdentity(authority, 'pem'));
    await keywardCli(['reissue', files.escrow, '--authority-key', files.key, '--to', files.to, '--out', files.out]);
    const upload = opened.getByLabel(`Upload the recovery blob for ${offlineSerial}`);
    // The escrow blob is no recovery blob: refused here, nothing sent.
    await upload.setInputFiles({ name: 'deeds.escrow.json', mimeType: 'application/json', buffer: escrowJson });
    await expect(opened.getByRole('alert')).toContainText(core.userMessage('BLOB_MISMATCH'));
    await upload.setInputFiles({ name: 'deeds.recovery.json', mimeType: 'application/json', buffer: readFileSync(files.out) });
    await expect(opened.getByText(`Recovery blob for ${offlineSerial} uploaded.`)).toBeVisible();
    await expect(opened.getByRole('status').first()).toHaveText(/^Verified/);
    await checkScreen(graceDesk, 'a recovery blob issued offline, uploaded at the desk');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }

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
  for (const [name, each, sealed, original] of [
    [NAME, serial, encrypted, plaintext],
    [OFFLINE_NAME, offlineSerial, offline.encrypted, offlinePlaintext],
  ] as const) {
    await myCase.getByLabel(`Choose the encrypted file ${each}`).setInputFiles({ name: `${name}.keyward`, mimeType: 'application/octet-stream', buffer: sealed });
    const decrypted = newPage.getByRole('list', { name: 'Files being decrypted' }).getByRole('listitem').filter({ hasText: name });
    const output = await downloadBytes(await downloadFrom(newPage, () => decrypted.getByRole('button', { name: /^Download / }).click({ timeout: 60_000 })));
    expect(sha256(output)).toBe(sha256(original));
  }
});
