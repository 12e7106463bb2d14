/**
 * The council desk alone (spec keyward-v2.md §8), in authority mode: an
 * organisation sets up a 2-of-3 council from its members' public identities
 * and downloads it; a member checks a council escrow blob (and is told what
 * one member's check cannot prove) and issues a partial recovery blob for the
 * owner's new identity; two members sit together for a drill, which passes on
 * good blobs and fails on an evading one, and one member alone gets no
 * report. Identities and escrow blobs are made in Node with the core (the
 * owner's side is another journey); every download is a real one.
 */
import { type Page, expect, test } from '@playwright/test';
import {
  type PrivateIdentity,
  b64u,
  collectBytes,
  encryptFile,
  exportPrivateIdentity,
  exportPublicIdentity,
  identityFromKeyPair,
  importPrivateKey,
  parseCouncil,
  parseDrillReport,
  parsePartialRecovery,
  serializeSigned,
  streamFromBytes,
  verifyDrillReport,
} from '../src/core/index.ts';
import { resignedEscrow } from '../src/store/test-identities.ts';
import { checkScreen, downloadBytes, downloadFrom, keyIdShown, testKey } from './support.ts';

const json = (name: string, buffer: Buffer | string) => ({ name, mimeType: 'application/json', buffer: Buffer.from(buffer) });
const identity = async (pem: string): Promise<PrivateIdentity> => identityFromKeyPair(await importPrivateKey(testKey(pem), { extractable: true }), { extractable: true });

async function addMember(page: Page, publicPem: string, name: string) {
  await page.getByLabel('Member’s public identity (PEM or JWK)').fill(publicPem);
  await page.getByLabel('Member name').fill(name);
  await page.getByRole('button', { name: 'Add member' }).click();
  await expect(page.getByRole('list', { name: 'Council members' }).getByRole('listitem', { name })).toBeVisible();
}

async function loadDrillMember(page: Page, privatePem: string) {
  await page.getByLabel('Member’s private identity (PEM or JWK)').fill(privatePem);
  await page.getByRole('button', { name: 'Load member identity' }).click();
}

test('a council is set up, a member checks a blob and issues a partial, and the drill passes, fails on an evading blob, and needs k members', async ({ page }) => {
  test.setTimeout(180_000);
  const owner = await identity('owner.pem');
  const newOwner = await identity('new-owner.pem');
  const [alice, bob, carol] = await Promise.all([identity('authority.pem'), identity('stranger.pem'), identity('rsa4096.pem')]);

  // The organisation sets the council up.
  await page.goto('/');
  await page.getByRole('tab', { name: 'Backup authority' }).click();
  await expect(page.getByRole('heading', { name: 'Set up a council' })).toBeVisible();
  await addMember(page, await exportPublicIdentity(alice, 'pem'), 'Alice');
  await addMember(page, await exportPublicIdentity(bob, 'pem'), 'Bob');
  // A private identity pasted by mistake is refused, and not added.
  await page.getByLabel('Member’s public identity (PEM or JWK)').fill(await exportPrivateIdentity(carol, 'pem'));
  await page.getByLabel('Member name').fill('Carol');
  await page.getByRole('button', { name: 'Add member' }).click();
  await expect(page.locator('[data-code="KEY_NOT_PUBLIC"]')).toBeVisible();
  await addMember(page, await exportPublicIdentity(carol, 'pem'), 'Carol');
  await page.getByLabel('Council name').fill('Recovery council');
  await page.getByLabel('Threshold (members needed to recover)').selectOption('2');
  const councilDownload = await downloadFrom(page, () => page.getByRole('button', { name: 'Create council' }).click());
  expect(councilDownload.suggestedFilename()).toBe('Recovery-council.keyward-council.json');
  const council = await parseCouncil((await downloadBytes(councilDownload)).toString('utf8'));
  expect(council.members.map((m) => m.id)).toEqual([alice.id, bob.id, carol.id]);
  const created = page.getByRole('group', { name: 'The council ID to read out' });
  await expect(keyIdShown(created, council.id)).toBeVisible();
  await checkScreen(page, 'council set up');

  // An owner escrows two files to the council (in Node); one blob is evading: random shares, each wrapped properly.
  const escrowOf = async (name: string) => {
    const plaintext = new Uint8Array(30_000).map((_, i) => (i * 7 + name.length) & 0xff);
    const encrypted = await encryptFile(streamFromBytes(plaintext), {
      meta: { name, type: 'application/octet-stream', size: plaintext.length, lastModified: Date.UTC(2026, 10, 1) },
      owner: owner.encryption,
      signer: owner,
      authority: council,
      ownerName: 'Ada Lovelace',
      authorityName: council.name,
      description: name,
    });
    await collectBytes(encrypted.stream);
    const { escrowBlob } = await encrypted.done;
    return { json: serializeSigned(escrowBlob as Parameters<typeof serializeSigned>[0]), serial: encrypted.serial };
  };
  const [first, second] = await Promise.all([escrowOf('a.odt'), escrowOf('b.odt')]);
  const { wrapShare } = await import('../src/core/index.ts');
  const shares = await Promise.all(council.identities.map(async (member, i) => {
    const share = crypto.getRandomValues(new Uint8Array(33));
    share[32] = i + 1;
    return b64u(await wrapShare(share, i + 1, member.encryption.publicKey));
  }));
  const evading = await resignedEscrow(second.json, owner, (b) => ({ ...b, shares }));

  // Bob's desk: his identity imported as today's authority identity; he checks the blob and issues a partial.
  await page.getByLabel('Authority private key (PEM or JWK)').fill(await exportPrivateIdentity(bob, 'pem'));
  await page.getByLabel('Name for the imported key').fill('Bob');
  await page.getByRole('button', { name: 'Import authority key' }).click();
  await page.getByLabel('Choose escrow blobs').setInputFiles(json('a.odt.keyward-escrow.json', first.json));
  const details = page.getByRole('group', { name: 'Escrow blob details' });
  await expect(details).toContainText('Your share checked');
  await expect(details).toContainText('You are member 2 of the council “Recovery council” (2 of 3).');
  await expect(details).toContainText('One member’s check cannot prove that the shares combine to the file key. A drill with 2 members of the council does.');
  await page.getByLabel("Owner's new public identity (PEM or JWK)").fill(await exportPublicIdentity(newOwner, 'pem'));
  const compare = page.getByRole('group', { name: 'The new identity to compare' });
  await expect(keyIdShown(compare, newOwner.id)).toBeVisible();
  await compare.getByLabel('I compared this identity ID with the owner, by phone or in person').check();
  const partialDownload = await downloadFrom(page, () => page.getByRole('button', { name: 'Download partial recovery blob' }).click());
  expect(partialDownload.suggestedFilename()).toBe(`${first.serial}-member-2.keyward-partial.json`);
  const partial = parsePartialRecovery((await downloadBytes(partialDownload)).toString('utf8'));
  expect(partial.issuer).toMatchObject({ kind: 'member', id: bob.id, council: council.id, index: 2 });
  expect(partial.owner.id).toBe(newOwner.id);
  await checkScreen(page, 'a member’s check of a council blob');
  await page.getByRole('button', { name: 'Close' }).click();

  // The drill: one member alone gets no report.
  const drill = page.getByRole('region', { name: 'Council drill' });
  await drill.getByLabel('Choose blobs for the drill').setInputFiles([json('a.json', first.json), json('b.json', second.json)]);
  await loadDrillMember(page, await exportPrivateIdentity(bob, 'pem'));
  await expect(drill.getByRole('listitem', { name: 'Member 2 “Bob”' })).toBeVisible();
  await drill.getByRole('button', { name: 'Run the drill' }).click();
  await expect(drill.locator('[data-code="QUORUM_NOT_MET"]')).toBeVisible();
  await expect(drill.getByRole('group', { name: 'Drill result' })).toHaveCount(0);

  // Alice joins, her identity encrypted: the drill passes on the deposited blobs and its report is signed by both.
  await loadDrillMember(page, await exportPrivateIdentity(alice, 'encrypted-pem', { passphrase: 'correct horse battery' }));
  await drill.getByLabel('Passphrase').fill('correct horse battery');
  await drill.getByRole('button', { name: 'Load member identity' }).click();
  await expect(drill.getByRole('listitem', { name: 'Member 1 “Alice”' })).toBeVisible();
  await drill.getByRole('button', { name: 'Run the drill' }).click();
  const result = drill.getByRole('group', { name: 'Drill result' });
  await expect(result.getByRole('status').first()).toContainText('The drill passed');
  const reportDownload = await downloadFrom(page, () => result.getByRole('button', { name: 'Download drill report' }).click());
  expect(reportDownload.suggestedFilename()).toBe('keyward-drill.json');
  const report = parseDrillReport((await downloadBytes(reportDownload)).toString('utf8'));
  await verifyDrillReport(report, council);
  expect(report.results.map((r) => r.result)).toEqual(['GOOD', 'GOOD']);
  await checkScreen(page, 'a drill that passed');

  // An evading blob: each member's own check passes, the drill fails it.
  await drill.getByLabel('Choose blobs for the drill').setInputFiles([json('evading.json', evading)]);
  await drill.getByRole('button', { name: 'Run the drill' }).click();
  await expect(result.getByRole('status').first()).toContainText('The drill failed: 1 of the 3 blobs did not pass.');
  await expect(result.getByRole('listitem', { name: 'evading.json' }).locator('[data-code="ESCROW_INVALID"]')).toBeVisible();
  // A phone-sized window: the council ID, the results and their sentences still fit.
  await page.setViewportSize({ width: 390, height: 844 });
  await checkScreen(page, 'a drill that failed, 390px wide');
});
