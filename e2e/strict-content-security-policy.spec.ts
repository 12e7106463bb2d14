import { expect, test } from '@playwright/test';
import { completeFirstRun, downloadBytes, downloadFrom, sha256 } from './support.ts';

/**
 * The built app runs entirely under its strict Content Security Policy with
 * Trusted Types: a whole journey (first run, encrypt in the Worker, which
 * starts its reader Worker for a large file, download, decrypt) must not trip
 * a single violation.
 */
test('a person encrypts and decrypts a file with no Content Security Policy violation', async ({ page }) => {
  const violations: string[] = [];
  await page.exposeFunction('reportCspViolation', (text: string) => violations.push(text));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      void (window as unknown as { reportCspViolation: (t: string) => Promise<void> }).reportCspViolation(
        `${event.violatedDirective} blocked ${event.blockedURI}`,
      );
    });
  });
  page.on('console', (message) => {
    if (/Content Security Policy|Trusted Type/i.test(message.text())) violations.push(message.text());
  });
  page.on('pageerror', (error) => violations.push(error.message));

  const response = await page.goto('/');
  const header = response?.headers()['content-security-policy'] ?? '';
  expect(header).toContain("frame-ancestors 'none'");
  expect(header).toContain("require-trusted-types-for 'script'");
  const policies = page.locator('meta[http-equiv="Content-Security-Policy"]');
  await expect(policies.first()).toHaveAttribute('content', /object-src 'none'; base-uri 'none'/);
  // No escrow service configured: the second policy allows connections to the app's own origin only.
  await expect(policies.nth(1)).toHaveAttribute('content', "default-src 'self'; connect-src 'self'");

  await completeFirstRun(page);
  // Over one 8 MiB piece, so that the crypto Worker starts its reader Worker (under the same policy).
  const original = Buffer.from('under a strict policy\n'.repeat(600_000));
  const chooser = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: 'Choose files to encrypt' }).click();
  await (await chooser).setFiles([{ name: 'policy.txt', mimeType: 'text/plain', buffer: original }]);
  const encrypted = await downloadBytes(await downloadFrom(page, () => page.getByRole('button', { name: 'Download policy.txt.keyward', exact: true }).click()));

  await page.getByRole('tab', { name: 'Decrypt' }).click();
  const picker = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: 'Choose files to decrypt' }).click();
  await (await picker).setFiles([{ name: 'policy.txt.keyward', mimeType: 'application/octet-stream', buffer: encrypted }]);
  const plain = await downloadBytes(await downloadFrom(page, () => page.getByRole('button', { name: 'Download policy.txt', exact: true }).click()));
  expect(sha256(plain)).toBe(sha256(original));
  // The reader Worker ran: a policy that blocked it would only have sent the reading back to the crypto Worker.
  expect(page.workers().map((worker) => worker.url())).toContainEqual(expect.stringMatching(/reader\.worker/));

  await page.getByRole('tab', { name: 'Backup authority' }).click();
  await expect(page.getByRole('heading', { name: 'Backup authority', level: 1 })).toBeVisible();
  expect(violations).toEqual([]);
});
