/**
 * Takes the README's screenshots of the real app (light and dark):
 *   npm run build && (npx vite preview --port 4173 &) && npx tsx scripts/screenshots.ts
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import { chromiumArgs, chromiumPath } from '../test/chromium.ts';
import { completeFirstRun } from '../e2e/support.ts';

const OUT = join(import.meta.dirname, '..', 'docs', 'screenshots');
/** Identities (format v2), as the app now makes them: the owner's and the authority's. */
const identity = (name: string) => readFileSync(join(import.meta.dirname, '..', 'src', 'core', 'testdata', 'vectors', name), 'utf8');
const BASE = process.env.KEYWARD_URL ?? 'http://127.0.0.1:4173';

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
  for (const scheme of ['light', 'dark'] as const) {
    const context = await browser.newContext({ baseURL: BASE, colorScheme: scheme, viewport: { width: 1100, height: 760 } });
    const page = await context.newPage();
    const shot = (name: string) => page.screenshot({ path: join(OUT, `${name}-${scheme}.png`), fullPage: true });
    await page.goto('/');
    await page.getByRole('heading', { name: 'Welcome to Keyward' }).waitFor();
    await shot('first-run');
    await completeFirstRun(page, { ownerPem: identity('id-owner.pem'), authorityPem: identity('id-authority.pub.pem') });
    await page.getByLabel('Key description (optional)').fill('Quarterly accounts');
    const chooser = page.waitForEvent('filechooser');
    await page.getByRole('button', { name: 'Choose files to encrypt' }).click();
    await (await chooser).setFiles([
      { name: 'accounts-2026-q3.xlsx', mimeType: 'application/vnd.ms-excel', buffer: Buffer.alloc(2_400_000, 7) },
      { name: 'board minutes.pdf', mimeType: 'application/pdf', buffer: Buffer.alloc(380_000, 3) },
    ]);
    await page.getByRole('button', { name: /^Download board minutes\.pdf\.keyward$/ }).waitFor();
    await shot('encrypt');
    await page.getByRole('tab', { name: 'Escrow register' }).click();
    await shot('register');
    await page.getByRole('tab', { name: 'Keys' }).click();
    await shot('keys');
    await context.close();

    // The authority works in its own browser.
    const authority = await browser.newContext({ baseURL: BASE, colorScheme: scheme, viewport: { width: 1100, height: 760 } });
    const desk = await authority.newPage();
    await desk.goto('/');
    await desk.getByRole('tab', { name: 'Backup authority' }).click();
    await desk.getByLabel('Authority private key (PEM or JWK)').fill(identity('id-authority.pem'));
    await desk.getByLabel('Name for the imported key').fill('IT backup desk');
    await desk.getByRole('button', { name: 'Import authority key' }).click();
    await desk.getByText('Identity ID').first().waitFor();
    await desk.screenshot({ path: join(OUT, `authority-${scheme}.png`), fullPage: true });
    await authority.close();
  }
  await browser.close();
}

await main();
