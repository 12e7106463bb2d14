/**
 * The owner's side of v2 (spec keyward-v2.md): a new key pair is an identity
 * whose identity ID the page shows; the backup authority's identity is pinned
 * by confirming its identity ID. The authority's side is played in Node with
 * the core, never by trusting the page.
 */
import { type Page, expect, test } from '@playwright/test';
import {
  type PrivateIdentity,
  type RecoveryBlobV2,
  b64u,
  checkEscrowBlob,
  collectBytes,
  exportPrivateIdentity,
  exportPublicIdentity,
  generateIdentity,
  issueReceipt,
  issueRecoveryV2,
  openFile,
  parseSignedObject,
  serializeSigned,
  signAs,
  streamFromBytes,
} from '../src/core/index.ts';
import { signedBody } from '../src/core/format/signing.ts';
import { completeFirstRun, downloadBytes, downloadFrom, dropFiles, keyIdShown, sha256 } from './support.ts';

test('an owner creates an identity, sees its identity ID, and pins the authority’s identity by its identity ID', async ({ page }) => {
  const desk = await generateIdentity({ bits: 3072, extractable: true });
  await page.goto('/');
  await page.getByRole('button', { name: 'Create a key pair' }).click();
  await page.getByLabel('Name for this key').fill('Ada Lovelace');
  await page.getByRole('button', { name: 'Create key pair' }).click();
  await expect(page.getByRole('heading', { name: 'Back up your new key pair' })).toBeFocused({ timeout: 30_000 });
  const shownId = page.getByText(/^Identity ID /);
  await expect(shownId).toBeVisible();
  const ownId = await shownId.locator('[data-key-id]').getAttribute('data-key-id');
  expect(ownId).toMatch(/^SHA256:[0-9a-f]{64}$/);
  await page.getByRole('checkbox', { name: /^Continue without a backup/ }).check();
  await page.getByRole('button', { name: 'Save the key without a backup' }).click();

  await page.getByLabel('Authority public key (PEM or JWK)').fill(await exportPublicIdentity(desk, 'pem'));
  await page.getByLabel('Authority name').fill('IT backup desk');
  await page.getByRole('button', { name: 'Add authority' }).click();
  // The identity ID (not the RSA key ID) is what the person compares with the authority.
  await expect(page.getByRole('heading', { name: 'Compare the identity ID' })).toBeVisible();
  await expect(keyIdShown(page, desk.id)).toBeVisible();
  await expect(keyIdShown(page, desk.encryption.keyId)).toHaveCount(0);
  await expect(page.getByText('Compare this identity ID with your backup authority (for example over the phone) before you trust it.')).toBeVisible();
  await page.getByRole('button', { name: 'Confirm authority' }).click();
  await expect(page.getByRole('tab', { name: 'Encrypt', selected: true })).toBeVisible();

  await page.getByRole('tab', { name: 'Keys' }).click();
  const list = page.getByRole('list', { name: 'Stored keys' });
  const own = list.getByRole('listitem', { name: 'Ada Lovelace' });
  await expect(own.getByText(/^Identity ID /)).toBeVisible();
  await expect(keyIdShown(own, ownId!)).toBeVisible();
  const authority = list.getByRole('listitem', { name: 'IT backup desk' });
  await expect(keyIdShown(authority, desk.id)).toBeVisible();
  await expect(authority.getByText(/^Identity ID confirmed /)).toBeVisible();
});

/** The recovery blob re-signed by `stranger` in its own name: validly signed, by an identity nobody pinned. */
async function issuedBy(stranger: PrivateIdentity, recovery: RecoveryBlobV2): Promise<RecoveryBlobV2> {
  const changed = { ...recovery, issuer: { ...recovery.issuer, id: stranger.id, publicKey: b64u(stranger.rsaSpki), signingKey: b64u(stranger.ed25519Spki) } };
  return { ...changed, signature: b64u(await signAs(stranger, 'keyward/v2 recovery', signedBody(changed))) };
}

/** Opens `file` with a recovery blob in the Decrypt tab; returns the file's row. */
async function recover(page: Page, file: { name: string; buffer: Buffer }, blob: string) {
  await page.getByRole('tab', { name: 'Decrypt' }).click();
  await dropFiles(page, 'Drop the encrypted file', [{ ...file, mimeType: 'application/octet-stream' }]);
  await dropFiles(page, 'Drop the recovery blob', [{ name: 'report.keyward-recovery.json', mimeType: 'application/json', buffer: Buffer.from(blob) }]);
  await page.getByRole('button', { name: 'Decrypt with recovery blob' }).click();
  return page.getByRole('list', { name: 'Files being decrypted' }).getByRole('listitem', { name: file.name });
}

test('an identity owner encrypts a signed file with a v2 escrow blob, imports the authority’s receipt, and opens files only with its pinned authority’s recovery blobs', async ({ page }) => {
  const [owner, desk, stranger] = await Promise.all([generateIdentity({ bits: 3072, extractable: true }), generateIdentity({ bits: 3072, extractable: true }), generateIdentity({ bits: 3072, extractable: true })]);
  await completeFirstRun(page, { ownerPem: await exportPrivateIdentity(owner, 'pem'), authorityPem: await exportPublicIdentity(desk, 'pem') });

  const plain = Buffer.from('Quarterly numbers\n'.repeat(2000));
  await dropFiles(page, 'Drop files to encrypt', [{ name: 'report.txt', mimeType: 'text/plain', buffer: plain }]);
  const row = page.getByRole('list', { name: 'Files being encrypted' }).getByRole('listitem', { name: 'report.txt' });
  const encrypted = await downloadBytes(await downloadFrom(page, () => row.getByRole('button', { name: 'Download report.txt.keyward', exact: true }).click()));
  const escrowText = (await downloadBytes(await downloadFrom(page, () => row.getByRole('button', { name: 'Download report.txt.keyward-escrow.json' }).click()))).toString('utf8');

  // Outside the page: a signed v2 file that a reader expecting the owner's identity opens...
  expect(encrypted.subarray(0, 10).toString('latin1')).toBe('KEYWARD/2\n');
  const opened = await openFile(streamFromBytes(encrypted), { keys: [owner.encryption] }, {}, { expectSigner: owner.id });
  expect(sha256(await collectBytes(opened.plaintext))).toBe(sha256(plain));
  // ...and a v2 escrow blob signed by the owner for the pinned identity, which passes the authority's intake checks.
  const parsed = parseSignedObject(escrowText);
  if (parsed.kind !== 'escrow-v2') throw new Error(`escrow blob is ${parsed.kind}`);
  expect(parsed.blob.authority.id).toBe(desk.id);
  expect((await checkEscrowBlob(parsed.blob, desk, { expectOwner: owner.id })).owner.id).toBe(owner.id);

  // The register: escrowed, not yet confirmed; a receipt from someone else is refused; the authority's confirms it.
  await page.getByRole('tab', { name: 'Register' }).click();
  const entry = page.getByRole('row', { name: /report\.txt/ });
  await expect(entry.getByText('Escrowed, not yet confirmed')).toBeVisible();
  const receipt = await issueReceipt(parsed.blob, desk);
  const tampered = serializeSigned({ ...receipt, receivedAt: '2020-01-01T00:00:00.000Z' });
  await page.getByLabel('Choose receipt file').setInputFiles({ name: 'report.keyward-receipt.json', mimeType: 'application/json', buffer: Buffer.from(tampered) });
  await expect(page.getByRole('alert')).toHaveAttribute('data-code', 'SIGNATURE_INVALID');
  await expect(entry.getByText('Escrowed, not yet confirmed')).toBeVisible();
  await dropFiles(page, 'Drop a receipt from your backup authority', [{ name: 'report.keyward-receipt.json', mimeType: 'application/json', buffer: Buffer.from(serializeSigned(receipt)) }]);
  await expect(entry.getByText(/^Confirmed by IT backup desk on /)).toBeVisible();
  await expect(page.getByRole('alert')).toHaveCount(0);

  // A recovery blob validly signed by an identity the owner never pinned: refused, nothing offered.
  const recovery = await issueRecoveryV2(parsed.blob, desk, { newOwner: owner });
  const file = { name: 'report.txt.keyward', buffer: encrypted };
  const refused = await recover(page, file, serializeSigned(await issuedBy(stranger, recovery)));
  await expect(refused.getByRole('alert')).toHaveAttribute('data-code', 'SIGNER_UNTRUSTED');
  await expect(refused.getByRole('button', { name: /^Download/ })).toHaveCount(0);
  // The pinned authority's own recovery blob opens it, and the row says who signed the file.
  await page.getByRole('button', { name: 'Clear finished' }).click();
  const recovered = await recover(page, file, serializeSigned(recovery));
  const download = await downloadFrom(page, () => recovered.getByRole('button', { name: 'Download report.txt' }).click());
  expect(sha256(await downloadBytes(download))).toBe(sha256(plain));
  await expect(recovered.getByText('Signed by you')).toBeVisible();
});
