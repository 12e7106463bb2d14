/**
 * Issue 17's "Done when": the whole organisation path against a real escrow
 * service (`keyward serve` on PostgreSQL when KEYWARD_TEST_DATABASE_URL is
 * set, see service-support.ts), each person in a browser context of their
 * own, every download a real one. The owner enrols with an officer's code and
 * encrypts a file to a 2-of-3 council (the deposit goes by itself); an
 * officer who is also a member checks the blob at the desk and uploads the
 * receipt; the owner sees the file confirmed. The owner loses the key: in a
 * new browser, a new identity opens a recovery case; the officer verifies
 * it; one member's partial leaves the case not ready, a member of another
 * council is refused (OUTSIDE_COUNCIL, in the page and at the service); a
 * second member's partial makes it ready; the owner downloads the partials,
 * opens the file (same SHA-256 as the original) and sees the recovery in
 * their escrow log.
 */
import type { Page } from '@playwright/test';
import * as core from '../src/core/index.ts';
import { ServiceClient } from '../src/io/service-client.ts';
import { caseDesk, encryptOne, openCase, openRecoveryCase, ownerEnrolled, personPage } from './case-support.ts';
import { expect, test } from './service-support.ts';
import { checkScreen, downloadBytes, downloadFrom, keyIdShown, sha256, testIdentity } from './support.ts';

const NAME = 'merger terms 2026.pdf';
const plaintext = Buffer.from(Array.from({ length: 150_000 }, (_, i) => (i * 31 + 7) & 0xff));
const json = (name: string, text: string) => ({ name, mimeType: 'application/json', buffer: Buffer.from(text) });

/** Step 2 of the first run: the council file chosen, its council ID compared, confirmed. */
async function pinCouncil(page: Page, council: core.Council) {
  await page.getByLabel('Choose council file').setInputFiles(json('Recovery-council.keyward-council.json', core.serializeCouncil(council)));
  const compare = page.getByRole('group', { name: 'Compare the council ID' });
  await expect(keyIdShown(compare, council.id)).toBeVisible();
  await compare.getByRole('button', { name: 'Confirm council' }).click();
  await expect(page.getByRole('tab', { name: 'Encrypt', selected: true })).toBeVisible();
}

test('an organisation escrows through the service, and a 2-of-3 council recovers the owner’s lost key through a recovery case', async ({ browser, service }) => {
  test.setTimeout(600_000);
  const [owner, alice, bob, carol, dora] = await Promise.all([
    testIdentity('owner.pem'),
    testIdentity('authority.pem'),
    testIdentity('stranger.pem'),
    testIdentity('rsa4096.pem'),
    testIdentity('member-3.pem'),
  ]);
  const council = await core.createCouncil({
    name: 'Recovery council',
    threshold: 2,
    members: [
      { name: 'Alice', identity: alice },
      { name: 'Bob', identity: bob },
      { name: 'Carol', identity: carol },
    ],
  });
  const other = await core.createCouncil({ name: 'Other council', threshold: 1, members: [{ name: 'Dora', identity: dora }] });
  // Alice is an officer of the authority as well as a member of its council.
  await service.addOfficer(await core.exportPublicIdentity(alice, 'pem'), 'Alice');
  await service.addCouncil(core.serializeCouncil(council));
  await service.addCouncil(core.serializeCouncil(other));
  const code = await service.enrol('Ada Lovelace');

  // The owner: key pair imported, council pinned, enrolled with the code, one file encrypted.
  const ownerPage = await ownerEnrolled(browser, service, owner, (page) => pinCouncil(page, council), code);
  const { encrypted, escrow } = await encryptOne(ownerPage, NAME, plaintext);
  const { fileId, serial } = escrow;

  // The deposit went by itself: the register says the service stored it.
  await ownerPage.getByRole('tab', { name: 'Escrow register' }).click();
  const registerRow = ownerPage.getByRole('row', { name: new RegExp(serial) });
  await expect(registerRow).toContainText('Stored', { timeout: 30_000 });

  // The officer (Alice, a member) finds it at the desk, checks it with her identity and uploads the receipt.
  const deskPage = await personPage(browser, service);
  await deskPage.getByRole('tab', { name: 'Backup authority' }).click();
  await deskPage.getByLabel('Authority private key (PEM or JWK)').fill(await core.exportPrivateIdentity(alice, 'pem'));
  await deskPage.getByLabel('Name for the imported key').fill('Alice');
  await deskPage.getByRole('button', { name: 'Import authority key' }).click();
  await expect(deskPage.getByRole('heading', { name: 'Escrow service desk' })).toBeVisible();
  await deskPage.getByLabel('Your private identity (PEM or JWK)').fill(await core.exportPrivateIdentity(alice, 'pem'));
  await deskPage.getByRole('button', { name: 'Sign in', exact: true }).click();
  await deskPage.getByLabel('Serial', { exact: true }).fill(serial);
  await deskPage.getByRole('button', { name: 'Search', exact: true }).click();
  await expect(deskPage.getByText('1 deposit found.')).toBeVisible();
  await downloadFrom(deskPage, () => deskPage.getByRole('button', { name: 'Export the deposit found' }).click());
  const bundleRow = deskPage.getByRole('list', { name: 'Blobs of the bundle' }).getByRole('listitem', { name: `File ${serial}` });
  await bundleRow.getByRole('button', { name: `Upload receipt for ${serial}` }).click();
  await expect(bundleRow.getByText(/^Receipt stored by the service/)).toBeVisible();

  // The owner fetches receipts: the file is confirmed, checked by Alice (a member of the council).
  await ownerPage.getByRole('button', { name: 'Check for receipts' }).click();
  await expect(registerRow).toContainText('Confirmed by');
  await expect(registerRow).toContainText('Escrow service: Checked by Alice');

  // The owner loses the key: a new browser, a new identity, the council pinned again.
  const newPage = await personPage(browser, service);
  await newPage.getByRole('button', { name: 'Create a key pair' }).click();
  await newPage.getByLabel('Name for this key').fill('Ada Lovelace');
  await newPage.getByRole('button', { name: 'Create key pair' }).click();
  await expect(newPage.getByRole('heading', { name: 'Back up your new key pair' })).toBeFocused({ timeout: 60_000 });
  await newPage.getByLabel('Backup passphrase').fill('correct horse battery staple 2026');
  await newPage.getByLabel('Repeat passphrase').fill('correct horse battery staple 2026');
  await downloadFrom(newPage, () => newPage.getByRole('button', { name: 'Download backup' }).click());
  await pinCouncil(newPage, council);

  // The recovery case, opened from the new identity under Decrypt.
  const caseId = await openRecoveryCase(newPage, owner.id, 'Laptop stolen on the train; I can come in with my passport.');
  const myCase = newPage.getByRole('group', { name: 'Your recovery case' });
  const newIdentityId = await myCase.getByRole('listitem', { name: 'Case opened' }).locator('[data-key-id]').getAttribute('data-key-id');
  expect(newIdentityId).toMatch(/^SHA256:[0-9a-f]{64}$/);
  expect(newIdentityId).not.toBe(owner.id);
  await checkScreen(newPage, 'the owner’s open recovery case');

  // The officer checks who the person is and records how.
  const aliceCases = await caseDesk(browser, service, alice);
  const opened = await openCase(aliceCases, 'Open', caseId);
  await opened.getByLabel('How you checked the person’s identity').fill('Passport seen in person, photo matches HR record');
  await opened.getByRole('button', { name: 'Verify the case' }).click();
  await expect(opened.getByRole('status').first()).toHaveText(/^Verified/);
  await checkScreen(aliceCases, 'a verified case at the desk');

  // One member's partial: the case is not ready.
  const verified = await openCase(aliceCases, 'Verified', caseId);
  await verified.getByRole('button', { name: `Issue and upload partial for ${serial}` }).click();
  await expect(verified.getByText(`Partial for ${serial} uploaded.`)).toBeVisible();
  await myCase.getByRole('button', { name: 'Check the case again' }).click();
  await expect(myCase.getByRole('listitem', { name: serial })).toContainText('1 of 2 recovery blobs in');
  await expect(myCase.getByRole('status')).toHaveText(/^Verified/);
  await expect(myCase.getByRole('button', { name: 'Download recovery blobs' })).toHaveCount(0);

  // A member of another council is refused, in the page and at the service.
  const doraCases = await caseDesk(browser, service, dora);
  const doraCase = await openCase(doraCases, 'Verified', caseId);
  await doraCase.getByRole('button', { name: `Issue and upload partial for ${serial}` }).click();
  const refusal = doraCase.getByRole('alert');
  await expect(refusal).toHaveAttribute('data-code', 'OUTSIDE_COUNCIL');
  await expect(refusal).toContainText('You are not a member of the council this file was escrowed to');
  await checkScreen(doraCases, 'a member refused outside the council');
  const client = new ServiceClient(await service.config());
  const doraSession = await client.signIn(dora);
  const detail = await client.get<{ newIdentity: { publicKey: string; signingKey: string }; newIdentityId: string }>(`/v1/cases/${encodeURIComponent(caseId)}`, doraSession);
  expect(detail.newIdentityId).toBe(newIdentityId);
  const deposit = await client.get<{ blob: unknown }>(`/v1/deposits/${encodeURIComponent(fileId)}`, doraSession);
  const stored = core.parseSignedObject(JSON.stringify(deposit.blob));
  if (stored.kind !== 'escrow-v2') throw new Error(`the service holds a ${stored.kind}`);
  const carolsPartial = await core.issuePartialRecovery(stored.blob, carol, {
    newOwner: await core.publicIdentityFromSpki(core.fromB64u(detail.newIdentity.publicKey, 'publicKey'), core.fromB64u(detail.newIdentity.signingKey, 'signingKey')),
  });
  await expect(client.post(`/v1/cases/${encodeURIComponent(caseId)}/uploads`, JSON.parse(core.serializeSigned(carolsPartial)), doraSession)).rejects.toMatchObject({ code: 'OUTSIDE_COUNCIL' });

  // The second member's partial: ready.
  const bobCases = await caseDesk(browser, service, bob);
  const bobCase = await openCase(bobCases, 'Verified', caseId);
  await bobCase.getByRole('button', { name: `Issue and upload partial for ${serial}` }).click();
  await expect(bobCase.getByText(`Partial for ${serial} uploaded.`)).toBeVisible();

  // The owner downloads the partials and opens the file with them: the original bytes.
  await myCase.getByRole('button', { name: 'Check the case again' }).click();
  await expect(myCase.getByRole('status')).toHaveText(/^Ready/);
  await expect(myCase.getByRole('list', { name: 'Case steps' }).getByRole('listitem', { name: 'Identity checked by an officer' })).toContainText('Passport seen in person');
  await expect(myCase.getByRole('list', { name: 'Case steps' }).getByRole('listitem', { name: 'Recovery blob uploaded' })).toHaveCount(2);
  await myCase.getByRole('button', { name: 'Download recovery blobs' }).click();
  await myCase.getByLabel(`Choose the encrypted file ${serial}`).setInputFiles({ name: `${NAME}.keyward`, mimeType: 'application/octet-stream', buffer: encrypted });
  const decrypted = newPage.getByRole('list', { name: 'Files being decrypted' }).getByRole('listitem').filter({ hasText: NAME });
  await checkScreen(newPage, 'a ready case, its file opened');
  const output = await downloadBytes(await downloadFrom(newPage, () => decrypted.getByRole('button', { name: /^Download / }).click({ timeout: 60_000 })));
  expect(sha256(output)).toBe(sha256(plaintext));

  // The owner sees the recovery in their escrow log.
  await newPage.getByRole('tab', { name: 'Escrow register' }).click();
  await newPage.getByRole('button', { name: 'Show my escrow log' }).click();
  const log = newPage.getByRole('list', { name: 'My escrow log' });
  await expect(log).toContainText('Recovery case opened');
  await expect(log).toContainText('Recovery: the person’s identity was checked');
  await expect(log).toContainText('Recovery: the key shares were downloaded');
});
