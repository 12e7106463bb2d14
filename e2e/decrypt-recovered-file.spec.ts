/**
 * Journey 7: the owner, now with a new key pair, opens a file made for the old
 * key with a recovery blob the authority issued (here with the CLI `reissue`).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Page, expect, test } from '@playwright/test';
import { refKeyId } from '../test/reference/keyward-node.ts';
import { completeFirstRun, downloadBytes, downloadFrom, dropFiles, keyIdShown, sha256, testKey } from './support.ts';

const ROOT = join(import.meta.dirname, '..');
const KEYS = join(ROOT, 'src', 'core', 'testdata', 'keys');
const NAME = 'thesis draft.tex';
const plaintext = Buffer.from(Array.from({ length: 80_000 }, (_, i) => (i * 13 + 1) & 0xff));

let dir = '';
const cli = (...args: string[]) => execFileSync('node', [join(ROOT, 'bin', 'keyward.js'), ...args], { cwd: ROOT, stdio: 'pipe' });

test.beforeAll(() => {
  execFileSync('npx', ['vite', 'build', '--config', 'vite.cli.config.ts'], { cwd: ROOT, stdio: 'pipe' });
  dir = mkdtempSync(join(tmpdir(), 'keyward-recovered-'));
  writeFileSync(join(dir, NAME), plaintext);
  cli('encrypt', join(dir, NAME), '--owner', join(KEYS, 'owner.pub.pem'), '--authority', join(KEYS, 'authority.pub.pem'), '--owner-name', 'Ada Lovelace');
  const escrow = join(dir, `${NAME}.keyward-escrow.json`);
  cli('reissue', escrow, '--authority-key', join(KEYS, 'authority.pem'), '--to', join(KEYS, 'new-owner.pub.pem'), '--out', join(dir, 'for-new-owner.keyward-recovery.json'));
  cli('reissue', escrow, '--authority-key', join(KEYS, 'authority.pem'), '--to', join(KEYS, 'stranger.pub.pem'), '--out', join(dir, 'for-stranger.keyward-recovery.json'));
});

async function recover(page: Page, blobName: string) {
  await page.getByRole('tab', { name: 'Decrypt' }).click();
  await expect(page.getByRole('heading', { name: 'Open a file with a recovery blob' })).toBeVisible();
  await dropFiles(page, 'Drop the encrypted file', [{ name: `${NAME}.keyward`, mimeType: 'application/octet-stream', buffer: readFileSync(join(dir, `${NAME}.keyward`)) }]);
  await dropFiles(page, 'Drop the recovery blob', [{ name: blobName, mimeType: 'application/json', buffer: readFileSync(join(dir, blobName)) }]);
  await page.getByRole('button', { name: 'Decrypt with recovery blob' }).click();
  return page.getByRole('list', { name: 'Files being decrypted' }).getByRole('listitem', { name: `${NAME}.keyward` });
}

test('the owner with a new key pair opens a file with the recovery blob', async ({ page }) => {
  await completeFirstRun(page, { ownerPem: testKey('new-owner.pem') });

  const row = await recover(page, 'for-new-owner.keyward-recovery.json');

  const download = await downloadFrom(page, () => row.getByRole('button', { name: `Download ${NAME}` }).click());
  expect(download.suggestedFilename()).toBe(NAME);
  expect(sha256(await downloadBytes(download))).toBe(sha256(plaintext));
});

test('a recovery blob for another key says which key it is for, and offers nothing', async ({ page }) => {
  await completeFirstRun(page, { ownerPem: testKey('new-owner.pem') });

  const row = await recover(page, 'for-stranger.keyward-recovery.json');

  const alert = row.getByRole('alert');
  await expect(alert).toHaveAttribute('data-code', 'NO_MATCHING_KEY');
  await expect(alert).toContainText('None of your keys can open this. It is for');
  await expect(keyIdShown(alert, refKeyId(testKey('stranger.pub.pem')))).toBeVisible();
  await expect(row.getByRole('button', { name: /^Download/ })).toHaveCount(0);

  // The file itself, with the owner's own (new) key, is not openable either: it names the old key.
  await dropFiles(page, 'Drop .keyward files to decrypt', [{ name: 'direct.keyward', mimeType: 'application/octet-stream', buffer: readFileSync(join(dir, `${NAME}.keyward`)) }]);
  const direct = page.getByRole('list', { name: 'Files being decrypted' }).getByRole('listitem', { name: 'direct.keyward' });
  await expect(keyIdShown(direct.getByRole('alert'), refKeyId(testKey('owner.pub.pem')))).toBeVisible();
});
