/**
 * A zip handed to the authority may come from anyone. One whose entries
 * climb out of their folder, or that holds too many entries, is refused
 * whole with a sentence; a zip bomb's entry is refused without being
 * inflated; blobs dropped with them are still checked.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { zipSync } from 'fflate';
import { cliEncrypted, dropFiles, openAuthorityDesk } from './support.ts';

let escrow = Buffer.alloc(0);
const zipFile = (name: string, bytes: Uint8Array) => ({ name, mimeType: 'application/zip', buffer: Buffer.from(bytes) });

test.beforeAll(() => {
  escrow = cliEncrypted(mkdtempSync(join(tmpdir(), 'keyward-hostile-')), 'minutes.txt', 'minutes\n'.repeat(1000)).escrow;
});

test('the authority is told why a hostile zip is refused, and the good blobs beside it are still checked', async ({ page }) => {
  await openAuthorityDesk(page);

  const many = Object.fromEntries(Array.from({ length: 10_001 }, (_, i) => [`${String(i)}.txt`, new Uint8Array(0)]));
  await dropFiles(page, 'Drop escrow blobs', [
    zipFile('escape.zip', zipSync({ '../../minutes.keyward-escrow.json': escrow })),
    zipFile('many.zip', zipSync(many)),
    // 50 MB of zeros deflate to about 50 KB.
    zipFile('bomb.zip', zipSync({ 'bomb.keyward-escrow.json': new Uint8Array(50_000_000), 'ok.keyward-escrow.json': escrow }, { level: 9 })),
    zipFile('not-a-zip.zip', Buffer.from('PK but not really')),
    { name: 'minutes.txt.keyward-escrow.json', mimeType: 'application/json', buffer: escrow },
  ]);

  const list = page.getByRole('list', { name: 'Escrow blobs' });
  const code = (name: string) => list.getByRole('listitem', { name, exact: true }).getByRole('alert');
  await expect(code('escape.zip')).toHaveAttribute('data-code', 'ZIP_UNSAFE_NAME');
  await expect(code('escape.zip')).toContainText('path trick ("../../minutes.keyward-escrow.json")');
  await expect(code('many.zip')).toHaveAttribute('data-code', 'ZIP_TOO_MANY_ENTRIES');
  await expect(code('bomb.zip › bomb.keyward-escrow.json')).toHaveAttribute('data-code', 'ZIP_ENTRY_TOO_LARGE');
  await expect(code('not-a-zip.zip')).toHaveAttribute('data-code', 'ZIP_UNREADABLE');
  await expect(list.getByRole('listitem', { name: 'bomb.zip › ok.keyward-escrow.json' }).getByText('Unsigned (v1)', { exact: true })).toBeVisible();
  await expect(list.getByRole('listitem', { name: 'minutes.txt.keyward-escrow.json' }).getByText('Unsigned (v1)', { exact: true })).toBeVisible();
  await expect(list.getByRole('listitem')).toHaveCount(6);
});
