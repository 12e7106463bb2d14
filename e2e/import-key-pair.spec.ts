/**
 * Journey 4: import my key pair or an authority's key from PEM (SPKI, PKCS#8,
 * PKCS#1, encrypted PKCS#8) or JWK by paste, file picker or drop; export
 * public keys and a passphrase-protected backup; delete a key through a
 * confirmation. Exported keys are checked outside the page (OpenSSL, node:crypto).
 */
import { execFileSync } from 'node:child_process';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Page, expect, test } from '@playwright/test';
import { refKeyId } from '../test/reference/keyward-node.ts';
import { completeFirstRun, downloadBytes, downloadFrom, dropFiles, sha256, testKey, keyIdShown } from './support.ts';

const ENCRYPTED_PASSPHRASE = testKey('owner-encrypted.passphrase.txt').trim();
const PASSPHRASE_WRONG = 'The passphrase is wrong, or the encrypted key is damaged. Check the passphrase and try again.';

let dir = '';
test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'keyward-import-'));
});

const pemFile = (name: string) => ({ name, mimeType: 'application/x-pem-file', buffer: Buffer.from(testKey(name)) });
const keysList = (page: Page) => page.getByRole('list', { name: 'Stored keys' });
const card = (page: Page, name: string) => keysList(page).getByRole('listitem', { name, exact: true });

/** The key ID of a public key as OpenSSL computes it: SHA-256 over the DER SPKI (spec §1). */
function opensslKeyId(publicPem: string): string {
  const path = join(dir, `pub-${Date.now()}.pem`);
  writeFileSync(path, publicPem);
  const der = execFileSync('openssl', ['pkey', '-pubin', '-in', path, '-outform', 'DER']);
  return `SHA256:${sha256(der)}`;
}

async function openKeysTab(page: Page) {
  await page.getByRole('tab', { name: 'Keys' }).click();
  await expect(page.getByRole('heading', { name: 'Your keys' })).toBeVisible();
}

test('pasted PKCS#8 and a chosen authority key file; the exported public keys have the same key ID outside the page', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('button', { name: 'Import a key pair' }).click();
  await page.getByLabel('Your key (PEM or JWK)').fill(testKey('owner.pem'));
  await page.getByLabel('Name for this key').fill('Ada Lovelace');
  await page.getByRole('button', { name: 'Import key', exact: true }).click();
  const ownKeyId = refKeyId(testKey('owner.pub.pem'));
  await expect(keyIdShown(page, ownKeyId)).toBeVisible();

  // The authority's key through the file picker; its text appears in the form and its file name becomes the name.
  const chooser = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: 'Choose authority key file' }).click();
  await (await chooser).setFiles(pemFile('authority.pub.pem'));
  await expect(page.getByLabel('Authority public key (PEM or JWK)')).toHaveValue(testKey('authority.pub.pem'));
  await expect(page.getByLabel('Authority name')).toHaveValue('authority');
  await page.getByLabel('Authority name').fill('IT backup desk');
  await page.getByRole('button', { name: 'Add authority' }).click();
  await page.getByRole('button', { name: 'Confirm authority' }).click();
  await openKeysTab(page);

  const own = card(page, 'Ada Lovelace');
  await expect(own.getByText('Private key stays in this browser')).toBeVisible();
  const pem = await downloadFrom(page, () => own.getByRole('button', { name: 'Export public key (PEM)' }).click());
  expect(pem.suggestedFilename()).toBe('Ada-Lovelace.pub.pem');
  const pemText = (await downloadBytes(pem)).toString('utf8');
  expect(pemText).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
  expect(opensslKeyId(pemText)).toBe(ownKeyId);
  expect(refKeyId(pemText)).toBe(ownKeyId);

  const jwk = await downloadFrom(page, () => card(page, 'IT backup desk').getByRole('button', { name: 'Export public key (JWK)' }).click());
  expect(jwk.suggestedFilename()).toBe('IT-backup-desk.pub.jwk.json');
  const jwkJson = JSON.parse((await downloadBytes(jwk)).toString('utf8')) as { kty: string; d?: string };
  expect(jwkJson.kty).toBe('RSA');
  expect(jwkJson.d).toBeUndefined();
  const fromJwk = createPublicKey({ key: jwkJson, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
  expect(refKeyId(fromJwk)).toBe(refKeyId(testKey('authority.pub.pem')));

  // A non-extractable key cannot be read out: the reason, not a form.
  await own.getByRole('button', { name: 'Export backup…' }).click();
  await expect(own.getByRole('alert')).toContainText('stored so that it can be used but never read out');
});

test('PKCS#1 by file picker, JWK and encrypted PKCS#8 by drop; a wrong passphrase is said plainly and the app stays usable', async ({ page }) => {
  await completeFirstRun(page);
  await openKeysTab(page);
  await page.getByRole('button', { name: 'Import a key' }).click();

  // PKCS#1 through the file picker of the "Choose key file" button.
  const chooser = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: 'Choose key file' }).click();
  await (await chooser).setFiles(pemFile('owner-pkcs1.pem'));
  await expect(page.getByLabel('Your key (PEM or JWK)')).toHaveValue(testKey('owner-pkcs1.pem'));
  await page.getByRole('button', { name: 'Import key', exact: true }).click();
  const pkcs1 = card(page, 'owner-pkcs1');
  await expect(keyIdShown(pkcs1, refKeyId(testKey('owner-pkcs1.pub.pem')))).toBeVisible();
  await expect(pkcs1.getByText('My key pair')).toBeVisible();
  await expect(page.getByLabel('Your key (PEM or JWK)')).toHaveValue('');

  // A private JWK (as node:crypto writes it) dropped on the form.
  const jwk = JSON.stringify(createPrivateKey(testKey('rsa4096.pem')).export({ format: 'jwk' }));
  await dropFiles(page, 'Drop a key file', [{ name: 'desk.jwk.json', mimeType: 'application/json', buffer: Buffer.from(jwk) }]);
  await expect(page.getByLabel('Your key (PEM or JWK)')).toHaveValue(jwk);
  await page.getByLabel('Name for this key').fill('Big key');
  await page.getByRole('button', { name: 'Import key', exact: true }).click();
  await expect(keyIdShown(card(page, 'Big key'), refKeyId(testKey('rsa4096.pub.pem')))).toBeVisible();
  await expect(card(page, 'Big key')).toContainText('4096 bits');

  // Encrypted PKCS#8 dropped; first with a wrong passphrase.
  await dropFiles(page, 'Drop a key file', [pemFile('owner-encrypted.pem')]);
  await expect(page.getByLabel('Passphrase', { exact: true })).toHaveAccessibleDescription('This key is encrypted: enter its passphrase.');
  await page.getByLabel('Passphrase', { exact: true }).fill('not the passphrase');
  await page.getByRole('checkbox', { name: 'Keep the private key exportable' }).check();
  await page.getByRole('button', { name: 'Import key', exact: true }).click();
  await expect(page.getByRole('alert')).toHaveText(PASSPHRASE_WRONG);
  await expect(page.getByLabel('Your key (PEM or JWK)')).toHaveValue(testKey('owner-encrypted.pem'));
  await expect(keysList(page).getByRole('listitem')).toHaveCount(4);

  // Still usable: other tabs work, and the right passphrase imports the key.
  await page.getByRole('tab', { name: 'Encrypt' }).click();
  await expect(page.getByRole('heading', { name: 'Encrypt files' })).toBeVisible();
  await openKeysTab(page);
  await page.getByRole('button', { name: 'Import a key' }).click();
  await dropFiles(page, 'Drop a key file', [pemFile('owner-encrypted.pem')]);
  await page.getByLabel('Passphrase', { exact: true }).fill(ENCRYPTED_PASSPHRASE);
  await page.getByRole('checkbox', { name: 'Keep the private key exportable' }).check();
  await page.getByRole('button', { name: 'Import key', exact: true }).click();
  const encrypted = card(page, 'owner-encrypted');
  const keyId = refKeyId(testKey('owner-encrypted.pub.pem'));
  await expect(keyIdShown(encrypted, keyId)).toBeVisible({ timeout: 20_000 });
  await expect(encrypted.getByText('Private key can be exported')).toBeVisible();
  await expect(page.getByRole('alert')).toHaveCount(0);

  // Kept exportable on request: a new passphrase-protected backup, which OpenSSL opens.
  await encrypted.getByRole('button', { name: 'Export backup…' }).click();
  await encrypted.getByLabel('Backup passphrase').fill('a new backup passphrase');
  await encrypted.getByLabel('Repeat passphrase').fill('a new backup passphrase');
  const backup = await downloadFrom(page, () => encrypted.getByRole('button', { name: 'Download backup' }).click());
  expect(backup.suggestedFilename()).toBe('owner-encrypted.backup.pem');
  const path = join(dir, 'owner-encrypted.backup.pem');
  writeFileSync(path, await downloadBytes(backup));
  const publicPem = execFileSync('openssl', ['pkey', '-in', path, '-passin', 'pass:a new backup passphrase', '-pubout'], { encoding: 'utf8' });
  expect(refKeyId(publicPem)).toBe(keyId);
  await expect(encrypted.getByText(/^Backup exported /)).toBeVisible();

  await page.reload();
  await openKeysTab(page);
  await expect(keysList(page).getByRole('listitem')).toHaveCount(5);
});

test('a 1024-bit key is refused as too weak and nothing is stored', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('button', { name: 'Import a key pair' }).click();
  await page.getByLabel('Your key (PEM or JWK)').fill(testKey('weak-1024.pem'));
  await page.getByRole('button', { name: 'Import key', exact: true }).click();
  await expect(page.getByRole('alert')).toHaveText('This RSA key is too weak (1024 bits); Keyward needs at least 2048 bits. Use or create a stronger key.');

  await page.reload();
  await expect(page.getByRole('heading', { name: 'Welcome to Keyward' })).toBeVisible();
  await page.getByRole('button', { name: 'Import a key pair' }).click();
  await page.getByLabel('Your key (PEM or JWK)').fill(testKey('owner.pem'));
  await page.getByLabel('Name for this key').fill('Ada Lovelace');
  await page.getByRole('button', { name: 'Import key', exact: true }).click();
  await expect(keyIdShown(page, refKeyId(testKey('owner.pub.pem')))).toBeVisible();
  // The same weak key as an authority is refused as well.
  await page.getByLabel('Authority public key (PEM or JWK)').fill(testKey('weak-1024.pub.pem'));
  await page.getByRole('button', { name: 'Add authority' }).click();
  await expect(page.getByRole('alert')).toContainText('This RSA key is too weak (1024 bits)');
});

test('a key is deleted only through a confirmation that says what becomes unreadable', async ({ page }) => {
  await completeFirstRun(page);
  await openKeysTab(page);
  await page.getByRole('button', { name: 'Import a key' }).click();
  await page.getByLabel('Your key (PEM or JWK)').fill(testKey('stranger.pub.pem'));
  await page.getByLabel('Name for this key').fill('Legal hold');
  await page.getByRole('button', { name: 'Import key', exact: true }).click();
  await expect(card(page, 'Legal hold').getByText('Backup authority', { exact: true })).toBeVisible();
  // Confirm authority removes its button: focus goes to what it did, not to the page body.
  await card(page, 'Legal hold').getByRole('button', { name: 'Confirm authority' }).click();
  await expect(card(page, 'Legal hold').getByText(/^Key ID confirmed/)).toBeFocused();

  await card(page, 'Legal hold').getByRole('button', { name: 'Delete…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete this key?' });
  await expect(dialog).toContainText('New files can no longer be escrowed to this authority');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  await expect(card(page, 'Legal hold')).toBeVisible();

  await card(page, 'Legal hold').getByRole('button', { name: 'Delete…' }).click();
  await dialog.getByRole('button', { name: 'Delete key' }).click();
  await expect(card(page, 'Legal hold')).toHaveCount(0);
  // The card and its Delete button are gone: focus is on the list's heading, not on the page body.
  await expect(page.getByRole('heading', { name: 'Your keys' })).toBeFocused();

  // My key pair: the dialog says which files become unreadable; deleting it returns to the first-run screen.
  await card(page, 'Ada Lovelace').getByRole('button', { name: 'Delete…' }).click();
  await expect(dialog).toContainText(
    'Files encrypted for this key can no longer be opened in this browser unless you have a backup or your backup authority recovers them.',
  );
  await dialog.getByRole('button', { name: 'Delete key' }).click();
  await expect(page.getByRole('heading', { name: 'Welcome to Keyward' })).toBeVisible();

  await page.reload();
  await expect(page.getByRole('heading', { name: 'Welcome to Keyward' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Create a key pair' })).toBeVisible();
});
