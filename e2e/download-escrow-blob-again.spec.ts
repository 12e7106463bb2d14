/**
 * Journey 3: the escrow register in IndexedDB keeps every file encrypted
 * here. After a reload the owner downloads an escrow blob again (byte for
 * byte the first one) and exports the whole register for the authority.
 */
import { expect, test } from '@playwright/test';
import { refDecryptWithBlob } from '../test/reference/keyward-node.ts';
import { readZip } from './read-zip.ts';
import { completeFirstRun, downloadBytes, downloadFrom, dropFiles, sha256, testKey } from './support.ts';

const contract = { name: 'contract, signed.pdf', mimeType: 'application/pdf', buffer: Buffer.from(Array.from({ length: 120_000 }, (_, i) => (i * 7 + 3) & 0xff)) };
const photo = { name: 'photo.jpg', mimeType: 'image/jpeg', buffer: Buffer.from(Array.from({ length: 2_500 }, (_, i) => (i * 11) & 0xff)) };
const SERIAL = /^Serial (KW-[0-9A-Z]{4}(?:-[0-9A-Z]{4}){3})$/;

test('an escrow blob can be downloaded again after a reload, and the register exported for the authority', async ({ page }) => {
  await completeFirstRun(page);
  await page.getByLabel('Key description (optional)').fill('Signed in November');
  const rows = page.getByRole('list', { name: 'Files being encrypted' });
  const serials: string[] = [];
  // One after the other: two files dropped together finish in no fixed order
  // (a clean-clone run once saw the larger one last), or in one millisecond.
  for (const file of [contract, photo]) {
    await dropFiles(page, 'Drop files to encrypt', [file]);
    const serial = rows.getByRole('listitem', { name: file.name, exact: true }).getByText(SERIAL);
    await expect(serial).toBeVisible({ timeout: 30_000 });
    serials.push(SERIAL.exec((await serial.textContent())?.trim() ?? '')![1]!);
  }
  const contractRow = rows.getByRole('listitem', { name: contract.name, exact: true });
  const encrypted = await downloadBytes(await downloadFrom(page, () => contractRow.getByRole('button', { name: `Download ${contract.name}.keyward`, exact: true }).click()));
  const first = await downloadBytes(await downloadFrom(page, () => contractRow.getByRole('button', { name: `Download ${contract.name}.keyward-escrow.json` }).click()));

  // The register is in IndexedDB, not in the page.
  await page.reload();
  await page.getByRole('tab', { name: 'Escrow register' }).click();
  await expect(page.getByRole('heading', { name: 'Escrow register' })).toBeVisible();
  const table = page.getByRole('table', { name: 'Files encrypted in this browser' });
  const today = await page.evaluate(() => new Date().toLocaleDateString(undefined, { dateStyle: 'medium' }));
  // Newest first.
  const [, newest, oldest] = await table.getByRole('row').all();
  for (const [row, file, serial, size] of [[newest!, photo, serials[1]!, '2.5 KB'], [oldest!, contract, serials[0]!, '120 KB']] as const) {
    await expect(row.getByRole('rowheader')).toContainText(file.name);
    await expect(row).toContainText(serial);
    await expect(row).toContainText(today);
    await expect(row).toContainText('IT backup desk');
    await expect(row).toContainText(size);
  }

  const again = await downloadFrom(page, () => table.getByRole('button', { name: `Download escrow blob for ${contract.name}` }).click());
  expect(again.suggestedFilename()).toBe(`${contract.name}.keyward-escrow.json`);
  const againBytes = await downloadBytes(again);
  expect(againBytes.equals(first)).toBe(true);
  expect(sha256(refDecryptWithBlob(encrypted, againBytes.toString('utf8'), testKey('authority.pem')).plaintext)).toBe(sha256(contract.buffer));

  const zip = await downloadFrom(page, () => page.getByRole('button', { name: 'Export register for the authority' }).click());
  expect(zip.suggestedFilename()).toMatch(/^keyward-escrow-register-\d{4}-\d{2}-\d{2}\.zip$/);
  const entries = readZip(await downloadBytes(zip));
  expect(entries.map((e) => e.name)).toEqual(['register.csv', `${serials[1]!}.keyward-escrow.json`, `${serials[0]!}.keyward-escrow.json`]);
  expect(entries[2]!.bytes.equals(first)).toBe(true);
  expect(JSON.parse(entries[1]!.bytes.toString('utf8'))).toMatchObject({ serial: serials[1], description: 'Signed in November' });

  const csv = entries[0]!.bytes.toString('utf8').split('\r\n');
  expect(csv[0]).toBe('serial,file,size,encryptedAt,description,owner,ownerKeyId,authority,authorityKeyId,escrowBlob');
  expect(csv[1]).toMatch(new RegExp(`^${serials[1]!},photo\\.jpg,2500,\\d{4}-\\d{2}-\\d{2}T[\\d:.]+Z,Signed in November,Ada Lovelace,SHA256:[0-9a-f]{64},IT backup desk,SHA256:[0-9a-f]{64},${serials[1]!}\\.keyward-escrow\\.json$`));
  expect(csv[2]).toContain(`${serials[0]!},"contract, signed.pdf",120000,`);
});
