/**
 * The recovery-case journeys (organisation-escrows-and-recovers-through-the-service,
 * officer-recovers-a-file-escrowed-to-the-authority): a person's page with the
 * service configured, the case desk signed in with an identity, one case opened there.
 */
import type { Browser, Page } from '@playwright/test';
import * as core from '../src/core/index.ts';
import { type TestService, expect } from './service-support.ts';
import { downloadBytes, downloadFrom, dropFiles } from './support.ts';

/** A page in a browser context of its own, with the service's configuration served beside the app. */
export async function personPage(browser: Browser, service: TestService): Promise<Page> {
  const context = await browser.newContext({ acceptDownloads: true });
  await service.routeConfig(context);
  const page = await context.newPage();
  await page.goto('/');
  return page;
}

/** Authority mode, and the recovery cases' sign-in with a private identity (held by the page only). */
export async function caseDesk(browser: Browser, service: TestService, who: core.PrivateIdentity): Promise<Page> {
  const page = await personPage(browser, service);
  await page.getByRole('tab', { name: 'Backup authority' }).click();
  const cases = page.getByRole('region', { name: 'Recovery cases' });
  await cases.getByLabel('Your private identity for the escrow service (PEM or JWK)').fill(await core.exportPrivateIdentity(who, 'pem'));
  await cases.getByRole('button', { name: 'Sign in to recovery cases' }).click();
  await expect(cases.getByText(/^Signed in as/)).toBeVisible();
  return page;
}

/** At the case desk: the cases in `state` listed and the one for the lost identity opened. */
export async function openCase(page: Page, state: 'Open' | 'Verified', caseId: string) {
  const cases = page.getByRole('region', { name: 'Recovery cases' });
  await cases.getByLabel('Cases that are').selectOption({ label: state });
  await cases.getByRole('button', { name: 'List cases' }).click();
  await cases.getByRole('button', { name: `Open case ${caseId}` }).click();
  return cases.getByRole('group', { name: `Case ${caseId}` });
}

/** Under Decrypt, the person's new identity opens a recovery case for the lost one; its ID. */
export async function openRecoveryCase(page: Page, lostIdentityId: string, note: string): Promise<string> {
  await page.getByRole('tab', { name: 'Decrypt' }).click();
  const caseForm = page.getByRole('form', { name: 'Open a recovery case' });
  await caseForm.getByLabel('Your lost identity ID').fill(lostIdentityId);
  await caseForm.getByLabel('Note for the officer').fill(note);
  await caseForm.getByRole('button', { name: 'Open recovery case' }).click();
  const myCase = page.getByRole('group', { name: 'Your recovery case' });
  await expect(myCase.getByRole('status')).toHaveText(/^Open/);
  const caseId = (await myCase.locator('code.case-id').textContent()) ?? '';
  expect(caseId).not.toBe('');
  return caseId;
}

/** The owner's first browser: their key pair imported, `pin` run (an authority or a council pinned), enrolled with `code`. */
export async function ownerEnrolled(browser: Browser, service: TestService, owner: core.PrivateIdentity, pin: (page: Page) => Promise<void>, code: string): Promise<Page> {
  const page = await personPage(browser, service);
  await page.getByRole('button', { name: 'Import a key pair' }).click();
  await page.getByLabel('Your key (PEM or JWK)').fill(await core.exportPrivateIdentity(owner, 'pem'));
  await page.getByLabel('Name for this key').fill('Ada Lovelace');
  await page.getByRole('button', { name: 'Import key', exact: true }).click();
  await pin(page);
  await page.getByRole('tab', { name: 'Escrow register' }).click();
  await page.getByLabel('Enrolment code').fill(code);
  await page.getByRole('button', { name: 'Enrol', exact: true }).click();
  await expect(page.getByText(/^Enrolled as Ada Lovelace/)).toBeVisible();
  return page;
}

/** One file encrypted on the page (a real drop, real downloads): the `.keyward` bytes and its v2 escrow blob. */
export async function encryptOne(page: Page, name: string, bytes: Buffer): Promise<{ encrypted: Buffer; escrow: core.EscrowBlobV2 }> {
  await page.getByRole('tab', { name: 'Encrypt' }).click();
  await dropFiles(page, 'Drop files to encrypt', [{ name, mimeType: 'application/pdf', buffer: bytes }]);
  const row = page.getByRole('list', { name: 'Files being encrypted' }).getByRole('listitem', { name, exact: true });
  const encrypted = await downloadBytes(await downloadFrom(page, () => row.getByRole('button', { name: `Download ${name}.keyward`, exact: true }).click({ timeout: 30_000 })));
  const escrowText = (await downloadBytes(await downloadFrom(page, () => row.getByRole('button', { name: `Download ${name}.keyward-escrow.json` }).click()))).toString('utf8');
  const escrow = core.parseSignedObject(escrowText);
  if (escrow.kind !== 'escrow-v2') throw new Error(`the owner made a ${escrow.kind}`);
  return { encrypted, escrow: escrow.blob };
}
