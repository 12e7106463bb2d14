/**
 * The v2 escrow journey end to end, in two browsers (spec keyward-v2.md §4–§6):
 * the owner creates an identity, pins the backup authority by its identity
 * ID and encrypts a file; the authority checks the escrow blob (and refuses a
 * forged one, alone and beside the good one in a list), answers with a signed
 * receipt (one, and a zip of receipts for the list), which the owner imports
 * ("Confirmed by"), and can open the file itself with the checked blob. The
 * owner then loses the key (a new browser), creates a new identity, and the
 * authority, after comparing its identity ID, issues a signed recovery blob
 * with which the owner opens the file. A recovery blob
 * signed by another identity is refused. Forgeries are made in Node with the
 * core, outside both pages; every download is a real one.
 */
import { type Browser, type Page, expect, test } from '@playwright/test';
import {
  type PrivateIdentity,
  b64u,
  canonicalJson,
  identityFromKeyPair,
  importPrivateKey,
  importPublicIdentity,
  parseSignedObject,
  serializeSigned,
  signAs,
  utf8,
  wrapFileKey,
} from '../src/core/index.ts';
import { readZip } from './read-zip.ts';
import { checkScreen, downloadBytes, downloadFrom, dropFiles, keyIdShown, sha256, testKey } from './support.ts';

const NAME = 'board minutes 2026-11.odt';
const plaintext = Buffer.from(Array.from({ length: 150_000 }, (_, i) => (i * 31 + 7) & 0xff));
const json = (name: string, buffer: Buffer | string) => ({ name, mimeType: 'application/json', buffer: Buffer.from(buffer) });

/** A signed object's body: what its signature covers (spec v2 §1). */
function unsigned<T extends { signature: string }>(object: T): Omit<T, 'signature'> {
  const copy: Partial<T> = { ...object };
  delete copy.signature;
  return copy as Omit<T, 'signature'>;
}

/** A stranger's identity, made in Node: it can sign anything, but nobody pinned it. */
async function strangerIdentity(): Promise<PrivateIdentity> {
  return identityFromKeyPair(await importPrivateKey(testKey('stranger.pem'), { extractable: true }), { extractable: true });
}

/** The identity ID shown on an element holding one `KeyId`. */
async function shownId(scope: ReturnType<Page['getByText']>): Promise<string> {
  const id = await scope.locator('[data-key-id]').getAttribute('data-key-id');
  expect(id).toMatch(/^SHA256:[0-9a-f]{64}$/);
  return id!;
}

/** A person's first run in a fresh browser: a new identity (kept without a backup) and the authority pinned by its identity ID. */
async function ownerStarts(browser: Browser, deskPem: string, deskId: string): Promise<{ page: Page; ownerId: string }> {
  const page = await (await browser.newContext()).newPage();
  await page.goto('/');
  await page.getByRole('button', { name: 'Create a key pair' }).click();
  await page.getByLabel('Name for this key').fill('Ada Lovelace');
  await page.getByRole('button', { name: 'Create key pair' }).click();
  await expect(page.getByRole('heading', { name: 'Back up your new key pair' })).toBeFocused({ timeout: 30_000 });
  const ownerId = await shownId(page.getByText(/^Identity ID /));
  await page.getByRole('checkbox', { name: /^Continue without a backup/ }).check();
  await page.getByRole('button', { name: 'Save the key without a backup' }).click();

  await page.getByLabel('Authority public key (PEM or JWK)').fill(deskPem);
  await page.getByLabel('Authority name').fill('IT backup desk');
  await page.getByRole('button', { name: 'Add authority' }).click();
  await expect(page.getByRole('heading', { name: 'Compare the identity ID' })).toBeVisible();
  // Read aloud and compared with what the authority's desk shows.
  await expect(keyIdShown(page, deskId)).toBeVisible();
  await page.getByRole('button', { name: 'Confirm authority' }).click();
  await expect(page.getByRole('tab', { name: 'Encrypt', selected: true })).toBeVisible();
  return { page, ownerId };
}

test('the authority checks an escrow blob, refuses a forged one, sends a receipt, and recovers the file for the owner’s new identity', async ({ browser }) => {
  test.setTimeout(180_000);

  // The authority's desk creates its identity and hands out its public identity.
  const desk = await (await browser.newContext()).newPage();
  await desk.goto('/');
  await desk.getByRole('tab', { name: 'Backup authority' }).click();
  await desk.getByLabel('Authority key name').fill('IT backup desk');
  await desk.getByRole('button', { name: 'Create authority key pair' }).click();
  await desk.getByRole('checkbox', { name: /^Continue without a backup/ }).check({ timeout: 30_000 });
  await desk.getByRole('button', { name: 'Save the key without a backup' }).click();
  const card = desk.getByRole('list', { name: 'Authority key pairs' }).getByRole('listitem', { name: 'IT backup desk' });
  const deskId = await shownId(card.getByText(/^Identity ID /));
  const deskPem = (await downloadBytes(await downloadFrom(desk, () => card.getByRole('button', { name: 'Export public identity (PEM)' }).click()))).toString('utf8');
  expect((await importPublicIdentity(deskPem)).id).toBe(deskId);
  await checkScreen(desk, 'authority with an identity');

  // The owner pins the desk by that ID and encrypts a file: a signed file and a signed escrow blob.
  const { page: owner, ownerId } = await ownerStarts(browser, deskPem, deskId);
  await dropFiles(owner, 'Drop files to encrypt', [{ name: NAME, mimeType: 'application/vnd.oasis.opendocument.text', buffer: plaintext }]);
  const row = owner.getByRole('list', { name: 'Files being encrypted' }).getByRole('listitem', { name: NAME, exact: true });
  const encrypted = await downloadBytes(await downloadFrom(owner, () => row.getByRole('button', { name: `Download ${NAME}.keyward`, exact: true }).click({ timeout: 30_000 })));
  const escrowText = (await downloadBytes(await downloadFrom(owner, () => row.getByRole('button', { name: `Download ${NAME}.keyward-escrow.json` }).click()))).toString('utf8');
  const escrow = parseSignedObject(escrowText);
  if (escrow.kind !== 'escrow-v2') throw new Error(`the owner's identity made a ${escrow.kind} blob`);
  const { serial } = escrow.blob;

  // The desk checks the blob: signed by the owner's identity, it opens that file.
  await dropFiles(desk, 'Drop escrow blobs', [json(`${NAME}.keyward-escrow.json`, escrowText)]);
  const details = desk.getByRole('group', { name: 'Escrow blob details' });
  const checked = details.getByRole('status');
  await expect(checked).toContainText(`Checked: signed by identity`);
  await expect(keyIdShown(checked, ownerId)).toBeVisible();
  await expect(checked).toContainText(`opens file ${serial}`);
  await checkScreen(desk, 'authority checked a v2 escrow blob');

  // A forged blob: a stranger copies the public fields, wraps a random key for the desk and signs it. Refused, never "Checked".
  const stranger = await strangerIdentity();
  const forgedBody = {
    ...unsigned(escrow.blob),
    owner: { name: 'Ada Lovelace', id: stranger.id, publicKey: b64u(stranger.rsaSpki), signingKey: b64u(stranger.ed25519Spki) },
    wrappedKey: b64u(await wrapFileKey(crypto.getRandomValues(new Uint8Array(32)), (await importPublicIdentity(deskPem)).encryption.publicKey)),
  };
  const forged = serializeSigned({ ...forgedBody, signature: b64u(await signAs(stranger, 'keyward/v2 escrow', utf8(canonicalJson(forgedBody)))) });
  await desk.getByRole('button', { name: 'Close' }).click();
  await dropFiles(desk, 'Drop escrow blobs', [json('forged.keyward-escrow.json', forged)]);
  const refused = details.getByRole('alert');
  await expect(refused).toHaveAttribute('data-code', 'SIGNER_UNTRUSTED');
  await expect(refused).toContainText('not signed by the identity you expected');
  await expect(details).not.toContainText('Checked');
  await expect(desk.getByRole('button', { name: 'Download receipt' })).toHaveCount(0);
  await expect(desk.getByRole('button', { name: 'Download recovery blob' })).toHaveCount(0);
  await checkScreen(desk, 'authority refused a forged v2 escrow blob');
  await desk.getByRole('button', { name: 'Close' }).click();

  // Both dropped at once: each judged on its own; receipts, in one zip, only for the checked one.
  await dropFiles(desk, 'Drop escrow blobs', [json(`${NAME}.keyward-escrow.json`, escrowText), json('forged.keyward-escrow.json', forged)]);
  const list = desk.getByRole('list', { name: 'Escrow blobs' });
  await expect(list.getByRole('listitem', { name: 'forged.keyward-escrow.json' }).getByRole('alert')).toHaveAttribute('data-code', 'SIGNER_UNTRUSTED');
  await expect(list.getByRole('listitem', { name: `${NAME}.keyward-escrow.json` })).toContainText(`opens file ${serial}`);
  await checkScreen(desk, 'authority list of v2 escrow blobs');
  const zip = await downloadFrom(desk, () => desk.getByRole('button', { name: 'Download receipts for the 1 checked blob' }).click());
  const inZip = readZip(await downloadBytes(zip));
  expect(inZip.map((entry) => entry.name)).toEqual([`${serial}.keyward-receipt.json`]);
  expect(parseSignedObject(inZip[0]!.bytes.toString('utf8'))).toMatchObject({ kind: 'receipt', receipt: { serial, authority: { id: deskId } } });
  await desk.getByRole('button', { name: 'Clear the list' }).click();

  // The good blob again: the desk answers it with a signed receipt, which the owner imports.
  await dropFiles(desk, 'Drop escrow blobs', [json(`${NAME}.keyward-escrow.json`, escrowText)]);
  const receipt = await downloadFrom(desk, () => desk.getByRole('button', { name: 'Download receipt' }).click());
  expect(receipt.suggestedFilename()).toBe(`${serial}.keyward-receipt.json`);
  const receiptText = (await downloadBytes(receipt)).toString('utf8');
  await expect(desk.getByRole('status').filter({ hasText: `Saved ${serial}.keyward-receipt.json` })).toBeVisible();
  await checkScreen(desk, 'authority downloaded a receipt');
  // The desk can also open the file itself with the checked blob (the blob is checked again in the Worker first).
  await dropFiles(desk, 'Drop the encrypted file', [{ name: `${NAME}.keyward`, mimeType: 'application/octet-stream', buffer: encrypted }]);
  const deskRow = desk.getByRole('list', { name: 'Files being decrypted' }).getByRole('listitem', { name: `${NAME}.keyward` });
  const deskPlain = await downloadFrom(desk, () => deskRow.getByRole('button', { name: `Download ${NAME}` }).click({ timeout: 30_000 }));
  expect(sha256(await downloadBytes(deskPlain))).toBe(sha256(plaintext));
  await owner.getByRole('tab', { name: 'Escrow register' }).click();
  await dropFiles(owner, 'Drop a receipt from your backup authority', [json(`${serial}.keyward-receipt.json`, receiptText)]);
  await expect(owner.getByRole('row', { name: new RegExp(serial) })).toContainText('Confirmed by IT backup desk');

  // The owner loses the key: a new browser, a new identity, the desk pinned again. They send their new public identity.
  await owner.context().close();
  const { page: newOwner, ownerId: newOwnerId } = await ownerStarts(browser, deskPem, deskId);
  expect(newOwnerId).not.toBe(ownerId);
  await newOwner.getByRole('tab', { name: 'Keys' }).click();
  const ownCard = newOwner.getByRole('list', { name: 'Stored keys' }).getByRole('listitem', { name: 'Ada Lovelace' });
  const newPublic = (await downloadBytes(await downloadFrom(newOwner, () => ownCard.getByRole('button', { name: 'Export public key (PEM)' }).click()))).toString('utf8');

  // The desk compares the new identity ID with the owner and issues a signed recovery blob for it.
  await desk.getByLabel("Owner's new public identity (PEM or JWK)").fill(newPublic);
  const compare = desk.getByRole('group', { name: 'The new identity to compare' });
  await expect(keyIdShown(compare, newOwnerId)).toBeVisible();
  await checkScreen(desk, 'authority compares the new identity ID');
  await compare.getByLabel('I compared this identity ID with the owner, by phone or in person').check();
  const recovery = await downloadFrom(desk, () => desk.getByRole('button', { name: 'Download recovery blob' }).click());
  expect(recovery.suggestedFilename()).toBe(`${serial}.keyward-recovery.json`);
  const recoveryText = (await downloadBytes(recovery)).toString('utf8');
  const issued = desk.getByRole('status').filter({ hasText: `${serial}.keyward-recovery.json` });
  await expect(issued).toContainText("Signed with your identity and issued for the owner's new identity");
  await checkScreen(desk, 'authority issued a signed recovery blob');

  // The owner opens the file with it.
  const openWith = async (blobName: string, blobText: string) => {
    await newOwner.getByRole('tab', { name: 'Decrypt' }).click();
    await dropFiles(newOwner, 'Drop the encrypted file', [{ name: `${NAME}.keyward`, mimeType: 'application/octet-stream', buffer: encrypted }]);
    await dropFiles(newOwner, 'Drop the recovery blob', [json(blobName, blobText)]);
    await newOwner.getByRole('button', { name: 'Decrypt with recovery blob' }).click();
    return newOwner.getByRole('list', { name: 'Files being decrypted' }).getByRole('listitem', { name: `${NAME}.keyward` }).last();
  };
  const opened = await openWith(`${serial}.keyward-recovery.json`, recoveryText);
  const plain = await downloadFrom(newOwner, () => opened.getByRole('button', { name: `Download ${NAME}` }).click({ timeout: 30_000 }));
  expect(sha256(await downloadBytes(plain))).toBe(sha256(plaintext));

  // The same recovery blob, issued by another identity (re-signed by the stranger): refused, nothing offered.
  const rec = parseSignedObject(recoveryText);
  if (rec.kind !== 'recovery-v2') throw new Error('not a v2 recovery blob');
  const recBody = unsigned(rec.blob);
  const rogueBody = { ...recBody, issuer: { ...recBody.issuer, id: stranger.id, publicKey: b64u(stranger.rsaSpki), signingKey: b64u(stranger.ed25519Spki) } };
  const rogue = serializeSigned({ ...rogueBody, signature: b64u(await signAs(stranger, 'keyward/v2 recovery', utf8(canonicalJson(rogueBody)))) });
  const refusedRow = await openWith('rogue.keyward-recovery.json', rogue);
  await expect(refusedRow.getByRole('alert')).toHaveAttribute('data-code', 'SIGNER_UNTRUSTED');
  await expect(refusedRow.getByRole('button', { name: /^Download/ })).toHaveCount(0);
});
