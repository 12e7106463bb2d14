/**
 * Journey 1: a person opens Keyward for the first time, creates a key pair (an
 * identity, spec v2 §2), downloads its passphrase-protected backup, adds the
 * backup authority's public key, compares both IDs and confirms the
 * authority. The backup is checked outside the page (OpenSSL and the
 * node:crypto reference): it opens with the passphrase, has the identity ID
 * the page showed, and decrypts a file the app encrypted after a reload with
 * the key kept in IndexedDB.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Page, expect, test } from '@playwright/test';
import { collectBytes, importPrivateKey, openFile, streamFromBytes } from '../src/core/index.ts';
import { refKeyId } from '../test/reference/keyward-node.ts';
import { downloadBytes, downloadFrom, dropFiles, opensslIdentityId, pemBlocks, sha256, testKey, keyIdShown } from './support.ts';

const BACKUP_PASSPHRASE = 'correct horse battery staple';
/** A key ID as people read it aloud: 64 hex digits in sixteen groups of four. */
const GROUPED = /^(?:[0-9a-f]{4} ){15}[0-9a-f]{4}$/;

let dir = '';
test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'keyward-first-run-'));
});

/** The one key ID shown on the page now (grouped in fours), as spec §1 writes it. */
async function onlyKeyId(page: Page): Promise<string> {
  const shown = page.getByText(GROUPED);
  await expect(shown).toHaveCount(1);
  return (await shown.getAttribute('data-key-id'))!;
}

test('a person creates a key pair, backs it up, confirms the authority, and the keys survive a reload', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Welcome to Keyward' })).toBeVisible();
  // Nothing to add an authority to yet.
  await expect(page.getByLabel('Authority public key (PEM or JWK)')).toHaveCount(0);

  await page.getByRole('button', { name: 'Create a key pair' }).click();
  await expect(page.getByRole('radio', { name: '3072 bits' })).toBeChecked();
  await expect(page.getByRole('checkbox', { name: 'Keep the private key exportable' })).not.toBeChecked();
  await page.getByLabel('Name for this key').fill('Ada Lovelace');
  await page.getByRole('button', { name: 'Create key pair' }).click();

  // The new key pair is not saved before its backup: the backup step comes first, with the focus.
  await expect(page.getByRole('heading', { name: 'Back up your new key pair' })).toBeFocused({ timeout: 30_000 });
  // A new key pair is an identity: the ID shown to compare is its identity ID, labelled so.
  const ownIdentityId = await onlyKeyId(page);
  await expect(page.getByText(/^Identity ID /)).toBeVisible();

  await page.getByLabel('Backup passphrase').fill(BACKUP_PASSPHRASE);
  await page.getByLabel('Repeat passphrase').fill(BACKUP_PASSPHRASE);
  const download = await downloadFrom(page, () => page.getByRole('button', { name: 'Download backup' }).click());
  expect(download.suggestedFilename()).toBe('Ada-Lovelace.backup.pem');
  const backup = (await downloadBytes(download)).toString('utf8');
  expect(backup).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/);
  expect(pemBlocks(backup)).toHaveLength(2);
  await expect(page.getByText(/^Backup downloaded/)).toBeVisible();
  // Storage persistence was asked for once the key pair was saved; either answer is shown.
  await expect(page.getByRole('status').filter({ hasText: /Keyward’s storage/ })).toBeVisible();

  // OpenSSL opens both blocks of the backup with the passphrase; their public keys have the identity ID the page showed.
  expect(opensslIdentityId(backup, BACKUP_PASSPHRASE)).toBe(ownIdentityId);
  const backupPath = join(dir, 'backup.pem');
  writeFileSync(backupPath, backup);
  const privatePem = execFileSync('openssl', ['pkey', '-in', backupPath, '-passin', `pass:${BACKUP_PASSPHRASE}`], { encoding: 'utf8' });
  const publicPem = execFileSync('openssl', ['pkey', '-in', backupPath, '-passin', `pass:${BACKUP_PASSPHRASE}`, '-pubout'], { encoding: 'utf8' });
  const ownRsaKeyId = refKeyId(publicPem);
  expect(ownRsaKeyId).not.toBe(ownIdentityId);
  expect(execFileSync('openssl', ['pkey', '-in', backupPath, '-passin', `pass:${BACKUP_PASSPHRASE}`, '-noout', '-text'], { encoding: 'utf8' })).toContain('3072 bit');
  expect(() => execFileSync('openssl', ['pkey', '-in', backupPath, '-passin', 'pass:not the passphrase'], { stdio: 'pipe' })).toThrow();

  // The authority's public key, pasted; both key IDs are shown grouped in fours to compare aloud.
  const authorityKeyId = refKeyId(testKey('authority.pub.pem'));
  await page.getByLabel('Authority public key (PEM or JWK)').fill(testKey('authority.pub.pem'));
  await page.getByLabel('Authority name').fill('IT backup desk');
  await page.getByRole('button', { name: 'Add authority' }).click();
  await expect(page.getByText('Compare this key ID with your backup authority (for example over the phone) before you trust it.')).toBeVisible();
  await expect(keyIdShown(page, authorityKeyId)).toHaveAttribute('data-key-id', authorityKeyId);
  await expect(keyIdShown(page, ownIdentityId)).toHaveAttribute('data-key-id', ownIdentityId);
  // Not usable before it is confirmed.
  await expect(page.getByRole('tab', { name: 'Encrypt' })).toHaveCount(0);

  await page.getByRole('button', { name: 'Confirm authority' }).click();
  await expect(page.getByRole('tab', { name: 'Encrypt', selected: true })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Encrypt files' })).toBeVisible();

  // Reload: the keys come back from IndexedDB, and the stored private key still works.
  await page.reload();
  await expect(page.getByRole('tab', { name: 'Encrypt', selected: true })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Welcome to Keyward' })).toHaveCount(0);
  await page.getByRole('tab', { name: 'Keys' }).click();
  const list = page.getByRole('list', { name: 'Stored keys' });
  const own = list.getByRole('listitem', { name: 'Ada Lovelace' });
  await expect(keyIdShown(own, ownIdentityId)).toHaveAttribute('data-key-id', ownIdentityId);
  await expect(own.getByText('My key pair')).toBeVisible();
  await expect(own.getByText('Private key stays in this browser')).toBeVisible();
  await expect(own.getByText(/^Backup exported /)).toBeVisible();
  const authority = list.getByRole('listitem', { name: 'IT backup desk' });
  await expect(keyIdShown(authority, authorityKeyId)).toBeVisible();
  await expect(authority.getByText(/^Key ID confirmed /)).toBeVisible();

  await page.getByRole('tab', { name: 'Encrypt' }).click();
  const plain = { name: 'letter.txt', mimeType: 'text/plain', buffer: Buffer.from('Dear Charles,\n'.repeat(1000)) };
  await dropFiles(page, 'Drop files to encrypt', [plain]);
  const button = page.getByRole('button', { name: 'Download letter.txt.keyward', exact: true });
  await expect(button).toBeVisible({ timeout: 30_000 });
  const encrypted = await downloadBytes(await downloadFrom(page, () => button.click()));
  // A signed (v2) file, by the identity the page showed; the backup opens what the key kept in this browser encrypted.
  expect(encrypted.subarray(0, 10).toString('latin1')).toBe('KEYWARD/2\n');
  const opened = await openFile(streamFromBytes(encrypted), { keys: [await importPrivateKey(privatePem)] }, {}, { expectSigner: ownIdentityId });
  expect(sha256(await collectBytes(opened.plaintext))).toBe(sha256(plain.buffer));
  expect(errors).toEqual([]);
});

test('an authority that is added but not confirmed is not used, also after a reload', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('button', { name: 'Import a key pair' }).click();
  await page.getByLabel('Your key (PEM or JWK)').fill(testKey('owner.pem'));
  await page.getByLabel('Name for this key').fill('Ada Lovelace');
  await page.getByRole('button', { name: 'Import key', exact: true }).click();
  await expect(keyIdShown(page, refKeyId(testKey('owner.pub.pem')))).toBeVisible();
  await expect(page.getByText(/Imported from a key file/)).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Back up your new key pair' })).toHaveCount(0);

  await page.getByLabel('Authority public key (PEM or JWK)').fill(testKey('stranger.pub.pem'));
  await page.getByLabel('Authority name').fill('Someone');
  await page.getByRole('button', { name: 'Add authority' }).click();
  await expect(keyIdShown(page, refKeyId(testKey('stranger.pub.pem')))).toBeVisible();

  await page.reload();
  await expect(page.getByRole('heading', { name: 'Welcome to Keyward' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Confirm authority' })).toBeVisible();
  // The key ID differs from what the authority read out: remove it and add the right one.
  await page.getByRole('button', { name: 'The key ID differs: remove this key' }).click();
  await page.getByLabel('Authority public key (PEM or JWK)').fill(testKey('authority.pub.pem'));
  await page.getByLabel('Authority name').fill('IT backup desk');
  await page.getByRole('button', { name: 'Add authority' }).click();
  await page.getByRole('button', { name: 'Confirm authority' }).click();
  await expect(page.getByRole('tab', { name: 'Encrypt', selected: true })).toBeVisible();
  await page.getByRole('tab', { name: 'Keys' }).click();
  await expect(page.getByRole('list', { name: 'Stored keys' }).getByRole('listitem')).toHaveCount(2);
  await expect(page.getByRole('listitem', { name: 'Someone' })).toHaveCount(0);
});
