/**
 * Shared steps and checks for the journeys: set up keys through the UI as a
 * person would, read real downloads, and verify their bytes with the core and
 * the CLI-side reference (never by trusting the page).
 */
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { closeSync, createReadStream, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { type Download, type Locator, type Page, expect } from '@playwright/test';

const KEYS = join(import.meta.dirname, '..', 'src', 'core', 'testdata', 'keys');

/** A test key's PEM text (see src/core/testdata/keys/README.md). */
export function testKey(name: string): string {
  return readFileSync(join(KEYS, name), 'utf8');
}

/** An identity made from one of the test keys (a fresh Ed25519 key beside its RSA key), exportable: the journeys paste it. */
export async function testIdentity(name: string) {
  const core = await import('../src/core/index.ts');
  return core.identityFromKeyPair(await core.importPrivateKey(testKey(name), { extractable: true }), { extractable: true });
}

export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Saves nothing anywhere: reads a download's bytes from Playwright's temp copy. */
export async function downloadBytes(download: Download): Promise<Buffer> {
  const path = await download.path();
  return readFileSync(path);
}

/** Clicks something that starts a download and returns it. */
export async function downloadFrom(page: Page, click: () => Promise<void>): Promise<Download> {
  const [download] = await Promise.all([page.waitForEvent('download'), click()]);
  return download;
}

/** Files for `setInputFiles` or a synthetic drop. */
export interface FilePayload {
  name: string;
  mimeType: string;
  buffer: Buffer;
}

/** Drops files on the drop zone named `zoneLabel`, as a person dragging them from the desktop. */
export async function dropFiles(page: Page, zoneLabel: string, files: FilePayload[], beforeDrop?: () => Promise<void>): Promise<void> {
  const dataTransfer = await page.evaluateHandle((payload) => {
    const transfer = new DataTransfer();
    for (const file of payload) {
      const bytes = Uint8Array.from(atob(file.base64), (c) => c.charCodeAt(0));
      transfer.items.add(new File([bytes], file.name, { type: file.mimeType }));
    }
    return transfer;
  }, files.map((f) => ({ name: f.name, mimeType: f.mimeType, base64: f.buffer.toString('base64') })));
  const zone = page.getByRole('group', { name: zoneLabel });
  await beforeDrop?.();
  await zone.dispatchEvent('dragenter', { dataTransfer });
  await zone.dispatchEvent('dragover', { dataTransfer });
  await zone.dispatchEvent('drop', { dataTransfer });
}

/**
 * First run as a person does it: import my key pair (PEM pasted), add my
 * backup authority's public key, compare and confirm its key ID.
 */
export async function completeFirstRun(
  page: Page,
  options: { ownerPem?: string; ownerName?: string; authorityPem?: string; authorityName?: string } = {},
): Promise<void> {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Welcome to Keyward' })).toBeVisible();
  await page.getByRole('button', { name: 'Import a key pair' }).click();
  await page.getByLabel('Your key (PEM or JWK)').fill(options.ownerPem ?? testKey('owner.pem'));
  await page.getByLabel('Name for this key').fill(options.ownerName ?? 'Ada Lovelace');
  await page.getByRole('button', { name: 'Import key', exact: true }).click();
  await page.getByLabel('Authority public key (PEM or JWK)').fill(options.authorityPem ?? testKey('authority.pub.pem'));
  await page.getByLabel('Authority name').fill(options.authorityName ?? 'IT backup desk');
  await page.getByRole('button', { name: 'Add authority' }).click();
  await page.getByRole('button', { name: 'Confirm authority' }).click();
  await expect(page.getByRole('tab', { name: 'Encrypt' })).toBeVisible();
}

/**
 * Writes a disk-backed file of `bytes` pseudo-random bytes (16 MiB of random
 * data repeated, each MiB stamped with its index) and returns its path.
 */
export function makeLargeFile(dir: string, name: string, bytes: number): string {
  const path = join(dir, name);
  const block = randomBytes(16 * 1024 * 1024);
  const fd = openSync(path, 'w');
  try {
    for (let at = 0; at < bytes; at += block.length) {
      for (let mib = 0; mib < block.length; mib += 1024 * 1024) block.writeUInt32BE((at + mib) / (1024 * 1024), mib);
      writeSync(fd, block, 0, Math.min(block.length, bytes - at));
    }
  } finally {
    closeSync(fd);
  }
  return path;
}

/** SHA-256 of a file on disk, streamed. */
export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const piece of createReadStream(path, { highWaterMark: 4 * 1024 * 1024 })) hash.update(piece as Buffer);
  return hash.digest('hex');
}

/** Chooses files on disk with the picker behind the button named `buttonName` (the page gets disk-backed Files). */
export async function chooseFiles(page: Page, buttonName: string, paths: string[]): Promise<void> {
  const chooser = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: buttonName }).click();
  await (await chooser).setFiles(paths);
}

/** The names of every temp output this origin holds in OPFS (see src/io/temp-files.ts). */
export async function tempOutputs(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const names: string[] = [];
    const root = await navigator.storage.getDirectory();
    const list = (dir: FileSystemDirectoryHandle) => (dir as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }).entries();
    for await (const [session, handle] of list(root)) {
      if (session !== 'keyward-tmp' || handle.kind !== 'directory') continue;
      for await (const [folder, inner] of list(handle as FileSystemDirectoryHandle)) {
        if (inner.kind !== 'directory') continue;
        for await (const [file] of list(inner as FileSystemDirectoryHandle)) names.push(`${folder}/${file}`);
      }
    }
    return names;
  });
}

/** The PEM blocks of a text, each with its BEGIN and END lines (an identity's file holds two). */
export const pemBlocks = (text: string): string[] => text.match(/-----BEGIN ([A-Z ]+)-----[\s\S]*?-----END \1-----\n?/g) ?? [];

/**
 * The identity ID (spec v2 §2) of an identity's PEM file, public or private
 * (with `passphrase` for an encrypted one), computed with OpenSSL as an
 * outsider would: each block's public key as DER, concatenated, hashed.
 */
export function opensslIdentityId(pem: string, passphrase?: string): string {
  const ders = pemBlocks(pem).map((block) =>
    execFileSync('openssl', ['pkey', '-pubout', '-outform', 'DER', ...(passphrase ? ['-passin', `pass:${passphrase}`] : []), ...(block.includes('PUBLIC KEY') ? ['-pubin'] : [])], {
      input: block,
    }),
  );
  if (ders.length !== 2) throw new Error(`an identity has two PEM blocks, this text has ${ders.length}`);
  return `SHA256:${sha256(Buffer.concat(ders))}`;
}

/** A key ID as the page shows it (spec §1, `KeyId`): 64 hex digits in sixteen groups of four. */
export const groupedKeyId = (keyId: string) => keyId.slice('SHA256:'.length).replace(/(.{4})(?!$)/g, '$1 ');

/** The key ID `keyId` shown inside `scope`, found by the text a person reads. */
export const keyIdShown = (scope: Page | Locator, keyId: string) => scope.getByText(groupedKeyId(keyId), { exact: true });

/**
 * What every screen must be, checked where the person is now: no axe violation
 * (every rule axe runs by default, none turned off), exactly one h1, and
 * nothing wider than the viewport. Soft, so one run lists every screen's faults.
 */
export async function checkScreen(page: Page, screen: string): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  expect
    .soft(
      violations.map((v) => `${v.id} (${v.impact ?? '?'}): ${v.nodes.map((n) => `${n.target.join(' ')} ${n.failureSummary ?? ''}`).join(' | ')}`),
      `axe violations on ${screen}`,
    )
    .toEqual([]);
  await expect.soft(page.getByRole('heading', { level: 1 }), `one h1 on ${screen}`).toHaveCount(1);
  const overflow = await page.evaluate(() => {
    const wide = [...document.querySelectorAll('body *')]
      .filter((element) => element.getBoundingClientRect().right > window.innerWidth + 0.5)
      .map((element) => `${element.tagName.toLowerCase()}.${[...element.classList].join('.')}`);
    return { scrollWidth: document.scrollingElement!.scrollWidth, innerWidth: window.innerWidth, wide: wide.slice(0, 5) };
  });
  expect.soft(overflow.scrollWidth, `page wider than the viewport on ${screen}: ${overflow.wide.join(', ')}`).toBeLessThanOrEqual(overflow.innerWidth);
}

const ROOT = join(import.meta.dirname, '..');

/**
 * Encrypts `plaintext` as `dir/name` with the built CLI (built here first),
 * as an owner outside the browser would, and returns the encrypted file and
 * its escrow blob.
 */
export function cliEncrypted(
  dir: string,
  name: string,
  plaintext: Buffer | string,
  options: { authority?: string; ownerName?: string } = {},
): { file: Buffer<ArrayBuffer>; escrow: Buffer<ArrayBuffer> } {
  execFileSync('npx', ['vite', 'build', '--config', 'vite.cli.config.ts'], { cwd: ROOT, stdio: 'pipe' });
  writeFileSync(join(dir, name), plaintext);
  const args = ['encrypt', join(dir, name), '--owner', join(KEYS, 'owner.pub.pem'), '--authority', join(KEYS, options.authority ?? 'authority.pub.pem')];
  if (options.ownerName !== undefined) args.push('--owner-name', options.ownerName);
  execFileSync('node', [join(ROOT, 'bin', 'keyward.js'), ...args], { cwd: ROOT, stdio: 'pipe' });
  return { file: readFileSync(join(dir, `${name}.keyward`)), escrow: readFileSync(join(dir, `${name}.keyward-escrow.json`)) };
}

/** Opens Backup authority mode and imports the authority's key pair (`authority.pem` unless told). */
export async function openAuthorityDesk(page: Page, options: { pem?: string; name?: string } = {}): Promise<void> {
  await page.goto('/');
  await page.getByRole('tab', { name: 'Backup authority' }).click();
  await page.getByLabel('Authority private key (PEM or JWK)').fill(testKey(options.pem ?? 'authority.pem'));
  await page.getByLabel('Name for the imported key').fill(options.name ?? 'IT backup desk');
  await page.getByRole('button', { name: 'Import authority key' }).click();
  await expect(page.getByRole('list', { name: 'Authority key pairs' })).toBeVisible();
}

/** Records the type of every dialog (the leave question, `beforeunload`, included) and accepts it. */
export function recordDialogs(page: Page): string[] {
  const seen: string[] = [];
  page.on('dialog', (dialog) => {
    seen.push(dialog.type());
    void dialog.accept();
  });
  return seen;
}
