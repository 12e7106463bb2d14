/**
 * Journey 6: in authority mode, the authority imports its key pair, hands out
 * its public key, opens a CLI-made escrow blob, decrypts the file, and issues
 * a recovery blob that is verified outside the page (reference + CLI).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { refDecryptWithBlob, refKeyId } from '../test/reference/keyward-node.ts';
import { downloadBytes, downloadFrom, dropFiles, sha256, testKey, keyIdShown } from './support.ts';

const ROOT = join(import.meta.dirname, '..');
const KEYS = join(ROOT, 'src', 'core', 'testdata', 'keys');
const NAME = 'board-minutes.odt';
const plaintext = Buffer.from(Array.from({ length: 120_000 }, (_, i) => (i * 7 + 3) & 0xff));

let dir = '';
const cli = (...args: string[]) => execFileSync('node', [join(ROOT, 'bin', 'keyward.js'), ...args], { cwd: ROOT, stdio: 'pipe' });
const json = (name: string, buffer: Buffer) => ({ name, mimeType: 'application/json', buffer });

test.beforeAll(() => {
  execFileSync('npx', ['vite', 'build', '--config', 'vite.cli.config.ts'], { cwd: ROOT, stdio: 'pipe' });
  dir = mkdtempSync(join(tmpdir(), 'keyward-authority-'));
  writeFileSync(join(dir, NAME), plaintext);
  cli(
    'encrypt', join(dir, NAME),
    '--owner', join(KEYS, 'owner.pub.pem'),
    '--authority', join(KEYS, 'authority.pub.pem'),
    '--description', 'Board minutes 2026',
    '--owner-name', 'Ada Lovelace',
    '--authority-name', 'IT backup desk',
  );
});

test('the authority decrypts a file from its escrow blob and issues a recovery blob for the owner’s new key', async ({ page }) => {
  const encrypted = readFileSync(join(dir, `${NAME}.keyward`));
  const escrowText = readFileSync(join(dir, `${NAME}.keyward-escrow.json`));
  const escrow = JSON.parse(escrowText.toString('utf8')) as { serial: string };
  const authorityKeyId = refKeyId(testKey('authority.pub.pem'));

  await page.goto('/');
  await page.getByRole('tab', { name: 'Backup authority' }).click();
  await expect(page.getByRole('heading', { name: 'Backup authority' })).toBeVisible();

  // The authority's key pair, pasted.
  await page.getByLabel('Authority private key (PEM or JWK)').fill(testKey('authority.pem'));
  await page.getByLabel('Name for the imported key').fill('IT backup desk');
  await page.getByRole('button', { name: 'Import authority key' }).click();
  const card = page.getByRole('list', { name: 'Authority key pairs' }).getByRole('listitem', { name: 'IT backup desk' });
  await expect(keyIdShown(card, authorityKeyId)).toBeVisible();

  // Its public key, as owners receive it.
  const pub = await downloadFrom(page, () => card.getByRole('button', { name: 'Export public key (PEM)' }).click());
  expect(pub.suggestedFilename()).toBe('IT-backup-desk.pub.pem');
  const pubPem = (await downloadBytes(pub)).toString('utf8');
  expect(pubPem).toContain('-----BEGIN PUBLIC KEY-----');
  expect(refKeyId(pubPem)).toBe(authorityKeyId);

  // The key survives a reload; the app reopens in authority mode.
  await page.reload();
  await expect(keyIdShown(card, authorityKeyId)).toBeVisible();

  // The escrow blob.
  await dropFiles(page, 'Drop escrow blobs', [json(`${NAME}.keyward-escrow.json`, escrowText)]);
  const details = page.getByRole('group', { name: 'Escrow blob details' });
  await expect(details).toContainText(escrow.serial);
  await expect(details).toContainText('Board minutes 2026');
  await expect(details).toContainText('Ada Lovelace');
  await expect(keyIdShown(details, refKeyId(testKey('owner.pub.pem')))).toBeVisible();
  await expect(details.getByText('Unsigned (v1)', { exact: true })).toBeVisible();

  // (a) The file itself.
  await dropFiles(page, 'Drop the encrypted file', [{ name: `${NAME}.keyward`, mimeType: 'application/octet-stream', buffer: encrypted }]);
  const row = page.getByRole('list', { name: 'Files being decrypted' }).getByRole('listitem', { name: `${NAME}.keyward` });
  const plain = await downloadFrom(page, () => row.getByRole('button', { name: `Download ${NAME}` }).click());
  expect(plain.suggestedFilename()).toBe(NAME);
  expect(sha256(await downloadBytes(plain))).toBe(sha256(plaintext));

  // (b) A recovery blob for the owner's new public key, without the file.
  await page.getByLabel("Owner's new public key (PEM or JWK)").fill(testKey('new-owner.pub.pem'));
  const compare = page.getByRole('group', { name: 'The new key to compare' });
  await expect(keyIdShown(compare, refKeyId(testKey('new-owner.pub.pem')))).toBeVisible();
  await compare.getByLabel('I compared this key ID with the owner, by phone or in person').check();
  const recovery = await downloadFrom(page, () => page.getByRole('button', { name: 'Download recovery blob' }).click());
  const recoveryName = `${escrow.serial}.keyward-recovery.json`;
  expect(recovery.suggestedFilename()).toBe(recoveryName);
  const issued = page.getByRole('status').filter({ hasText: recoveryName });
  await expect(issued).toContainText("Issued for the owner's new key");
  await expect(keyIdShown(issued, refKeyId(testKey('new-owner.pub.pem')))).toBeVisible();
  const recoveryBytes = await downloadBytes(recovery);

  // Verified outside the page: the independent reference...
  const opened = refDecryptWithBlob(encrypted, JSON.parse(recoveryBytes.toString('utf8')), testKey('new-owner.pem'));
  expect(opened.meta.name).toBe(NAME);
  expect(sha256(opened.plaintext)).toBe(sha256(plaintext));
  // ...and the CLI.
  writeFileSync(join(dir, recoveryName), recoveryBytes);
  const out = join(dir, 'recovered-by-cli.odt');
  execFileSync('node', [join(ROOT, 'bin', 'keyward.js'), 'decrypt', join(dir, `${NAME}.keyward`), '--key', join(KEYS, 'new-owner.pem'), '--recovery', join(dir, recoveryName), '--out', out], { cwd: ROOT, stdio: 'pipe' });
  expect(sha256(readFileSync(out))).toBe(sha256(plaintext));

  // A private key pasted by mistake is refused with a sentence as soon as it is pasted; nothing can be issued.
  await page.getByLabel("Owner's new public key (PEM or JWK)").fill(testKey('new-owner.pem'));
  await expect(page.getByRole('alert')).toHaveAttribute('data-code', 'KEY_NOT_PUBLIC');
  await expect(page.getByRole('alert')).toContainText('This is a private key');
  await expect(page.getByRole('button', { name: 'Download recovery blob' })).toBeDisabled();

  await page.getByRole('button', { name: 'Close' }).click();
  await expect(page.getByRole('group', { name: 'Drop escrow blobs' })).toBeVisible();
  // Close is gone with the case: focus is on the heading above the drop zone, not on the page body.
  await expect(page.getByRole('heading', { name: 'Recover from an escrow blob' })).toBeFocused();
});
