/**
 * File names are data, never markup: names with scripts from every corner of
 * Unicode, a right-to-left override, HTML and a 255-byte name are shown
 * exactly as text, downloaded under safe names, and come back exactly from
 * the encrypted metadata. The same file dropped twice is two files.
 */
import { type Page, expect, test } from '@playwright/test';
import { refDecrypt } from '../test/reference/keyward-node.ts';
import { completeFirstRun, downloadBytes, downloadFrom, dropFiles, testKey } from './support.ts';

const NAMES = [
  '報告書 2026 📊 café.txt',
  '\u202egnp.exe',
  '<img src=x onerror=alert(1)>.txt',
  '"><script>alert(document.cookie)</script>.html',
  `${'é'.repeat(124)}abc.txt`,
];
// The download names src/store/names.ts makes: no bidi controls, no path separators.
const DOWNLOAD_NAMES = ['報告書 2026 📊 café.txt', 'gnp.exe', '<img src=x onerror=alert(1)>.txt', '"><script>alert(document.cookie)<_script>.html', `${'é'.repeat(124)}abc.txt`];

const contentOf = (i: number) => Buffer.from(`file number ${String(i)}\n`.repeat(100 + i));

function failOnDialogs(page: Page): string[] {
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  return dialogs;
}

test('names with Unicode, bidi controls, HTML and 255 bytes are shown as text, downloaded safely and restored exactly', async ({ page }) => {
  expect(Buffer.byteLength(NAMES[4]!)).toBe(255);
  const dialogs = failOnDialogs(page);
  await completeFirstRun(page);
  const images = await page.locator('img').count();

  await dropFiles(page, 'Drop files to encrypt', NAMES.map((name, i) => ({ name, mimeType: 'application/octet-stream', buffer: contentOf(i) })));
  const rows = page.getByRole('list', { name: 'Files being encrypted' });
  const outputs: Buffer[] = [];
  for (const [i, name] of NAMES.entries()) {
    const row = rows.getByRole('listitem', { name, exact: true });
    await expect(row.locator('.row__name')).toHaveText(name, { useInnerText: false });
    const download = await downloadFrom(page, () => row.getByRole('button', { name: `Download ${DOWNLOAD_NAMES[i]!}.keyward`, exact: true }).click());
    // The browser may clean the name further (Chromium turns < and > into _); never a separator or a bidi control.
    expect(download.suggestedFilename()).toMatch(/^[^/\\\u202a-\u202e\u2066-\u2069]+\.keyward$/);
    const bytes = await downloadBytes(download);
    // Outside the page, the metadata holds the name exactly as dropped.
    const opened = refDecrypt(bytes, testKey('owner.pem'));
    expect(opened.meta.name).toBe(name);
    expect(opened.plaintext.equals(contentOf(i))).toBe(true);
    outputs.push(bytes);
  }
  await page.getByRole('tab', { name: 'Escrow register' }).click();
  for (const name of NAMES) await expect(page.getByRole('rowheader').filter({ hasText: name }).locator('.row__name')).toHaveText(name, { useInnerText: false });

  // Decrypted in the page, each shows and offers the original name.
  await page.getByRole('tab', { name: 'Decrypt' }).click();
  await dropFiles(page, 'Drop .keyward files to decrypt', outputs.map((buffer, i) => ({ name: `output-${String(i)}.keyward`, mimeType: 'application/octet-stream', buffer })));
  const decrypted = page.getByRole('list', { name: 'Files being decrypted' });
  for (const [i, name] of NAMES.entries()) {
    const row = decrypted.getByRole('listitem', { name: `output-${String(i)}.keyward` });
    await expect(row.locator('bdi.row__name')).toHaveText(name, { useInnerText: false });
    // The row shows the name as it was; the button names the file as it is saved.
    const download = await downloadFrom(page, () => row.getByRole('button', { name: `Download ${DOWNLOAD_NAMES[i]!}`, exact: true }).click());
    expect(download.suggestedFilename()).toMatch(/^[^/\\\u202a-\u202e\u2066-\u2069]+$/);
    expect((await downloadBytes(download)).equals(contentOf(i))).toBe(true);
  }

  // Nothing was interpreted: no dialog, no new element made from a name.
  expect(dialogs).toEqual([]);
  expect(await page.locator('img').count()).toBe(images);
  expect(await page.locator('script:not([src])').count()).toBe(0);
});

test('the same file dropped twice becomes two files with their own keys and serials', async ({ page }) => {
  await completeFirstRun(page);
  const same = { name: 'contract.pdf', mimeType: 'application/pdf', buffer: contentOf(7) };
  await dropFiles(page, 'Drop files to encrypt', [same, same]);
  const rows = page.getByRole('list', { name: 'Files being encrypted' }).getByRole('listitem', { name: 'contract.pdf', exact: true });
  await expect(rows).toHaveCount(2);
  const serials: string[] = [];
  const outputs: Buffer[] = [];
  for (const row of [rows.nth(0), rows.nth(1)]) {
    const serial = row.getByText(/^Serial KW-/);
    await expect(serial).toBeVisible();
    serials.push((await serial.textContent()) ?? '');
    outputs.push(await downloadBytes(await downloadFrom(page, () => row.getByRole('button', { name: 'Download contract.pdf.keyward', exact: true }).click())));
  }
  expect(serials[0]).not.toBe(serials[1]);
  expect(outputs[0]!.equals(outputs[1]!)).toBe(false);
  for (const output of outputs) expect(refDecrypt(output, testKey('owner.pem')).plaintext.equals(same.buffer)).toBe(true);
});
