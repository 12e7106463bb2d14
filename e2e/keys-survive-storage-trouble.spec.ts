/**
 * Keys are not lost when storage misbehaves: a tab closed in the middle of an
 * encryption leaves no broken record and no temp output behind; saved keys
 * written by a newer version are left untouched; a newer version opened in
 * another tab is not blocked by this one, which says to reload.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Page, expect, test } from '@playwright/test';
import { chooseFiles, completeFirstRun, makeLargeFile, tempOutputs } from './support.ts';
import { KEYWARD_DB_VERSION } from '../src/io/db.ts';

let dir = '';
test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'keyward-storage-'));
});
test.afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** What IndexedDB holds, read without the app: record counts and each record's key. */
function readDatabase(page: Page) {
  return page.evaluate(
    () =>
      new Promise<{ version: number; keys: string[]; register: string[] }>((resolve, reject) => {
        const request = indexedDB.open('keyward');
        request.onerror = () => {
          reject(new Error(String(request.error)));
        };
        request.onsuccess = () => {
          const db = request.result;
          const tx = db.transaction(['keys', 'register']);
          const keys = tx.objectStore('keys').getAllKeys();
          const register = tx.objectStore('register').getAllKeys();
          tx.oncomplete = () => {
            resolve({ version: db.version, keys: keys.result.map(String), register: register.result.map(String) });
            db.close();
          };
        };
      }),
  );
}

test('closing the tab in the middle of an encryption leaves keys and register whole, and its temp output is removed', async ({ page, context }) => {
  const big = makeLargeFile(dir, 'tax-return-scans.zip', 256 * 1024 * 1024);
  await completeFirstRun(page);
  const before = await readDatabase(page);
  expect(before.keys).toHaveLength(2);
  expect(before.register).toEqual([]);

  await chooseFiles(page, 'Choose files to encrypt', [big]);
  const row = page.getByRole('list', { name: 'Files being encrypted' }).getByRole('listitem', { name: 'tax-return-scans.zip' });
  await expect.poll(async () => Number(await row.getByRole('progressbar').getAttribute('value')), { intervals: [50] }).toBeGreaterThan(2);
  expect(await tempOutputs(page)).toHaveLength(1);
  await page.close();

  const next = await context.newPage();
  await next.goto('/');
  await expect(next.getByRole('tab', { name: 'Encrypt' })).toBeVisible();
  expect(await readDatabase(next)).toEqual(before);
  await next.getByRole('tab', { name: 'Escrow register' }).click();
  await expect(next.getByText('Nothing encrypted here yet.')).toBeVisible();
  // The closed tab's half-written output goes at the next start-up sweep.
  await expect.poll(() => tempOutputs(next), { timeout: 20_000 }).toEqual([]);
});

test('saved keys written by a newer version of Keyward are left untouched, and the person is told to reload', async ({ page }) => {
  await completeFirstRun(page);
  // A newer Keyward upgrades the database to a later schema and adds a store of its own.
  await page.evaluate(
    () =>
      new Promise<void>((resolve, reject) => {
        const request = indexedDB.open('keyward', 7);
        request.onupgradeneeded = () => {
          request.result.createObjectStore('future');
        };
        request.onsuccess = () => {
          request.result.close();
          resolve();
        };
        request.onerror = () => {
          reject(new Error(String(request.error)));
        };
      }),
  );
  const written = await readDatabase(page);
  expect(written.version).toBe(7);

  await page.reload();
  await expect(page.getByRole('alert').filter({ hasText: 'Your saved keys were written by a newer version of Keyward. Reload the page to get the newer version.' })).toBeVisible();
  // No first-run screen invites a new key pair over the newer data; nothing was overwritten or removed.
  await expect(page.getByRole('heading', { name: 'Welcome to Keyward' })).toHaveCount(0);
  expect(await readDatabase(page)).toEqual(written);
});

test('a newer version opened in another tab is not blocked by this one, which asks to be reloaded', async ({ page, context }) => {
  await completeFirstRun(page);
  const other = await context.newPage();
  await other.goto('/');
  await expect(other.getByRole('tab', { name: 'Encrypt' })).toBeVisible();
  // The other tab stands in for a newer Keyward: it upgrades the schema while both tabs are open.
  const upgraded = await other.evaluate(
    (newer) =>
      new Promise<string>((resolve) => {
        const request = indexedDB.open('keyward', newer);
        request.onblocked = () => {
          resolve('blocked');
        };
        request.onsuccess = () => {
          request.result.close();
          resolve('upgraded');
        };
        request.onerror = () => {
          resolve(String(request.error));
        };
      }),
    KEYWARD_DB_VERSION + 1,
  );
  expect(upgraded).toBe('upgraded');
  for (const tab of [page, other]) {
    await expect(tab.getByRole('status').filter({ hasText: 'A newer version of Keyward was opened in another tab. Reload this page to keep working.' })).toBeVisible();
  }
});
