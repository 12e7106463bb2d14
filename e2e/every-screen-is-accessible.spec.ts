/**
 * A person goes through every screen of Keyward (first run step by step, the
 * owner's four tabs with rows, a confirmation dialog, the backup authority's
 * screens with an opened escrow blob (v1, and a signed v2 one), the escrow service desk (against a real
 * service: sign-in, a refusal, deposits found, receipts uploaded, the audit log verified), the error states, and the page for a
 * browser that cannot run Keyward) in light, in dark and on a 390 px wide
 * phone. On each: no axe violation, exactly one h1,
 * nothing wider than the viewport (spec helper `checkScreen`). Where a button
 * the person used disappears, focus goes to what comes next, not to the body.
 */
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { type Page, expect, test } from '@playwright/test';
import { createCouncil, exportPrivateIdentity, identityFromKeyPair, importPrivateKey, serializeCouncil } from '../src/core/index.ts';
import { refEncrypt, refKeyId, refMakeEscrowBlob } from '../test/reference/keyward-node.ts';
import { officer, openDesk, organisation, owner } from './desk-support.ts';
import { startTestService } from './service-support.ts';
import { checkScreen, downloadFrom, dropFiles, keyIdShown, testIdentity, testKey } from './support.ts';

const LOOKS = [
  { name: 'light', colorScheme: 'light', viewport: { width: 1280, height: 800 } },
  { name: 'dark', colorScheme: 'dark', viewport: { width: 1280, height: 800 } },
  { name: '390px', colorScheme: 'light', viewport: { width: 390, height: 844 } },
] as const;

const PASSPHRASE = 'correct horse battery staple';
const SHOTS = process.env.KEYWARD_SHOTS; // a folder: screenshots of each screen, to look at by eye

/** A .keyward file made for a key this browser does not hold. */
const forSomeoneElse = () => {
  const made = refEncrypt({
    plaintext: Buffer.from('not for Ada'),
    chunkSize: 65_536,
    meta: { name: 'theirs.txt', type: 'text/plain', size: 11, lastModified: 0 },
    recipients: [{ role: 'owner', publicKeyPem: testKey('stranger.pub.pem') }],
  });
  return { name: 'theirs.txt.keyward', mimeType: 'application/octet-stream', buffer: made.file };
};

/** A file the owner encrypted, and its escrow blob for the authority's key (made outside the page). */
const escrowedFile = () => {
  const name = 'board minutes 2026-11 (signed, final).pdf';
  const plaintext = Buffer.from('The board met and agreed.\n'.repeat(400));
  const made = refEncrypt({
    plaintext,
    chunkSize: 65_536,
    meta: { name, type: 'application/pdf', size: plaintext.length, lastModified: 0 },
    recipients: [
      { role: 'owner', publicKeyPem: testKey('owner.pub.pem') },
      { role: 'authority', publicKeyPem: testKey('authority.pub.pem') },
    ],
  });
  const blob = refMakeEscrowBlob({
    format: 'keyward-escrow/1',
    ...made,
    description: 'Board minutes, November',
    createdAt: '2026-11-30T09:00:00.000Z',
    owner: { name: 'Ada Lovelace', keyId: refKeyId(testKey('owner.pub.pem')) },
    authority: { name: 'IT backup desk', keyId: refKeyId(testKey('authority.pub.pem')) },
    wrapForPublicKeyPem: testKey('authority.pub.pem'),
  });
  return {
    name,
    file: { name: `${name}.keyward`, mimeType: 'application/octet-stream', buffer: made.file },
    blob: Buffer.from(JSON.stringify(blob)),
  };
};

/** A 2-of-3 council file (spec v2 §8.1) of identities made from the test keys, as an organisation hands it out. */
const councilFile = async () => {
  const member = async (pem: string) => identityFromKeyPair(await importPrivateKey(testKey(pem), { extractable: true }));
  const members = await Promise.all(['authority.pem', 'stranger.pem', 'rsa4096.pem'].map(member));
  const council = await createCouncil({ name: 'Recovery council', threshold: 2, members: members.map((identity, i) => ({ name: `Member ${i + 1}`, identity })) });
  return { name: 'Recovery council.keyward-council.json', mimeType: 'application/json', buffer: Buffer.from(serializeCouncil(council)) };
};

/** The element that has focus, as role and name (never the body). */
const focused = (page: Page) => page.evaluate(() => {
  const element = document.activeElement;
  return element ? `focus is on ${element.tagName.toLowerCase()}: ${element.textContent.trim().slice(0, 40)}` : 'nothing';
});

for (const look of LOOKS) {
  test.describe(`in ${look.name}`, () => {
    test.use({ colorScheme: look.colorScheme, viewport: look.viewport });

    test(`every screen passes axe, has one h1 and fits (${look.name})`, async ({ page }) => {
      test.setTimeout(180_000);
      const shots = SHOTS ? mkdtempSync(join(SHOTS, `${look.name}-`)) : '';
      const check = async (screen: string) => {
        await checkScreen(page, `${screen} (${look.name})`);
        if (shots) await page.screenshot({ path: join(shots, `${screen.replaceAll(/\W+/g, '-')}.png`), fullPage: true });
      };

      // First run, step 1.
      await page.goto('/');
      await expect(page.getByRole('heading', { name: 'Welcome to Keyward', level: 1 })).toBeVisible();
      await check('first run');
      await page.getByRole('button', { name: 'Import a key pair' }).click();
      await page.getByLabel('Your key (PEM or JWK)').fill('not a key');
      await page.getByRole('button', { name: 'Import key', exact: true }).click();
      await expect(page.getByRole('alert')).toBeVisible();
      await check('first run import error');
      await page.getByRole('button', { name: 'Create a key pair' }).click();
      await check('first run create');
      await page.getByLabel('Name for this key').fill('Ada Lovelace');
      await page.getByRole('button', { name: 'Create key pair' }).click();
      const backupHeading = page.getByRole('heading', { name: 'Back up your new key pair' });
      await expect(backupHeading).toBeVisible({ timeout: 60_000 });
      await expect.soft(backupHeading, await focused(page)).toBeFocused();
      await check('first run backup');

      await page.getByLabel('Backup passphrase').fill(PASSPHRASE);
      await page.getByLabel('Repeat passphrase').fill('something else');
      await page.getByRole('button', { name: 'Download backup' }).click();
      await expect(page.getByRole('alert')).toContainText('The two passphrases differ');
      await check('first run backup error');
      await page.getByLabel('Repeat passphrase').fill(PASSPHRASE);
      await downloadFrom(page, () => page.getByRole('button', { name: 'Download backup' }).click());

      // Step 2.
      const authorityHeading = page.getByRole('heading', { name: '2. Your backup authority' });
      await expect.soft(authorityHeading, await focused(page)).toBeFocused();
      await check('first run authority');
      await page.getByLabel('Authority public key (PEM or JWK)').fill(testKey('owner.pem'));
      await page.getByRole('button', { name: 'Add authority' }).click();
      await expect(page.getByRole('alert')).toBeVisible();
      await check('first run authority error');
      // A council instead (spec v2 §8.1): its council ID to compare, then discarded.
      await page.getByLabel('Choose council file').setInputFiles(await councilFile());
      await expect(page.getByRole('group', { name: 'Compare the council ID' })).toBeVisible();
      await check('first run council to compare');
      await page.getByRole('button', { name: 'The council ID differs: discard this council' }).click();
      await page.getByLabel('Authority public key (PEM or JWK)').fill(testKey('authority.pub.pem'));
      await page.getByLabel('Authority name').fill('IT backup desk');
      await page.getByRole('button', { name: 'Add authority' }).click();
      const compareHeading = page.getByRole('heading', { name: 'Compare the key ID' });
      await expect.soft(compareHeading, await focused(page)).toBeFocused();
      await check('first run confirm');
      await page.getByRole('button', { name: 'Confirm authority' }).click();

      // The owner's tabs.
      const title = page.getByRole('heading', { name: 'My files', level: 1 });
      await expect.soft(title, await focused(page)).toBeFocused();
      await expect(page.getByRole('tab', { name: 'Encrypt', selected: true })).toBeVisible();
      await check('encrypt');
      await page.getByLabel('Key description (optional)').fill('Quarterly accounts');
      await dropFiles(page, 'Drop files to encrypt', [
        { name: 'accounts-2026-q3-consolidated-final-version.xlsx', mimeType: 'application/vnd.ms-excel', buffer: Buffer.alloc(240_000, 7) },
        { name: 'board minutes.pdf', mimeType: 'application/pdf', buffer: Buffer.alloc(38_000, 3) },
        // One long token: it may break anywhere, but only because it cannot fit.
        { name: 'Scan_20261130_0001_ABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789.pdf', mimeType: 'application/pdf', buffer: Buffer.alloc(1_000, 1) },
      ]);
      const escrowButton = page.getByRole('button', { name: 'Download board minutes.pdf.keyward-escrow.json' });
      await expect(escrowButton).toBeVisible({ timeout: 30_000 });
      await expect(page.getByRole('button', { name: /^Download accounts.*\.keyward$/ })).toBeVisible({ timeout: 30_000 });
      await downloadFrom(page, () => escrowButton.click());
      await check('encrypt with rows');

      await page.getByRole('tab', { name: 'Decrypt' }).click();
      await check('decrypt');
      await dropFiles(page, 'Drop .keyward files to decrypt', [forSomeoneElse(), { name: 'notes.keyward', mimeType: 'application/octet-stream', buffer: Buffer.from('hello') }]);
      const theirs = page.getByRole('listitem', { name: 'theirs.txt.keyward' });
      await expect(theirs.getByRole('alert')).toContainText('None of your keys can open this.');
      await expect(keyIdShown(theirs, refKeyId(testKey('stranger.pub.pem'))).first()).toBeVisible();
      await expect(page.getByRole('listitem', { name: 'notes.keyward' }).getByRole('alert')).toBeVisible();
      await check('decrypt with errors');

      await page.getByRole('tab', { name: 'Escrow register' }).click();
      const register = page.getByRole('table', { name: 'Files encrypted in this browser' });
      await expect(register.getByRole('row')).toHaveCount(4);
      await check('register');
      // Every cell is on screen and shows all of its text: nothing cut off, nothing to scroll to.
      const clipped = await register.evaluate((table) =>
        [...table.querySelectorAll('th, td')]
          .filter((cell) => {
            // On a phone the header row is kept for screen readers only (1 px), its names shown in each card.
            const head = cell.closest('thead');
            if (head && head.getBoundingClientRect().width <= 1) return false;
            const box = cell.getBoundingClientRect();
            return box.left < 0 || box.right > window.innerWidth || cell.scrollWidth > cell.clientWidth + 1;
          })
          .map((cell) => cell.textContent),
      );
      expect.soft(clipped, `register cells clipped (${look.name})`).toEqual([]);
      // A short name is not broken between its letters: it stays on one line.
      const lines = await register.getByText('board minutes.pdf', { exact: true }).evaluate((name) => name.getClientRects().length);
      expect.soft(lines, `lines of “board minutes.pdf” in the register (${look.name})`).toBe(1);

      await page.getByRole('tab', { name: 'Keys' }).click();
      await check('keys');
      await page.getByRole('listitem', { name: 'Ada Lovelace' }).getByRole('button', { name: 'Delete…' }).click();
      await expect(page.getByRole('dialog', { name: 'Delete this key?' })).toBeVisible();
      await check('delete key dialog');
      await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    });

    test(`the page for a browser that cannot run Keyward passes axe, has one h1 and fits (${look.name})`, async ({ page }) => {
      await page.addInitScript(() => {
        Object.defineProperty(window, 'indexedDB', { value: undefined, configurable: true });
      });
      await page.goto('/');
      await expect(page.getByRole('heading', { name: 'This browser cannot run Keyward', level: 1 })).toBeVisible();
      await checkScreen(page, `browser cannot run Keyward (${look.name})`);
    });

    test(`every backup authority screen passes axe, has one h1 and fits (${look.name})`, async ({ page }) => {
      test.setTimeout(120_000);
      const shots = SHOTS ? mkdtempSync(join(SHOTS, `${look.name}-authority-`)) : '';
      const check = async (screen: string) => {
        await checkScreen(page, `${screen} (${look.name})`);
        if (shots) await page.screenshot({ path: join(shots, `${screen.replaceAll(/\W+/g, '-')}.png`), fullPage: true });
      };
      const made = escrowedFile();
      const escrowBlob = made.blob;

      await page.goto('/');
      await page.getByRole('tab', { name: 'Backup authority' }).click();
      await expect(page.getByRole('heading', { name: 'Backup authority', level: 1 })).toBeVisible();
      await check('authority');
      // An escrow blob before the authority key is here: it cannot be checked yet.
      await dropFiles(page, 'Drop escrow blobs', [{ name: 'board minutes.pdf.keyward-escrow.json', mimeType: 'application/json', buffer: escrowBlob }]);
      await expect(page.getByRole('group', { name: 'Escrow blob details' }).getByRole('alert')).toBeVisible();
      await check('authority escrow blob unchecked');
      await page.getByRole('button', { name: 'Close' }).click();
      await dropFiles(page, 'Drop escrow blobs', [{ name: 'broken.keyward-escrow.json', mimeType: 'application/json', buffer: Buffer.from('{}') }]);
      await expect(page.getByRole('alert')).toBeVisible();
      await check('authority escrow blob refused');

      await page.getByLabel('Authority private key (PEM or JWK)').fill('not a key');
      await page.getByRole('button', { name: 'Import authority key' }).click();
      await expect(page.getByRole('alert').filter({ hasText: 'not a key Keyward can read' })).toBeVisible();
      await check('authority import error');
      await page.getByLabel('Authority private key (PEM or JWK)').fill(testKey('authority.pem'));
      await page.getByLabel('Name for the imported key').fill('IT backup desk');
      await page.getByRole('button', { name: 'Import authority key' }).click();
      await expect(page.getByRole('list', { name: 'Authority key pairs' }).getByRole('listitem')).toHaveCount(1);
      await check('authority with key');

      await dropFiles(page, 'Drop escrow blobs', [{ name: 'board minutes.pdf.keyward-escrow.json', mimeType: 'application/json', buffer: escrowBlob }]);
      await expect(page.getByText('Unsigned (v1)', { exact: true })).toBeVisible();
      await check('authority escrow blob');
      await dropFiles(page, 'Drop the encrypted file', [made.file]);
      await expect(page.getByRole('button', { name: `Download ${made.name}` })).toBeVisible({ timeout: 30_000 });
      await check('authority file decrypted');
      await page.getByLabel("Owner's new public key (PEM or JWK)").fill(testKey('new-owner.pem'));
      await expect(page.getByRole('alert')).toHaveAttribute('data-code', 'KEY_NOT_PUBLIC');
      await check('authority recovery error');
      await page.getByLabel("Owner's new public key (PEM or JWK)").fill(testKey('new-owner.pub.pem'));
      const compare = page.getByRole('group', { name: 'The new key to compare' });
      await expect(keyIdShown(compare, refKeyId(testKey('new-owner.pub.pem')))).toBeVisible();
      await check('authority recovery compare');
      await compare.getByLabel('I compared this key ID with the owner, by phone or in person').check();
      await downloadFrom(page, () => page.getByRole('button', { name: 'Download recovery blob' }).click());
      await expect(keyIdShown(page.getByRole('status').filter({ hasText: 'Issued for' }), refKeyId(testKey('new-owner.pub.pem')))).toBeVisible();
      await check('authority recovery issued');
    });

    test(`every screen of a signed (v2) escrow blob at the backup authority passes axe, has one h1 and fits (${look.name})`, async ({ page }) => {
      test.setTimeout(120_000);
      const v2 = await signedEscrow();
      const check = (screen: string) => checkScreen(page, `${screen} (${look.name})`);
      await page.goto('/');
      await page.getByRole('tab', { name: 'Backup authority' }).click();
      await page.getByLabel('Authority private key (PEM or JWK)').fill(v2.authorityPem);
      await page.getByLabel('Name for the imported key').fill('IT backup desk');
      await page.getByRole('button', { name: 'Import authority key' }).click();
      await expect(page.getByRole('list', { name: 'Authority key pairs' }).getByText(/^Identity ID /)).toBeVisible();
      await check('authority with an identity');

      await dropFiles(page, 'Drop escrow blobs', [{ name: 'altered.keyward-escrow.json', mimeType: 'application/json', buffer: Buffer.from(v2.escrowJson.replace('Board minutes', 'Board minutes (altered)')) }]);
      await expect(page.getByRole('group', { name: 'Escrow blob details' }).getByRole('alert')).toHaveAttribute('data-code', 'SIGNATURE_INVALID');
      await check('authority v2 escrow blob refused');
      await page.getByRole('button', { name: 'Close' }).click();

      await dropFiles(page, 'Drop escrow blobs', [{ name: 'minutes.keyward-escrow.json', mimeType: 'application/json', buffer: Buffer.from(v2.escrowJson) }]);
      await expect(page.getByText(/^Checked: signed by identity/)).toBeVisible();
      await check('authority v2 escrow blob checked');
      await downloadFrom(page, () => page.getByRole('button', { name: 'Download receipt' }).click());
      await expect(page.getByText(/^Saved .*\.keyward-receipt\.json/)).toBeVisible();
      await check('authority receipt saved');
      await page.getByLabel("Owner's new public identity (PEM or JWK)").fill(v2.newOwnerPublicPem);
      await expect(page.getByRole('group', { name: 'The new identity to compare' })).toBeVisible();
      await check('authority v2 recovery compare');
    });

    test(`every screen of the escrow service desk passes axe, has one h1 and fits (${look.name})`, async ({ page, baseURL }) => {
      test.setTimeout(150_000);
      const check = (screen: string) => checkScreen(page, `${screen} (${look.name})`);
      const service = await startTestService(new URL(baseURL ?? 'http://127.0.0.1:4173').origin);
      try {
        const { minutes } = await organisation(service);
        await openDesk(page, service);
        await check('desk sign-in');
        await page.getByLabel('Your private identity (PEM or JWK)').fill(await exportPrivateIdentity(owner, 'pem'));
        await page.getByRole('button', { name: 'Sign in', exact: true }).click();
        await expect(page.getByRole('alert')).toHaveAttribute('data-code', 'NOT_PERMITTED');
        await check('desk sign-in refused');
        await page.getByLabel('Your private identity (PEM or JWK)').fill(await exportPrivateIdentity(officer, 'pem'));
        await page.getByRole('button', { name: 'Sign in', exact: true }).click();
        await expect(page.getByText(/^Signed in as /)).toBeFocused();
        await check('desk signed in');
        await page.getByRole('button', { name: 'Search', exact: true }).click();
        await expect(page.getByRole('list', { name: 'Deposits found' }).getByRole('listitem')).toHaveCount(2);
        await check('desk deposits found');
        await downloadFrom(page, () => page.getByRole('button', { name: 'Export the 2 deposits found' }).click());
        const row = page.getByRole('list', { name: 'Blobs of the bundle' }).getByRole('listitem', { name: `File ${minutes.serial}` });
        await expect(row.getByText('Checked', { exact: true })).toBeVisible();
        await page.getByRole('button', { name: 'Upload every receipt' }).click();
        await expect(row.getByText(/^Receipt stored by the service/)).toBeVisible();
        await check('desk receipts uploaded');
        await page.getByLabel('Choose receipt files to upload').setInputFiles({ name: 'not-a-receipt.json', mimeType: 'application/json', buffer: Buffer.from('{"format":"keyward-escrow/2"}') });
        await expect(page.getByRole('list', { name: 'Receipt files uploaded' }).getByRole('alert')).toBeVisible();
        await check('desk receipt file refused');
        await downloadFrom(page, () => page.getByRole('button', { name: 'Download and verify the audit log' }).click());
        await expect(page.getByRole('group', { name: 'Audit log verified' })).toBeVisible();
        await check('desk audit log verified');
      } finally {
        await service.dispose();
      }
    });
  });
}

/** A signed file's v2 escrow blob (made in Node with the core), the authority identity it is for, and the owner's new identity. */
async function signedEscrow(): Promise<{ escrowJson: string; authorityPem: string; newOwnerPublicPem: string }> {
  const core = await import('../src/core/index.ts');
  const [owner, authority, newOwner] = await Promise.all([testIdentity('owner.pem'), testIdentity('authority.pem'), testIdentity('new-owner.pem')]);
  const plaintext = Buffer.from('The board met and agreed.\n'.repeat(400));
  const encrypted = await core.encryptFile(core.streamFromBytes(plaintext), {
    meta: { name: 'board minutes.pdf', type: 'application/pdf', size: plaintext.length, lastModified: 0 },
    owner: owner.encryption,
    signer: owner,
    authority,
    ownerName: 'Ada Lovelace',
    authorityName: 'IT backup desk',
    description: 'Board minutes, November',
  });
  await core.collectBytes(encrypted.stream);
  const { escrowBlob } = await encrypted.done;
  if (escrowBlob.format !== 'keyward-escrow/2') throw new Error('a signed file has a v2 escrow blob');
  return {
    escrowJson: core.serializeSigned(escrowBlob),
    authorityPem: await core.exportPrivateIdentity(authority, 'pem'),
    newOwnerPublicPem: await core.exportPublicIdentity(newOwner, 'pem'),
  };
}
