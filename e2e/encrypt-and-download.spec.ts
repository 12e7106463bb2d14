/**
 * Journey 2: the owner drops files with a key description; each row shows its
 * serial, and the `.keyward` file and its escrow blob are downloaded one by
 * one and as a zip. Everything downloaded is checked outside the page: the
 * node:crypto reference, spec §6's OpenSSL command and the CLI.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Locator, type Page, expect, test } from '@playwright/test';
import { b64uDecode, refDecrypt, refDecryptWithBlob, refKeyId, refOpenBlob } from '../test/reference/keyward-node.ts';
import { readZip } from './read-zip.ts';
import { completeFirstRun, downloadBytes, downloadFrom, dropFiles, sha256, testKey, keyIdShown } from './support.ts';

const ROOT = join(import.meta.dirname, '..');
const AUTHORITY_PEM = join(ROOT, 'src', 'core', 'testdata', 'keys', 'authority.pem');
const DESCRIPTION = 'Q3 board pack — for the auditors';
const SERIAL = /^Serial (KW-[0-9A-HJKMNP-TV-Z]{4}(?:-[0-9A-HJKMNP-TV-Z]{4}){3})$/;

// 3 MiB: twelve chunks of the default 256 KiB.
const big = { name: 'board-pack.bin', mimeType: 'application/octet-stream', buffer: Buffer.from(Array.from({ length: 3 * 1024 * 1024 }, (_, i) => (i * 31 + (i >> 10)) & 0xff)) };
const empty = { name: 'empty <b>notes</b>.txt', mimeType: 'text/plain', buffer: Buffer.alloc(0) };
// A right-to-left override: shown as text, exactly, and never in a download name.
const rtl = { name: '\u202egnp.exe', mimeType: 'application/octet-stream', buffer: Buffer.from('not really an image') };

let dir = '';
const cli = (...args: string[]) => execFileSync('node', [join(ROOT, 'bin', 'keyward.js'), ...args], { cwd: ROOT, stdio: 'pipe' });

test.beforeAll(() => {
  execFileSync('npx', ['vite', 'build', '--config', 'vite.cli.config.ts'], { cwd: ROOT, stdio: 'pipe' });
  dir = mkdtempSync(join(tmpdir(), 'keyward-encrypt-'));
});

const rowFor = (page: Page, name: string) =>
  page.getByRole('list', { name: 'Files being encrypted' }).getByRole('listitem', { name, exact: true });

/** Waits until a row is done and returns the serial it shows. */
async function serialOf(row: Locator): Promise<string> {
  const serial = row.getByText(SERIAL);
  await expect(serial).toBeVisible({ timeout: 30_000 });
  return SERIAL.exec((await serial.textContent())?.trim() ?? '')![1]!;
}

test('the owner encrypts three dropped files; each output opens outside the page, with the key and with the escrow blob', async ({ page }) => {
  // support.ts dropFiles sends the 3 MiB as a JSON array of numbers: about 20 s of this test on 2 cores.
  test.setTimeout(120_000);
  const ownerKeyId = refKeyId(testKey('owner.pub.pem'));
  const authorityKeyId = refKeyId(testKey('authority.pub.pem'));
  await completeFirstRun(page);
  await expect(page.getByRole('heading', { name: 'Encrypt files' })).toBeVisible();
  // One confirmed authority: no select, its name and key ID as text.
  await expect(page.getByRole('combobox', { name: 'Backup authority' })).toHaveCount(0);
  await expect(keyIdShown(page, authorityKeyId)).toBeVisible();

  await page.getByLabel('Key description (optional)').fill(DESCRIPTION);
  await dropFiles(page, 'Drop files to encrypt', [big, empty, rtl]);

  const serials = new Map<string, string>();
  for (const file of [big, empty, rtl]) {
    const row = rowFor(page, file.name);
    serials.set(file.name, await serialOf(row));
    await expect(row.getByText('Encrypted', { exact: true })).toBeVisible();
    // The name is text, exactly as given: no <b> element, the override kept (and isolated).
    await expect(row.getByText(file.name, { exact: true })).toBeVisible();
  }
  expect(new Set(serials.values()).size).toBe(3);
  await expect(rowFor(page, big.name)).toContainText('3.1 MB');
  await expect(rowFor(page, empty.name)).toContainText('0 bytes');

  // One file and its escrow blob, one by one.
  const row = rowFor(page, big.name);
  const keyward = await downloadFrom(page, () => row.getByRole('button', { name: `Download ${big.name}.keyward`, exact: true }).click());
  expect(keyward.suggestedFilename()).toBe(`${big.name}.keyward`);
  const escrowDownload = await downloadFrom(page, () => row.getByRole('button', { name: `Download ${big.name}.keyward-escrow.json` }).click());
  expect(escrowDownload.suggestedFilename()).toBe(`${big.name}.keyward-escrow.json`);
  const encrypted = await downloadBytes(keyward);
  const escrowText = (await downloadBytes(escrowDownload)).toString('utf8');

  // The owner's key opens it (node:crypto reference, not the app).
  const opened = refDecrypt(encrypted, testKey('owner.pem'));
  expect(sha256(opened.plaintext)).toBe(sha256(big.buffer));
  expect(opened.meta).toMatchObject({ name: big.name, size: big.buffer.length });

  // The escrow blob says what spec §5 says.
  const escrow = JSON.parse(escrowText) as Record<string, unknown>;
  expect(escrow).toMatchObject({
    format: 'keyward-escrow/1',
    description: DESCRIPTION,
    serial: serials.get(big.name),
    owner: { name: 'Ada Lovelace', keyId: ownerKeyId },
    authority: { name: 'IT backup desk', keyId: authorityKeyId },
  });

  // The authority opens it with the escrow blob: reference, OpenSSL (spec §6) and the CLI agree.
  const blob = refOpenBlob(escrowText, testKey('authority.pem'));
  expect(blob.fileKey).toHaveLength(32);
  expect(sha256(refDecryptWithBlob(encrypted, escrowText, testKey('authority.pem')).plaintext)).toBe(sha256(big.buffer));

  writeFileSync(join(dir, 'wrapped.bin'), b64uDecode(escrow.wrappedKey as string, 'wrappedKey'));
  const label = Buffer.from('keyward/v1 file key', 'utf8').toString('hex');
  const fileKey = execFileSync('openssl', [
    'pkeyutl', '-decrypt', '-inkey', AUTHORITY_PEM, '-in', join(dir, 'wrapped.bin'),
    '-pkeyopt', 'rsa_padding_mode:oaep', '-pkeyopt', 'rsa_oaep_md:sha256',
    '-pkeyopt', 'rsa_mgf1_md:sha256', '-pkeyopt', `rsa_oaep_label:${label}`,
  ]);
  expect(fileKey.equals(blob.fileKey)).toBe(true);

  writeFileSync(join(dir, 'board-pack.keyward'), encrypted);
  writeFileSync(join(dir, 'board-pack.escrow.json'), escrowText);
  cli('recover', join(dir, 'board-pack.keyward'), '--escrow', join(dir, 'board-pack.escrow.json'), '--authority-key', AUTHORITY_PEM, '--out', join(dir, 'recovered.bin'));
  expect(sha256(readFileSync(join(dir, 'recovered.bin')))).toBe(sha256(big.buffer));

  // All at once: six files in one zip, each the real thing.
  const zip = await downloadFrom(page, () => page.getByRole('button', { name: 'Download all as zip' }).click());
  expect(zip.suggestedFilename()).toBe('keyward-encrypted.zip');
  const entries = readZip(await downloadBytes(zip));
  expect(entries.map((e) => e.name)).toEqual([
    'board-pack.bin.keyward',
    'board-pack.bin.keyward-escrow.json',
    'empty <b>notes<_b>.txt.keyward',
    'empty <b>notes<_b>.txt.keyward-escrow.json',
    'gnp.exe.keyward',
    'gnp.exe.keyward-escrow.json',
  ]);
  expect(entries[0]!.bytes.equals(encrypted)).toBe(true);
  expect(entries[1]!.bytes.toString('utf8')).toBe(escrowText);
  for (const [i, file] of [[2, empty], [4, rtl]] as const) {
    const inside = refDecrypt(entries[i]!.bytes, testKey('owner.pem'));
    expect(inside.meta.name).toBe(file.name);
    expect(sha256(inside.plaintext)).toBe(sha256(file.buffer));
    const rowEscrow = JSON.parse(entries[i + 1]!.bytes.toString('utf8')) as { serial: string; description: string };
    expect(rowEscrow).toMatchObject({ serial: serials.get(file.name), description: DESCRIPTION });
    expect(sha256(refDecryptWithBlob(entries[i]!.bytes, rowEscrow, testKey('authority.pem')).plaintext)).toBe(sha256(file.buffer));
  }

  await page.getByRole('button', { name: 'Clear finished' }).click();
  await expect(page.getByRole('list', { name: 'Files being encrypted' })).toHaveCount(0);
});

test('files chosen from the keyboard are encrypted too', async ({ page }) => {
  await completeFirstRun(page);
  const chooser = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: 'Choose files to encrypt' }).focus();
  await page.keyboard.press('Enter');
  const plain = { name: 'minutes.txt', mimeType: 'text/plain', buffer: Buffer.from('Minutes of the meeting\n'.repeat(500)) };
  await (await chooser).setFiles([plain, { ...plain, name: 'minutes copy.txt' }]);

  const row = rowFor(page, plain.name);
  await serialOf(row);
  await expect(rowFor(page, 'minutes copy.txt').getByText(SERIAL)).toBeVisible({ timeout: 30_000 });
  const download = await downloadFrom(page, () => row.getByRole('button', { name: `Download ${plain.name}.keyward`, exact: true }).click());
  expect(sha256(refDecrypt(await downloadBytes(download), testKey('owner.pem')).plaintext)).toBe(sha256(plain.buffer));
});
