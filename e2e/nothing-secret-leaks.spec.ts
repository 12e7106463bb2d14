/**
 * Nothing secret leaves where it belongs: through a whole journey (a key pair
 * created and backed up with a passphrase, a file encrypted, decrypted, a
 * tampered file refused, the authority recovering it), no private key
 * material, passphrase, file key or plaintext appears in the console, page
 * errors, requested URLs, the address bar, localStorage, sessionStorage,
 * cookies or the service worker's cache; and the stored private key cannot be
 * read out of IndexedDB.
 */
import { createPrivateKey } from 'node:crypto';
import { type Page, expect, test } from '@playwright/test';
import { b64u, b64uDecode, refUnwrap } from '../test/reference/keyward-node.ts';
import { downloadBytes, downloadFrom, dropFiles, pemBlocks, testKey } from './support.ts';

const PASSPHRASE = 'violet staple orbit 4417';
const SECRET_TEXT = 'The vault combination is 31-7-22';

/** Everything that must not contain a secret, gathered after the journey. */
async function collectOutside(page: Page) {
  return page.evaluate(async () => {
    const caches: string[] = [];
    for (const name of await self.caches.keys()) {
      caches.push(name);
      for (const request of await (await self.caches.open(name)).keys()) caches.push(request.url);
    }
    return {
      url: location.href,
      localStorage: JSON.stringify(Object.fromEntries(Object.entries(localStorage))),
      sessionStorage: JSON.stringify(Object.fromEntries(Object.entries(sessionStorage))),
      cookie: document.cookie,
      caches,
    };
  });
}

test('no key, passphrase, file key or plaintext appears in logs, URLs or web storage, and the stored private key cannot be read out', async ({ page, browser }) => {
  const seen: string[] = [];
  const record = (tab: Page) => {
    tab.on('console', (message) => seen.push(`console ${message.type()}: ${message.text()}`));
    tab.on('pageerror', (error) => seen.push(`pageerror: ${error.message}\n${error.stack ?? ''}`));
    tab.on('request', (request) => seen.push(`request: ${request.url()}`));
    tab.on('framenavigated', (frame) => seen.push(`navigated: ${frame.url()}`));
  };
  record(page);

  // A key pair created in the page, backed up with a passphrase.
  await page.goto('/');
  await page.getByRole('button', { name: 'Create a key pair' }).click();
  await page.getByLabel('Name for this key').fill('Ada Lovelace');
  await page.getByRole('button', { name: 'Create key pair' }).click();
  await page.getByLabel('Backup passphrase').fill(PASSPHRASE);
  await page.getByLabel('Repeat passphrase').fill(PASSPHRASE);
  const backup = (await downloadBytes(await downloadFrom(page, () => page.getByRole('button', { name: 'Download backup' }).click()))).toString('utf8');
  await page.getByLabel('Authority public key (PEM or JWK)').fill(testKey('authority.pub.pem'));
  await page.getByLabel('Authority name').fill('IT backup desk');
  await page.getByRole('button', { name: 'Add authority' }).click();
  await page.getByRole('button', { name: 'Confirm authority' }).click();

  // A file encrypted, then decrypted; a tampered copy refused.
  await dropFiles(page, 'Drop files to encrypt', [{ name: 'vault.txt', mimeType: 'text/plain', buffer: Buffer.from(`${SECRET_TEXT}\n`.repeat(50)) }]);
  const row = page.getByRole('list', { name: 'Files being encrypted' }).getByRole('listitem', { name: 'vault.txt' });
  const encrypted = await downloadBytes(await downloadFrom(page, () => row.getByRole('button', { name: 'Download vault.txt.keyward', exact: true }).click()));
  const escrow = await downloadBytes(await downloadFrom(page, () => row.getByRole('button', { name: 'Download vault.txt.keyward-escrow.json' }).click()));
  await page.getByRole('tab', { name: 'Decrypt' }).click();
  // A signed (v2) file ends with its 64-byte signature: the byte flipped is in the last chunk before it.
  const tampered = Buffer.from(encrypted);
  tampered[tampered.length - 64 - 2]! ^= 1;
  await dropFiles(page, 'Drop .keyward files to decrypt', [
    { name: 'vault.txt.keyward', mimeType: 'application/octet-stream', buffer: encrypted },
    { name: 'tampered.keyward', mimeType: 'application/octet-stream', buffer: tampered },
  ]);
  const decrypted = page.getByRole('list', { name: 'Files being decrypted' });
  await expect(decrypted.getByRole('listitem', { name: 'vault.txt.keyward' }).getByRole('button', { name: 'Download vault.txt', exact: true })).toBeVisible();
  await expect(decrypted.getByRole('listitem', { name: 'tampered.keyward' }).getByRole('alert')).toHaveAttribute('data-code', 'CHUNK_TAMPERED');

  // The authority recovers the file in its own browser.
  const authority = await (await browser.newContext()).newPage();
  record(authority);
  await authority.goto('/');
  await authority.getByRole('tab', { name: 'Backup authority' }).click();
  await authority.getByLabel('Authority private key (PEM or JWK)').fill(testKey('authority.pem'));
  await authority.getByLabel('Name for the imported key').fill('Desk');
  await authority.getByRole('button', { name: 'Import authority key' }).click();
  await dropFiles(authority, 'Drop escrow blobs', [{ name: 'vault.txt.keyward-escrow.json', mimeType: 'application/json', buffer: escrow }]);
  await dropFiles(authority, 'Drop the encrypted file', [{ name: 'vault.txt.keyward', mimeType: 'application/octet-stream', buffer: encrypted }]);
  await expect(authority.getByRole('button', { name: 'Download vault.txt', exact: true })).toBeVisible();

  // What must never show: the private key (from the backup, opened here), the passphrase, the file key, the plaintext.
  const der = createPrivateKey({ key: backup, passphrase: PASSPHRASE }).export({ type: 'pkcs8', format: 'der' });
  const jwk = createPrivateKey({ key: backup, passphrase: PASSPHRASE }).export({ format: 'jwk' });
  // The backup of an identity: its second block is the Ed25519 signing key.
  const signingJwk = createPrivateKey({ key: pemBlocks(backup)[1]!, passphrase: PASSPHRASE }).export({ format: 'jwk' });
  const authorityJwk = createPrivateKey(testKey('authority.pem')).export({ format: 'jwk' });
  const fileKey = refUnwrap(b64uDecode((JSON.parse(escrow.toString('utf8')) as { wrappedKey: string }).wrappedKey, 'wrappedKey'), testKey('authority.pem'));
  const secrets: [string, string][] = [
    ['PEM private key marker', 'PRIVATE KEY'],
    ['passphrase', PASSPHRASE],
    ['private key (base64)', der.subarray(200, 248).toString('base64')],
    ['private exponent (JWK)', String(jwk.d).slice(0, 40)],
    ['signing private key (JWK)', String(signingJwk.d)],
    ['authority private exponent', String(authorityJwk.d).slice(0, 40)],
    ['file key (hex)', fileKey.toString('hex')],
    ['file key (base64)', fileKey.toString('base64').slice(0, 40)],
    ['file key (base64url)', b64u(fileKey).slice(0, 40)],
    ['plaintext', SECRET_TEXT],
  ];
  for (const tab of [page, authority]) {
    const outside = await collectOutside(tab);
    const haystack = [...seen, outside.url, outside.localStorage, outside.sessionStorage, outside.cookie, ...outside.caches].join('\n');
    for (const [what, secret] of secrets) expect(haystack.includes(secret), `${what} leaked`).toBe(false);
    expect(outside.localStorage).toBe('{}');
    expect(outside.sessionStorage).toBe('{}');
    expect(outside.cookie).toBe('');
    expect(new URL(outside.url).search + new URL(outside.url).hash).toBe('');
  }

  // Private keys in IndexedDB are CryptoKeys that refuse to be exported.
  const readOut = (tab: Page) => tab.evaluate(
    () =>
      new Promise<string[]>((resolve, reject) => {
        const request = indexedDB.open('keyward');
        request.onerror = () => {
          reject(new Error('cannot open'));
        };
        request.onsuccess = () => {
          const all = request.result.transaction('keys').objectStore('keys').getAll();
          all.onsuccess = async () => {
            const records = all.result as { name: string; privateKey?: CryptoKey; identity?: { signingPrivateKey?: CryptoKey } }[];
            const outcomes: string[] = [];
            // The RSA key and, for an identity, its Ed25519 signing key.
            const keys = records.flatMap((r) => [
              ...(r.privateKey ? [[r.name, r.privateKey] as const] : []),
              ...(r.identity?.signingPrivateKey ? [[`${r.name} (signing)`, r.identity.signingPrivateKey] as const] : []),
            ]);
            for (const [name, key] of keys) {
              try {
                await crypto.subtle.exportKey('pkcs8', key);
                outcomes.push(`${name}: exported`);
              } catch (error) {
                outcomes.push(`${name}: ${(error as DOMException).name}`);
              }
            }
            resolve(outcomes);
          };
        };
      }),
  );
  expect(await readOut(page)).toEqual(['Ada Lovelace: InvalidAccessError', 'Ada Lovelace (signing): InvalidAccessError']);
  expect(await readOut(authority)).toEqual(['Desk: InvalidAccessError']);
});
