/**
 * The owner and a real escrow service (`keyward serve`, e2e/service-support.ts):
 * enrol with the officer's code; each escrow blob goes to the service by
 * itself and the register shows it stored (the signed acknowledgement checked
 * against the pinned service key); blobs for an authority the service does not
 * keep escrow for yet wait, the panel saying why, until an officer registers it;
 * a blob made while the service is down waits in the outbox through a reload
 * and is sent once when it is back. The
 * service's own audit log, read by an officer in Node, is the witness.
 */
import { type Page } from '@playwright/test';
import { type PrivateIdentity, exportPrivateIdentity, exportPublicIdentity, generateIdentity, issueReceipt, parseSignedObject, userMessage } from '../src/core/index.ts';
import { ServiceClient } from '../src/io/service-client.ts';
import { checkScreen, completeFirstRun } from './support.ts';
import { type TestService, expect, test } from './service-support.ts';

async function encrypt(page: Page, files: { name: string; text: string }[]): Promise<void> {
  await page.getByRole('tab', { name: 'Encrypt' }).click();
  const chooser = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: 'Choose files to encrypt' }).click();
  await (await chooser).setFiles(files.map((f) => ({ name: f.name, mimeType: 'text/plain', buffer: Buffer.from(f.text) })));
  for (const f of files) await expect(page.getByRole('button', { name: `Download ${f.name}.keyward`, exact: true })).toBeVisible({ timeout: 30_000 });
}

/** The register row of `name`. */
const row = (page: Page, name: string) => page.getByRole('row').filter({ has: page.getByRole('rowheader', { name }) });

/** The service's deposits, as its audit log (read by an officer) records them. */
async function depositsAt(service: TestService, officer: PrivateIdentity): Promise<string[]> {
  const client = new ServiceClient({ origin: service.url, serviceKey: (await service.config()).serviceKey });
  const session = await client.signIn(officer);
  const log = await client.get<{ entries: { event: string; data: { fileId?: string } }[] }>('/v1/audit', session);
  return log.entries.filter((e) => e.event === 'deposit').map((e) => e.data.fileId ?? '');
}

/** The officer at the desk (in Node): checks the deposit of `fileId` and uploads a receipt for it. */
async function receiptFor(service: TestService, officer: PrivateIdentity, fileId: string): Promise<void> {
  const client = new ServiceClient({ origin: service.url, serviceKey: (await service.config()).serviceKey });
  const session = await client.signIn(officer);
  const { blob } = await client.get<{ blob: unknown }>(`/v1/deposits/${fileId}`, session);
  const parsed = parseSignedObject(JSON.stringify(blob));
  if (parsed.kind !== 'escrow-v2') throw new Error(`the deposit is ${parsed.kind}`);
  const receipt = await issueReceipt(parsed.blob, officer, { name: 'IT backup desk' });
  await client.post('/v1/receipts', receipt, session);
}

test('an enrolled owner’s escrow blobs go to the service by themselves, also after being offline, each once', async ({ page, browser, service }) => {
  test.setTimeout(240_000);
  const [owner, desk] = await Promise.all([generateIdentity({ bits: 3072, extractable: true }), generateIdentity({ bits: 3072, extractable: true })]);
  await service.addOfficer(await exportPublicIdentity(desk, 'pem'), 'Desk officer');
  const code = await service.enrol('Ada Lovelace');
  await service.routeConfig(page.context());

  await completeFirstRun(page, { ownerPem: await exportPrivateIdentity(owner, 'pem'), authorityPem: await exportPublicIdentity(desk, 'pem') });
  await page.getByRole('tab', { name: 'Escrow register' }).click();
  await checkScreen(page, 'enrolment with the escrow service');
  await page.getByLabel('Enrolment code').fill(code);
  await page.getByRole('button', { name: 'Enrol', exact: true }).click();
  await expect(page.getByText(/^Enrolled as Ada Lovelace on /)).toBeVisible();

  await encrypt(page, [
    { name: 'report.txt', text: 'quarterly report\n' },
    { name: 'notes.txt', text: 'meeting notes\n' },
  ]);
  await page.getByRole('tab', { name: 'Escrow register' }).click();
  // The officer has not registered the authority yet: the service stores nothing for it, and the panel says why.
  await expect(page.getByRole('alert').filter({ hasText: '2 escrow blobs not stored yet' })).toContainText(userMessage('AUTHORITY_NOT_SERVED'));
  await expect(row(page, 'report.txt').getByText('Escrow service: Not sent')).toBeVisible();
  await checkScreen(page, 'blobs the service does not store yet, and why');
  // Keys says so too, on the pinned authority (the service's GET /v1/authorities).
  const notKept = /escrow service does not keep escrow for this authority/;
  await page.getByRole('tab', { name: 'Keys' }).click();
  const authorityCard = page.getByRole('listitem').filter({ has: page.getByText('Backup authority', { exact: true }) });
  await expect(authorityCard.getByText(notKept)).toBeVisible();
  await service.addAuthority(await exportPublicIdentity(desk, 'pem'), 'IT backup desk');
  await page.getByRole('tab', { name: 'Escrow register' }).click();
  await page.getByRole('button', { name: 'Send now' }).click();
  await expect(row(page, 'report.txt').getByText('Escrow service: Stored')).toBeVisible();
  await page.getByRole('tab', { name: 'Keys' }).click();
  await expect(authorityCard).toBeVisible();
  await expect(authorityCard.getByText(notKept)).toHaveCount(0);
  await page.getByRole('tab', { name: 'Escrow register' }).click();
  await expect(row(page, 'notes.txt').getByText('Escrow service: Stored')).toBeVisible();

  // The service goes away; a third file is encrypted and its blob waits, through a reload.
  await service.stop();
  await encrypt(page, [{ name: 'plan.txt', text: 'the plan\n' }]);
  await page.getByRole('tab', { name: 'Escrow register' }).click();
  await expect(row(page, 'plan.txt').getByText('Escrow service: Not sent')).toBeVisible();
  await page.reload();
  await page.getByRole('tab', { name: 'Escrow register' }).click();
  await expect(row(page, 'plan.txt').getByText('Escrow service: Not sent')).toBeVisible();
  await expect(row(page, 'report.txt').getByText('Escrow service: Stored')).toBeVisible();

  // Back again: the waiting blob is sent (the person need not wait for the next retry).
  await service.start();
  await page.getByRole('button', { name: 'Send now' }).click();
  await expect(row(page, 'plan.txt').getByText('Escrow service: Stored')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Send now' })).toHaveCount(0);

  // The service holds exactly three deposits, each file once.
  const deposited = await depositsAt(service, desk);
  expect(deposited).toHaveLength(3);
  expect(new Set(deposited).size).toBe(3);

  // The officer checks one deposit and uploads a receipt; the owner fetches it, and the core checks it here.
  const fileIds = await depositsAt(service, desk);
  for (const fileId of fileIds) await receiptFor(service, desk, fileId);
  await page.getByRole('button', { name: 'Check for receipts' }).click();
  await expect(page.getByText('Receipts checked.')).toBeVisible();
  for (const name of ['report.txt', 'notes.txt', 'plan.txt']) await expect(row(page, name).getByText('Escrow service: Checked by IT backup desk')).toBeVisible();

  // My escrow log: what the service recorded on my files.
  await page.getByRole('button', { name: 'Show my escrow log' }).click();
  const log = page.getByRole('list', { name: 'My escrow log' });
  await expect(log.getByText(/Escrow blob stored: plan\.txt/)).toBeVisible();
  await expect(log.getByText(/Escrow blob checked by the authority: report\.txt/)).toBeVisible();
  await expect(log.getByRole('listitem')).toHaveCount(6); // three deposits, three receipts
  await checkScreen(page, 'the register with the escrow service and my escrow log');

  // Someone else tries the same code: refused, with its sentence.
  const other = await browser.newContext();
  try {
    const stranger = await generateIdentity({ bits: 3072, extractable: true });
    await service.routeConfig(other);
    const second = await other.newPage();
    await completeFirstRun(second, { ownerPem: await exportPrivateIdentity(stranger, 'pem'), authorityPem: await exportPublicIdentity(desk, 'pem') });
    await second.getByRole('tab', { name: 'Escrow register' }).click();
    await second.getByLabel('Enrolment code').fill(code);
    await second.getByRole('button', { name: 'Enrol', exact: true }).click();
    await expect(second.getByRole('alert')).toContainText(userMessage('ENROL_CODE_USED'));
    await expect(second.getByText(/^Enrolled as/)).toHaveCount(0);
  } finally {
    await other.close();
  }
});

test('a service answering with another key than the configured one is not used: no enrolment, no blob called stored', async ({ page, service }) => {
  test.setTimeout(120_000);
  const [owner, desk] = await Promise.all([generateIdentity({ bits: 3072, extractable: true }), generateIdentity({ bits: 3072, extractable: true })]);
  const code = await service.enrol('Ada Lovelace');
  // The configuration pins a key the service does not have (a service swapped or impersonated at that origin).
  await service.routeConfig(page.context(), { format: 'keyward-service-config/1', origin: service.url, serviceKey: `SHA256:${'0'.repeat(64)}` });
  await completeFirstRun(page, { ownerPem: await exportPrivateIdentity(owner, 'pem'), authorityPem: await exportPublicIdentity(desk, 'pem') });
  await page.getByRole('tab', { name: 'Escrow register' }).click();
  await page.getByLabel('Enrolment code').fill(code);
  await page.getByRole('button', { name: 'Enrol', exact: true }).click();
  await expect(page.getByRole('alert')).toContainText(userMessage('SIGNER_UNTRUSTED'));

  await encrypt(page, [{ name: 'report.txt', text: 'quarterly report\n' }]);
  await page.getByRole('tab', { name: 'Escrow register' }).click();
  await expect(row(page, 'report.txt').getByText('Escrow service: Not sent')).toBeVisible();
  await expect(page.getByText(/^1 escrow blob waits to be sent/)).toBeVisible();
});
