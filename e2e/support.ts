/**
 * Shared steps and checks for the journeys: set up keys through the UI as a
 * person would, read real downloads, and verify their bytes with the core and
 * the CLI-side reference (never by trusting the page).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Download, type Page, expect } from '@playwright/test';

const KEYS = join(import.meta.dirname, '..', 'src', 'core', 'testdata', 'keys');

/** A test key's PEM text (see src/core/testdata/keys/README.md). */
export function testKey(name: string): string {
  return readFileSync(join(KEYS, name), 'utf8');
}

export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Saves nothing anywhere: reads a download's bytes from Playwright's temp copy. */
export async function downloadBytes(download: Download): Promise<Buffer> {
  const path = await download.path();
  return readFileSync(path);
}

/** Clicks something that starts a download and returns it. */
export async function downloadFrom(page: Page, click: () => Promise<void>): Promise<Download> {
  const [download] = await Promise.all([page.waitForEvent('download'), click()]);
  return download;
}

/** Files for `setInputFiles` or a synthetic drop. */
export interface FilePayload {
  name: string;
  mimeType: string;
  buffer: Buffer;
}

/** Drops files on the drop zone named `zoneLabel`, as a person dragging them from the desktop. */
export async function dropFiles(page: Page, zoneLabel: string, files: FilePayload[]): Promise<void> {
  const dataTransfer = await page.evaluateHandle((payload) => {
    const transfer = new DataTransfer();
    for (const file of payload) {
      const bytes = Uint8Array.from(atob(file.base64), (c) => c.charCodeAt(0));
      transfer.items.add(new File([bytes], file.name, { type: file.mimeType }));
    }
    return transfer;
  }, files.map((f) => ({ name: f.name, mimeType: f.mimeType, base64: f.buffer.toString('base64') })));
  const zone = page.getByRole('group', { name: zoneLabel });
  await zone.dispatchEvent('dragenter', { dataTransfer });
  await zone.dispatchEvent('dragover', { dataTransfer });
  await zone.dispatchEvent('drop', { dataTransfer });
}

/**
 * First run as a person does it: import my key pair (PEM pasted), add my
 * backup authority's public key, compare and confirm its key ID.
 */
export async function completeFirstRun(
  page: Page,
  options: { ownerPem?: string; ownerName?: string; authorityPem?: string; authorityName?: string } = {},
): Promise<void> {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Welcome to Keyward' })).toBeVisible();
  await page.getByRole('button', { name: 'Import a key pair' }).click();
  await page.getByLabel('Your key (PEM or JWK)').fill(options.ownerPem ?? testKey('owner.pem'));
  await page.getByLabel('Name for this key').fill(options.ownerName ?? 'Ada Lovelace');
  await page.getByRole('button', { name: 'Import key', exact: true }).click();
  await page.getByLabel('Authority public key (PEM or JWK)').fill(options.authorityPem ?? testKey('authority.pub.pem'));
  await page.getByLabel('Authority name').fill(options.authorityName ?? 'IT backup desk');
  await page.getByRole('button', { name: 'Add authority' }).click();
  await page.getByRole('button', { name: 'Confirm authority' }).click();
  await expect(page.getByRole('tab', { name: 'Encrypt' })).toBeVisible();
}
