/**
 * The owner exports the escrow register (a zip of every escrow blob and a
 * CSV index) and hands it to the backup authority. In authority mode the
 * authority drops that zip, sees every blob checked on its own, opens one,
 * compares the owner's new key ID and issues a recovery blob, which the
 * independent reference opens. Blobs dropped many at once are judged each on
 * its own too.
 */
import { expect, test } from '@playwright/test';
import { refDecryptWithBlob, refKeyId } from '../test/reference/keyward-node.ts';
import { completeFirstRun, downloadBytes, downloadFrom, dropFiles, sha256, testKey, keyIdShown } from './support.ts';

const files = [
  { name: 'minutes.txt', mimeType: 'text/plain', buffer: Buffer.from('Board minutes\n'.repeat(4000)) },
  { name: 'payroll.csv', mimeType: 'text/csv', buffer: Buffer.from('name,amount\n'.repeat(3000)) },
];
const SERIAL = /^Serial (KW-[0-9A-Z]{4}(?:-[0-9A-Z]{4}){3})$/;
const json = (name: string, buffer: Buffer | string) => ({ name, mimeType: 'application/json', buffer: Buffer.from(buffer) });

test('the authority checks every escrow blob of the owner’s register zip and issues a recovery blob from one', async ({ page, browser }) => {
  // The owner encrypts two files and exports the register.
  await completeFirstRun(page);
  await page.getByLabel('Key description (optional)').fill('Finance 2026');
  const rows = page.getByRole('list', { name: 'Files being encrypted' });
  const serials: string[] = [];
  const encrypted: Buffer[] = [];
  const escrows: Buffer[] = [];
  for (const file of files) {
    await dropFiles(page, 'Drop files to encrypt', [file]);
    const row = rows.getByRole('listitem', { name: file.name, exact: true });
    const serial = row.getByText(SERIAL);
    await expect(serial).toBeVisible({ timeout: 30_000 });
    serials.push(SERIAL.exec((await serial.textContent())?.trim() ?? '')![1]!);
    encrypted.push(await downloadBytes(await downloadFrom(page, () => row.getByRole('button', { name: `Download ${file.name}.keyward`, exact: true }).click())));
    escrows.push(await downloadBytes(await downloadFrom(page, () => row.getByRole('button', { name: `Download ${file.name}.keyward-escrow.json` }).click())));
  }
  await page.getByRole('tab', { name: 'Escrow register' }).click();
  const exported = await downloadFrom(page, () => page.getByRole('button', { name: 'Export register for the authority' }).click());
  const zip = { name: exported.suggestedFilename(), mimeType: 'application/zip', buffer: await downloadBytes(exported) };

  // The authority, in its own browser, with its key pair.
  const desk = await (await browser.newContext()).newPage();
  await desk.goto('/');
  await desk.getByRole('tab', { name: 'Backup authority' }).click();
  await desk.getByLabel('Authority private key (PEM or JWK)').fill(testKey('authority.pem'));
  await desk.getByLabel('Name for the imported key').fill('IT backup desk');
  await desk.getByRole('button', { name: 'Import authority key' }).click();
  await expect(desk.getByRole('list', { name: 'Authority key pairs' })).toBeVisible();

  // The zip: each blob listed with its check, description, owner and serial; the CSV index is skipped.
  await dropFiles(desk, 'Drop escrow blobs', [zip]);
  const list = desk.getByRole('list', { name: 'Escrow blobs' });
  for (const serial of serials) {
    const item = list.getByRole('listitem', { name: `${zip.name} › ${serial}.keyward-escrow.json` });
    await expect(item.getByText('Unsigned (v1)', { exact: true })).toBeVisible();
    await expect(item).toContainText(serial);
    await expect(item).toContainText('Finance 2026');
    await expect(item).toContainText('Ada Lovelace');
  }
  await expect(desk.getByRole('list', { name: 'Skipped entries' })).toHaveText(`${zip.name} › register.csv`);
  await expect(desk.getByText('2 of 2 open with your authority key.')).toBeVisible();

  // One case opened from the list: a recovery blob for the owner's new key, compared first.
  await list.getByRole('listitem', { name: `${zip.name} › ${serials[1]!}.keyward-escrow.json` }).getByRole('button', { name: 'Open' }).click();
  await expect(desk.getByRole('group', { name: 'Escrow blob details' })).toContainText(serials[1]!);
  await desk.getByLabel("Owner's new public key (PEM or JWK)").fill(testKey('new-owner.pub.pem'));
  const compare = desk.getByRole('group', { name: 'The new key to compare' });
  await expect(keyIdShown(compare, refKeyId(testKey('new-owner.pub.pem')))).toBeVisible();
  await compare.getByLabel('I compared this key ID with the owner, by phone or in person').check();
  const recovery = await downloadFrom(desk, () => desk.getByRole('button', { name: 'Download recovery blob' }).click());
  expect(recovery.suggestedFilename()).toBe(`${serials[1]!}.keyward-recovery.json`);
  const opened = refDecryptWithBlob(encrypted[1]!, (await downloadBytes(recovery)).toString('utf8'), testKey('new-owner.pem'));
  expect(sha256(opened.plaintext)).toBe(sha256(files[1]!.buffer));

  // Back to the list, which is still there.
  await desk.getByRole('button', { name: 'Close' }).click();
  await expect(list.getByRole('listitem')).toHaveCount(2);
  await expect(desk.getByRole('heading', { name: 'Escrow blobs' })).toBeFocused();

  // Several blob files at once: one altered and one not a blob hide nothing.
  const altered = JSON.parse(escrows[0]!.toString('utf8')) as Record<string, unknown>;
  altered.description = 'Signed over to Mallory';
  await dropFiles(desk, 'Drop escrow blobs', [
    json('altered.keyward-escrow.json', JSON.stringify(altered)),
    json('first.keyward-escrow.json', escrows[0]!),
    json('notes.json', 'Dear IT'),
    json('second.keyward-escrow.json', escrows[1]!),
  ]);
  await expect(list.getByRole('listitem', { name: 'first.keyward-escrow.json' }).getByText('Unsigned (v1)', { exact: true })).toBeVisible();
  await expect(list.getByRole('listitem', { name: 'second.keyward-escrow.json' }).getByText('Unsigned (v1)', { exact: true })).toBeVisible();
  await expect(list.getByRole('listitem', { name: 'altered.keyward-escrow.json' }).getByRole('alert')).toHaveAttribute('data-code', 'BLOB_TAMPERED');
  await expect(list.getByRole('listitem', { name: 'notes.json' }).getByRole('alert')).toHaveAttribute('data-code', 'MALFORMED');
  await expect(list.getByRole('listitem', { name: 'altered.keyward-escrow.json' }).getByRole('button', { name: 'Open' })).toHaveCount(0);

  // The first file opens from its own blob of the list.
  await list.getByRole('listitem', { name: 'first.keyward-escrow.json' }).getByRole('button', { name: 'Open' }).click();
  await dropFiles(desk, 'Drop the encrypted file', [{ name: `${files[0]!.name}.keyward`, mimeType: 'application/octet-stream', buffer: encrypted[0]! }]);
  const plain = await downloadFrom(desk, () => desk.getByRole('button', { name: `Download ${files[0]!.name}`, exact: true }).click());
  expect(sha256(await downloadBytes(plain))).toBe(sha256(files[0]!.buffer));
});
