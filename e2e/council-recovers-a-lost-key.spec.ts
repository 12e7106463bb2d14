/**
 * The council journey end to end (spec keyward-v2.md §8), one browser context
 * per person: an organisation sets up a 2-of-3 council; the owner pins it by
 * its council ID and encrypts a file; two members each check the escrow blob
 * at their own desk, and one's receipt confirms the file in the owner's
 * register ("Confirmed by MEMBER (COUNCIL)"). The owner loses the key (a new browser), pins the council
 * again and creates a new identity; one member's partial recovery blob alone
 * opens nothing (QUORUM_NOT_MET), two members' partials open the file. Two
 * members then drill: the drill passes on the deposited blob and fails on an
 * evading one the owner signed (random shares, each wrapped properly for its
 * member), made here in Node with the core. Every download is a real one.
 */
import { type Browser, type Page, expect, test } from '@playwright/test';
import {
  type PrivateIdentity,
  b64u,
  exportPrivateIdentity,
  exportPublicIdentity,
  identityFromKeyPair,
  importPrivateKey,
  parseCouncil,
  parsePartialRecovery,
  parseSignedObject,
  wrapShare,
} from '../src/core/index.ts';
import { resignedEscrow } from '../src/store/test-identities.ts';
import { checkScreen, downloadBytes, downloadFrom, dropFiles, keyIdShown, sha256, testKey } from './support.ts';

const NAME = 'merger terms 2026.pdf';
const plaintext = Buffer.from(Array.from({ length: 180_000 }, (_, i) => (i * 37 + 11) & 0xff));
const json = (name: string, buffer: Buffer | string) => ({ name, mimeType: 'application/json', buffer: Buffer.from(buffer) });
const identity = async (pem: string): Promise<PrivateIdentity> => identityFromKeyPair(await importPrivateKey(testKey(pem), { extractable: true }), { extractable: true });
const newPage = async (browser: Browser) => (await browser.newContext()).newPage();

/** The organisation's set-up screen (authority mode): members' public identities, k, and the council file downloaded. */
async function setUpCouncil(page: Page, members: readonly { name: string; identity: PrivateIdentity }[]): Promise<{ text: string; fileName: string }> {
  await page.goto('/');
  await page.getByRole('tab', { name: 'Backup authority' }).click();
  await expect(page.getByRole('heading', { name: 'Set up a council' })).toBeVisible();
  for (const { name, identity: member } of members) {
    await page.getByLabel('Member’s public identity (PEM or JWK)').fill(await exportPublicIdentity(member, 'pem'));
    await page.getByLabel('Member name').fill(name);
    await page.getByRole('button', { name: 'Add member' }).click();
    await expect(page.getByRole('list', { name: 'Council members' }).getByRole('listitem', { name })).toBeVisible();
  }
  await page.getByLabel('Council name').fill('Recovery council');
  await page.getByLabel('Threshold (members needed to recover)').selectOption('2');
  const download = await downloadFrom(page, () => page.getByRole('button', { name: 'Create council' }).click());
  return { text: (await downloadBytes(download)).toString('utf8'), fileName: download.suggestedFilename() };
}

/** Step 2 of the first run, or Keys: the council file loaded, its council ID compared with the organisation's, confirmed. */
async function pinCouncil(page: Page, council: { text: string; fileName: string; id: string }, screen: string) {
  await page.getByLabel('Choose council file').setInputFiles(json(council.fileName, council.text));
  const compare = page.getByRole('group', { name: 'Compare the council ID' });
  await expect(compare).toContainText('Recovery council');
  await expect(compare).toContainText('2 of 3');
  // Read aloud and compared with what the organisation's set-up screen shows.
  await expect(keyIdShown(compare, council.id)).toBeVisible();
  await checkScreen(page, screen);
  await compare.getByRole('button', { name: 'Confirm council' }).click();
  await expect(page.getByRole('tab', { name: 'Encrypt', selected: true })).toBeVisible();
}

/** A member's desk: their private identity imported as the authority key of this browser. */
async function memberDesk(browser: Browser, member: PrivateIdentity, name: string): Promise<Page> {
  const page = await newPage(browser);
  await page.goto('/');
  await page.getByRole('tab', { name: 'Backup authority' }).click();
  await page.getByLabel('Authority private key (PEM or JWK)').fill(await exportPrivateIdentity(member, 'pem'));
  await page.getByLabel('Name for the imported key').fill(name);
  await page.getByRole('button', { name: 'Import authority key' }).click();
  await expect(page.getByRole('list', { name: 'Authority key pairs' })).toBeVisible();
  return page;
}

/** A member checks the escrow blob at their desk: their share unwraps, and the desk says what only a drill proves. */
async function memberChecks(desk: Page, escrowText: string, index: number) {
  await desk.getByLabel('Choose escrow blobs').setInputFiles(json(`${NAME}.keyward-escrow.json`, escrowText));
  const details = desk.getByRole('group', { name: 'Escrow blob details' });
  await expect(details).toContainText('Your share checked');
  await expect(details).toContainText(`You are member ${index} of the council “Recovery council” (2 of 3).`);
  await expect(details).toContainText('A drill with 2 members of the council does.');
}

/** The member, with the blob open, compares the owner's new identity ID and downloads a partial recovery blob for it. */
async function memberIssuesPartial(desk: Page, newPublic: string, newOwnerId: string): Promise<{ name: string; text: string }> {
  await desk.getByLabel("Owner's new public identity (PEM or JWK)").fill(newPublic);
  const compare = desk.getByRole('group', { name: 'The new identity to compare' });
  await expect(keyIdShown(compare, newOwnerId)).toBeVisible();
  await compare.getByLabel('I compared this identity ID with the owner, by phone or in person').check();
  const download = await downloadFrom(desk, () => desk.getByRole('button', { name: 'Download partial recovery blob' }).click());
  return { name: download.suggestedFilename(), text: (await downloadBytes(download)).toString('utf8') };
}

test('a 2-of-3 council recovers a lost key: one member alone cannot, two can; the drill passes on the deposited blob and fails on an evading one', async ({ browser }) => {
  test.setTimeout(300_000);
  const [alice, bob, carol, owner] = await Promise.all([identity('authority.pem'), identity('stranger.pem'), identity('rsa4096.pem'), identity('owner.pem')]);

  // The organisation sets up the council and reads its council ID out to the owner.
  const org = await newPage(browser);
  const councilFile = await setUpCouncil(org, [
    { name: 'Alice', identity: alice },
    { name: 'Bob', identity: bob },
    { name: 'Carol', identity: carol },
  ]);
  const council = await parseCouncil(councilFile.text);
  expect(council.threshold).toBe(2);
  expect(council.members.map((m) => m.id)).toEqual([alice.id, bob.id, carol.id]);
  await expect(keyIdShown(org.getByRole('group', { name: 'The council ID to read out' }), council.id)).toBeVisible();
  const pinned = { ...councilFile, id: council.id };

  // The owner imports their identity, pins the council by its ID at the first run, and encrypts a file.
  const ownerPage = await newPage(browser);
  await ownerPage.goto('/');
  await ownerPage.getByRole('button', { name: 'Import a key pair' }).click();
  await ownerPage.getByLabel('Your key (PEM or JWK)').fill(await exportPrivateIdentity(owner, 'pem'));
  await ownerPage.getByLabel('Name for this key').fill('Ada Lovelace');
  await ownerPage.getByRole('button', { name: 'Import key', exact: true }).click();
  await pinCouncil(ownerPage, pinned, 'owner compares a council ID at the first run');
  await expect(ownerPage.getByText('Backup authority:')).toContainText('Recovery council');
  await dropFiles(ownerPage, 'Drop files to encrypt', [{ name: NAME, mimeType: 'application/pdf', buffer: plaintext }]);
  const row = ownerPage.getByRole('list', { name: 'Files being encrypted' }).getByRole('listitem', { name: NAME, exact: true });
  const encrypted = await downloadBytes(await downloadFrom(ownerPage, () => row.getByRole('button', { name: `Download ${NAME}.keyward`, exact: true }).click({ timeout: 30_000 })));
  const escrowText = (await downloadBytes(await downloadFrom(ownerPage, () => row.getByRole('button', { name: `Download ${NAME}.keyward-escrow.json` }).click()))).toString('utf8');
  const escrow = parseSignedObject(escrowText);
  if (escrow.kind !== 'escrow-v2') throw new Error(`the owner made a ${escrow.kind}`);
  expect(escrow.blob.authority).toMatchObject({ kind: 'council', id: council.id, threshold: 2 });
  expect(escrow.blob.owner.id).toBe(owner.id);
  const { serial } = escrow.blob;
  await ownerPage.getByRole('tab', { name: 'Escrow register' }).click();
  await expect(ownerPage.getByRole('row', { name: new RegExp(serial) })).toContainText('Recovery council');
  await ownerPage.getByRole('tab', { name: 'Keys' }).click();
  await expect(ownerPage.getByRole('list', { name: 'Pinned councils' }).getByRole('listitem', { name: 'Recovery council' })).toBeVisible();
  await checkScreen(ownerPage, 'keys with a pinned council');

  // Two members check the blob, each at their own desk.
  const aliceDesk = await memberDesk(browser, alice, 'Alice');
  const bobDesk = await memberDesk(browser, bob, 'Bob');
  await memberChecks(aliceDesk, escrowText, 1);
  await memberChecks(bobDesk, escrowText, 2);

  // Bob answers with a signed receipt; the owner's register shows the file confirmed by him, as a member of the council.
  const receipt = await downloadFrom(bobDesk, () => bobDesk.getByRole('button', { name: 'Download receipt' }).click());
  const receiptText = (await downloadBytes(receipt)).toString('utf8');
  await ownerPage.getByRole('tab', { name: 'Escrow register' }).click();
  await dropFiles(ownerPage, 'Drop a receipt from your backup authority', [json(receipt.suggestedFilename(), receiptText)]);
  await expect(ownerPage.getByRole('row', { name: new RegExp(serial) })).toContainText('Confirmed by Bob (Recovery council)');
  await checkScreen(ownerPage, 'register confirmed by a council member');

  // The owner loses the key: a new browser, a new identity, the council pinned again; they send their new public identity.
  await ownerPage.context().close();
  const newOwner = await newPage(browser);
  await newOwner.goto('/');
  await newOwner.getByRole('button', { name: 'Create a key pair' }).click();
  await newOwner.getByLabel('Name for this key').fill('Ada Lovelace');
  await newOwner.getByRole('button', { name: 'Create key pair' }).click();
  await newOwner.getByRole('checkbox', { name: /^Continue without a backup/ }).check({ timeout: 30_000 });
  await newOwner.getByRole('button', { name: 'Save the key without a backup' }).click();
  await pinCouncil(newOwner, pinned, 'new owner compares the council ID');
  await newOwner.getByRole('tab', { name: 'Keys' }).click();
  const ownCard = newOwner.getByRole('list', { name: 'Stored keys' }).getByRole('listitem', { name: 'Ada Lovelace' });
  const newOwnerId = await ownCard.locator('[data-key-id]').first().getAttribute('data-key-id');
  expect(newOwnerId).toMatch(/^SHA256:[0-9a-f]{64}$/);
  expect(newOwnerId).not.toBe(owner.id);
  const newPublic = (await downloadBytes(await downloadFrom(newOwner, () => ownCard.getByRole('button', { name: 'Export public key (PEM)' }).click()))).toString('utf8');

  // Each of the two members compares the new identity ID and issues a partial recovery blob for it.
  const fromAlice = await memberIssuesPartial(aliceDesk, newPublic, newOwnerId!);
  const fromBob = await memberIssuesPartial(bobDesk, newPublic, newOwnerId!);
  expect(parsePartialRecovery(fromAlice.text).issuer).toMatchObject({ kind: 'member', id: alice.id, council: council.id, index: 1 });
  expect(parsePartialRecovery(fromBob.text).issuer).toMatchObject({ kind: 'member', id: bob.id, council: council.id, index: 2 });

  const openWith = async (partials: { name: string; text: string }[]) => {
    await newOwner.getByRole('tab', { name: 'Decrypt' }).click();
    await dropFiles(newOwner, 'Drop the encrypted file', [{ name: `${NAME}.keyward`, mimeType: 'application/octet-stream', buffer: encrypted }]);
    await dropFiles(newOwner, 'Drop the recovery blob', partials.map((p) => json(p.name, p.text)));
    await newOwner.getByRole('button', { name: partials.length > 1 ? `Decrypt with ${partials.length} recovery blobs` : 'Decrypt with recovery blob' }).click();
    return newOwner.getByRole('list', { name: 'Files being decrypted' }).getByRole('listitem', { name: `${NAME}.keyward` }).last();
  };

  // One member alone cannot open it: QUORUM_NOT_MET, nothing offered.
  const alone = await openWith([fromAlice]);
  await expect(alone.getByRole('alert')).toHaveAttribute('data-code', 'QUORUM_NOT_MET', { timeout: 30_000 });
  await expect(alone.getByRole('alert')).toContainText('Fewer council members than the council needs have contributed');
  await expect(alone.getByRole('button', { name: /^Download/ })).toHaveCount(0);
  await checkScreen(newOwner, 'owner refused one member’s partial');

  // Two members together: the file opens, byte for byte.
  const opened = await openWith([fromAlice, fromBob]);
  const plain = await downloadFrom(newOwner, () => opened.getByRole('button', { name: `Download ${NAME}` }).click({ timeout: 30_000 }));
  expect(sha256(await downloadBytes(plain))).toBe(sha256(plaintext));
  await checkScreen(newOwner, 'owner opened a file with two partials');

  // The drill, at Alice's desk with Bob beside her: it passes on the deposited blob...
  await aliceDesk.getByRole('button', { name: 'Close' }).click();
  const drill = aliceDesk.getByRole('region', { name: 'Council drill' });
  await drill.getByLabel('Choose blobs for the drill').setInputFiles([json(`${serial}.keyward-escrow.json`, escrowText)]);
  for (const member of [alice, bob]) {
    await aliceDesk.getByLabel('Member’s private identity (PEM or JWK)').fill(await exportPrivateIdentity(member, 'pem'));
    await aliceDesk.getByRole('button', { name: 'Load member identity' }).click();
  }
  await expect(drill.getByRole('listitem', { name: 'Member 1 “Alice”' })).toBeVisible();
  await expect(drill.getByRole('listitem', { name: 'Member 2 “Bob”' })).toBeVisible();
  await drill.getByRole('button', { name: 'Run the drill' }).click();
  const result = drill.getByRole('group', { name: 'Drill result' });
  await expect(result.getByRole('status').first()).toContainText('The drill passed');

  // ...and fails on an evading blob: the owner signed random shares, each wrapped properly, so each member's own check passes.
  const shares = await Promise.all(
    council.identities.map(async (member, i) => {
      const share = crypto.getRandomValues(new Uint8Array(33));
      share[32] = i + 1;
      return b64u(await wrapShare(share, i + 1, member.encryption.publicKey));
    }),
  );
  const evading = await resignedEscrow(escrowText, owner, (b) => ({ ...b, shares }));
  await bobDesk.getByRole('button', { name: 'Close' }).click();
  await memberChecks(bobDesk, evading, 2);
  await drill.getByLabel('Choose blobs for the drill').setInputFiles([json('evading.keyward-escrow.json', evading)]);
  await drill.getByRole('button', { name: 'Run the drill' }).click();
  await expect(result.getByRole('status').first()).toContainText('The drill failed');
  await expect(result.getByRole('listitem', { name: 'evading.keyward-escrow.json' }).locator('[data-code="ESCROW_INVALID"]')).toBeVisible();
});
