/**
 * Blobs that are wrong, damaged or meant for someone else: the authority and
 * the owner each get the sentence for what happened (spec §7 or the app's
 * code), nothing is decrypted or issued, and the next good blob still works.
 * Blobs are made by the CLI and changed here, outside the page.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Page, expect, test } from '@playwright/test';
import { refKeyId } from '../test/reference/keyward-node.ts';
import { completeFirstRun, dropFiles, keyIdShown, testKey } from './support.ts';

const ROOT = join(import.meta.dirname, '..');
const KEYS = join(ROOT, 'src', 'core', 'testdata', 'keys');
let dir = '';
const cli = (...args: string[]) => execFileSync('node', [join(ROOT, 'bin', 'keyward.js'), ...args], { cwd: ROOT, stdio: 'pipe' });
const read = (name: string) => readFileSync(join(dir, name));
const json = (name: string, buffer: Buffer | string) => ({ name, mimeType: 'application/json', buffer: Buffer.from(buffer) });
const keyward = (name: string, buffer: Buffer) => ({ name, mimeType: 'application/octet-stream', buffer });

/** A blob with one field changed (the text stays valid JSON). */
function changed(name: string, change: (blob: Record<string, unknown>) => void): string {
  const blob = JSON.parse(read(name).toString('utf8')) as Record<string, unknown>;
  change(blob);
  return JSON.stringify(blob, null, 2);
}

test.beforeAll(() => {
  execFileSync('npx', ['vite', 'build', '--config', 'vite.cli.config.ts'], { cwd: ROOT, stdio: 'pipe' });
  dir = mkdtempSync(join(tmpdir(), 'keyward-blobs-'));
  for (const [name, authority] of [['minutes.txt', 'authority.pub.pem'], ['other.txt', 'authority.pub.pem'], ['legal.txt', 'stranger.pub.pem']] as const) {
    writeFileSync(join(dir, name), `${name}\n`.repeat(5000));
    cli('encrypt', join(dir, name), '--owner', join(KEYS, 'owner.pub.pem'), '--authority', join(KEYS, authority), '--owner-name', 'Ada Lovelace');
  }
  cli('reissue', join(dir, 'minutes.txt.keyward-escrow.json'), '--authority-key', join(KEYS, 'authority.pem'), '--to', join(KEYS, 'new-owner.pub.pem'), '--out', join(dir, 'minutes.keyward-recovery.json'));
});

async function openAuthorityMode(page: Page): Promise<void> {
  await page.goto('/');
  await page.getByRole('tab', { name: 'Backup authority' }).click();
  await page.getByLabel('Authority private key (PEM or JWK)').fill(testKey('authority.pem'));
  await page.getByLabel('Name for the imported key').fill('IT backup desk');
  await page.getByRole('button', { name: 'Import authority key' }).click();
  await expect(page.getByRole('list', { name: 'Authority key pairs' }).getByRole('listitem', { name: 'IT backup desk' })).toBeVisible();
}

test('the authority is told what is wrong with each bad escrow blob, and nothing is decrypted or issued', async ({ page }) => {
  await openAuthorityMode(page);
  const escrowZone = 'Drop escrow blobs';
  const cases: [string, string | Buffer, string, RegExp][] = [
    ['notes.txt', 'Dear IT, please find my key attached.', 'MALFORMED', /damaged or not in the Keyward format/],
    ['package.json', JSON.stringify({ name: 'not-a-blob', version: '1.0.0' }), 'MALFORMED', /damaged or not in the Keyward format/],
    ['minutes.keyward-recovery.json', read('minutes.keyward-recovery.json'), 'NOT_ESCROW_BLOB', /This is a recovery blob, which the owner opens/],
    ['padded.json', changed('minutes.txt.keyward-escrow.json', (b) => { b.salt = `${String(b.salt)}==`; }), 'MALFORMED', /damaged or not in the Keyward format/],
    ['bad-character.json', changed('minutes.txt.keyward-escrow.json', (b) => { b.wrappedKey = `${String(b.wrappedKey).slice(0, -1)}+`; }), 'MALFORMED', /damaged or not in the Keyward format/],
    ['altered.json', changed('minutes.txt.keyward-escrow.json', (b) => { b.description = 'Signed over to Mallory'; }), 'BLOB_TAMPERED', /has been altered/],
    ['for-legal.json', read('legal.txt.keyward-escrow.json'), 'NO_MATCHING_KEY', /None of your keys can open this\. It is for/],
  ];
  for (const [name, text, code, sentence] of cases) {
    await dropFiles(page, escrowZone, [json(name, text)]);
    const alert = page.getByRole('alert').filter({ hasText: sentence });
    await expect(alert).toBeVisible();
    await expect(alert).toHaveAttribute('data-code', code);
    // Nothing to act on: no file can be dropped for decryption, no recovery blob issued.
    await expect(page.getByRole('group', { name: 'Drop the encrypted file' })).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Download recovery blob' })).toHaveCount(0);
    if (code === 'NO_MATCHING_KEY') await expect(keyIdShown(alert, refKeyId(testKey('stranger.pub.pem')))).toBeVisible();
    if (await page.getByRole('button', { name: 'Close' }).isVisible()) await page.getByRole('button', { name: 'Close' }).click();
  }

  // A good blob, then the wrong encrypted file: BLOB_MISMATCH, nothing offered.
  await dropFiles(page, escrowZone, [json('minutes.txt.keyward-escrow.json', read('minutes.txt.keyward-escrow.json'))]);
  await expect(page.getByText('Unsigned (v1)', { exact: true })).toBeVisible();
  await dropFiles(page, 'Drop the encrypted file', [keyward('other.txt.keyward', read('other.txt.keyward'))]);
  const rows = page.getByRole('list', { name: 'Files being decrypted' });
  const wrong = rows.getByRole('listitem', { name: 'other.txt.keyward' });
  await expect(wrong.getByRole('alert')).toHaveAttribute('data-code', 'BLOB_MISMATCH');
  await expect(wrong.getByRole('alert')).toContainText('This blob belongs to a different file.');
  await expect(wrong.getByRole('button', { name: /^Download/ })).toHaveCount(0);

  // The right file still opens.
  await dropFiles(page, 'Drop the encrypted file', [keyward('minutes.txt.keyward', read('minutes.txt.keyward'))]);
  await expect(rows.getByRole('listitem', { name: 'minutes.txt.keyward' }).getByRole('button', { name: 'Download minutes.txt', exact: true })).toBeVisible();
});

test('the owner is told when a recovery blob was altered, or an escrow blob is given instead', async ({ page }) => {
  await completeFirstRun(page, { ownerPem: testKey('new-owner.pem') });
  await page.getByRole('tab', { name: 'Decrypt' }).click();
  const rows = page.getByRole('list', { name: 'Files being decrypted' });
  const attempt = async (blobName: string, blob: string | Buffer) => {
    await dropFiles(page, 'Drop the encrypted file', [keyward('minutes.txt.keyward', read('minutes.txt.keyward'))]);
    await dropFiles(page, 'Drop the recovery blob', [json(blobName, blob)]);
    await page.getByRole('button', { name: 'Decrypt with recovery blob' }).click();
    return rows.getByRole('listitem', { name: 'minutes.txt.keyward' }).last();
  };

  const altered = await attempt('altered.keyward-recovery.json', changed('minutes.keyward-recovery.json', (b) => { b.serial = 'KW-0000-0000-0000-0000'; }));
  await expect(altered.getByRole('alert')).toHaveAttribute('data-code', 'BLOB_TAMPERED');
  await expect(altered.getByRole('button', { name: /^Download/ })).toHaveCount(0);

  const escrow = await attempt('minutes.txt.keyward-escrow.json', read('minutes.txt.keyward-escrow.json'));
  await expect(escrow.getByRole('alert')).toHaveAttribute('data-code', 'NOT_RECOVERY_BLOB');
  await expect(escrow.getByRole('alert')).toContainText('This is an escrow blob, not a recovery blob.');

  const good = await attempt('minutes.keyward-recovery.json', read('minutes.keyward-recovery.json'));
  await expect(good.getByRole('button', { name: 'Download minutes.txt', exact: true })).toBeVisible();
});
