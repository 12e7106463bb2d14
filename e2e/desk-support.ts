/**
 * The desk's journeys (officer-works-the-service-desk, every-screen-is-accessible):
 * an owner, the authority and an officer as identities made from the test keys; an
 * organisation on a real service (the owner enrolled with two deposits, the officer
 * registered); authority mode with the authority's identity and the desk shown.
 */
import { type Page, expect } from '@playwright/test';
import * as core from '../src/core/index.ts';
import type { TestService } from './service-support.ts';
import { testIdentity } from './support.ts';

export const [owner, authority, officer] = await Promise.all([testIdentity('owner.pem'), testIdentity('authority.pem'), testIdentity('stranger.pem')]);

/** A signed file's v2 escrow blob for the authority's identity, made in Node with the core. */
async function escrowBlob(description: string): Promise<core.EscrowBlobV2> {
  const plaintext = Buffer.from(`${description}\n`.repeat(200));
  const encrypted = await core.encryptFile(core.streamFromBytes(plaintext), {
    meta: { name: `${description}.txt`, type: 'text/plain', size: plaintext.length, lastModified: 0 },
    owner: owner.encryption,
    signer: owner,
    authority,
    ownerName: 'Ada Lovelace',
    authorityName: 'IT backup desk',
    description,
  });
  await core.collectBytes(encrypted.stream);
  const { escrowBlob: blob } = await encrypted.done;
  if (blob.format !== 'keyward-escrow/2') throw new Error('a signed file has a v2 escrow blob');
  return blob;
}

const post = async (service: TestService, path: string, body: unknown) => {
  const response = await fetch(`${service.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`${path}: ${String(response.status)} ${await response.text()}`);
  return response.json() as Promise<unknown>;
};

/** The owner enrols with a one-time code and deposits two blobs for the registered authority; the officer is registered. */
export async function organisation(service: TestService) {
  await service.addAuthority(await core.exportPublicIdentity(authority, 'pem'), 'IT backup desk');
  const code = await service.enrol('Ada Lovelace');
  await post(service, '/v1/enrol', { code, identity: await core.exportPublicIdentity(owner, 'pem') });
  const minutes = await escrowBlob('Board minutes November');
  const budget = await escrowBlob('Budget draft 2027');
  for (const blob of [minutes, budget]) await post(service, '/v1/deposits', JSON.parse(core.serializeSigned(blob)));
  await service.addOfficer(await core.exportPublicIdentity(officer, 'pem'), 'Olive Officer');
  return { minutes, budget };
}

/** Authority mode with the authority's identity imported (the escrow check's key), and the desk's sign-in. */
export async function openDesk(page: Page, service: TestService) {
  await service.routeConfig(page.context());
  await page.goto('/');
  await page.getByRole('tab', { name: 'Backup authority' }).click();
  await page.getByLabel('Authority private key (PEM or JWK)').fill(await core.exportPrivateIdentity(authority, 'pem'));
  await page.getByLabel('Name for the imported key').fill('IT backup desk');
  await page.getByRole('button', { name: 'Import authority key' }).click();
  await expect(page.getByRole('list', { name: 'Authority key pairs' }).getByText(/^Identity ID /)).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Escrow service desk' })).toBeVisible();
}

