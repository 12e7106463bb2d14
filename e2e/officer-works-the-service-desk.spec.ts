/**
 * An officer works the authority's desk against a real escrow service
 * (`keyward serve`, see service-support.ts): an owner enrolled and deposited
 * two signed escrow blobs through the service's API; the officer signs in with
 * their private identity, finds a file by its serial and by a word of its
 * description, exports it, checks it in authority mode with the authority's
 * identity, and uploads its receipt, which the service then holds. A forged
 * receipt is refused with its sentence, a person who is not an officer is
 * refused at the desk, and the audit log verifies in the browser.
 */
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { parseAuditLog, verifyAuditLog } from '../src/core/audit.ts';
import * as core from '../src/core/index.ts';
import { ServiceClient } from '../src/io/service-client.ts';
import { authority, officer, openDesk, organisation, owner } from './desk-support.ts';
import { type TestService, expect, test } from './service-support.ts';
import { downloadFrom } from './support.ts';

async function signIn(page: Page, pem: string) {
  await page.getByLabel('Your private identity (PEM or JWK)').fill(pem);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

async function search(page: Page, fields: Record<string, string>) {
  for (const label of ['Serial', 'Words of the description']) await page.getByLabel(label, { exact: true }).fill(fields[label] ?? '');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
}

/** What the service holds for a file, read as an officer would (signed in from Node). */
async function storedReceipts(service: TestService, fileId: string): Promise<{ authority: { id: string } }[]> {
  const client = new ServiceClient(await service.config());
  const session = await client.signIn(officer);
  const stored = await client.get<{ receipts: { authority: { id: string } }[] }>(`/v1/deposits/${encodeURIComponent(fileId)}`, session);
  return stored.receipts;
}

test('an officer finds a deposit by serial and by a word, exports it, checks it here and uploads its receipt, which the service then holds', async ({ page, service }) => {
  test.setTimeout(120_000);
  const { minutes, budget } = await organisation(service);
  await openDesk(page, service);
  await signIn(page, await core.exportPrivateIdentity(officer, 'pem'));
  await expect(page.getByText(/^Signed in as Olive Officer \(officer\)/)).toBeFocused();

  const found = page.getByRole('list', { name: 'Deposits found' }).getByRole('listitem');
  await search(page, { Serial: budget.serial });
  await expect(page.getByText('1 deposit found.')).toBeVisible();
  await expect(found).toHaveAccessibleName(`File ${budget.serial}`);
  await search(page, { 'Words of the description': 'minutes' });
  await expect(found).toHaveCount(1);
  await expect(found).toHaveAccessibleName(`File ${minutes.serial}`);
  await expect(found).toContainText('Board minutes November');

  // The bundle is downloaded, and its blob goes to the escrow check, checked here with the authority's identity.
  const download = await downloadFrom(page, () => page.getByRole('button', { name: 'Export the deposit found' }).click());
  expect(download.suggestedFilename()).toMatch(/^keyward-bundle-\d{4}-\d{2}-\d{2}\.json$/);
  const bundle = JSON.parse(readFileSync((await download.path()), 'utf8')) as { format: string; blobs: unknown[] };
  expect(bundle.format).toBe('keyward-bundle/1');
  expect(bundle.blobs).toEqual([JSON.parse(core.serializeSigned(minutes))]);
  await expect(page.getByRole('group', { name: 'Escrow blob details' }).getByText(/^Checked: signed by identity/)).toBeVisible();

  const row = page.getByRole('list', { name: 'Blobs of the bundle' }).getByRole('listitem', { name: `File ${minutes.serial}` });
  await expect(row.getByText('Checked', { exact: true })).toBeVisible();
  await row.getByRole('button', { name: `Upload receipt for ${minutes.serial}` }).click();
  await expect(row.getByText(/^Receipt stored by the service \(audit entry \d+\)/)).toBeVisible();
  const receipts = await storedReceipts(service, minutes.fileId);
  expect(receipts).toHaveLength(1);
  expect(receipts[0]?.authority.id).toBe(authority.id);

  // A receipt for the other file, signed by someone else in the authority's name: the service refuses it.
  const genuine = await core.issueReceipt(budget, authority, { name: 'IT backup desk' });
  const unsigned: Partial<core.ReceiptV2> = { ...genuine, authority: { ...genuine.authority, id: officer.id, publicKey: core.b64u(officer.rsaSpki), signingKey: core.b64u(officer.ed25519Spki) } };
  delete unsigned.signature;
  const forged = { ...unsigned, signature: core.b64u(await core.signAs(officer, 'keyward/v2 receipt', core.utf8(core.canonicalJson(unsigned)))) };
  await page.getByLabel('Choose receipt files to upload').setInputFiles({ name: 'forged.keyward-receipt.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(forged)) });
  const refused = page.getByRole('list', { name: 'Receipt files uploaded' }).getByRole('listitem', { name: 'forged.keyward-receipt.json' }).getByRole('alert');
  await expect(refused).toBeVisible();
  const code = (await refused.getAttribute('data-code')) as core.ErrorCode;
  expect(['SIGNER_UNTRUSTED', 'SIGNATURE_INVALID']).toContain(code);
  await expect(refused).toHaveText(core.userMessage(code));
  expect(await storedReceipts(service, budget.fileId)).toEqual([]);

  // The audit log, downloaded and verified in the page; its head is the service's.
  const audit = await downloadFrom(page, () => page.getByRole('button', { name: 'Download and verify the audit log' }).click());
  const verified = page.getByRole('group', { name: 'Audit log verified' });
  await expect(verified).toContainText(/The audit log verifies: \d+ entries/);
  const head = (await (await fetch(`${service.url}/v1/audit/head`)).json()) as { seq: number; hash: string };
  await expect(verified.locator('[data-head]')).toHaveAttribute('data-head', head.hash);
  const log = parseAuditLog(readFileSync((await audit.path()), 'utf8'));
  expect(await verifyAuditLog(log.entries)).toEqual({ count: head.seq, head: head.hash });
  expect(log.entries.map((e) => e.event)).toEqual(expect.arrayContaining(['search', 'export', 'receipt']));
});

test('a person who is not an officer is refused at the desk with NOT_PERMITTED’s sentence', async ({ page, service }) => {
  test.setTimeout(90_000);
  await organisation(service);
  await openDesk(page, service);
  await signIn(page, await core.exportPrivateIdentity(owner, 'pem'));
  const alert = page.getByRole('alert');
  await expect(alert).toHaveAttribute('data-code', 'NOT_PERMITTED');
  await expect(alert).toHaveText(core.userMessage('NOT_PERMITTED'));
  await expect(page.getByText(/^Signed in as/)).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Search', exact: true })).toHaveCount(0);
});
