/**
 * docs/outside-tools.md, run exactly: every ```sh step=NAME block of the page
 * is taken from the markdown and run, in order, with `sh` in a scratch
 * directory holding the inputs the page names, so the page and this test
 * cannot drift apart. The identities, files and escrow blobs are Keyward's
 * (src/core); the reference only builds the attacks. Needs OpenSSL 3,
 * Node 20, awk, sha256sum and cmp.
 */
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bytesSource, collectBytes, encryptSource, exportPrivateIdentity, exportPublicIdentity, generateIdentity, serializeSigned,
} from '../../src/core/index.ts';
import type { PrivateIdentity } from '../../src/core/index.ts';
import {
  b64u, deriveKeys, encryptPayload, refCheckEscrow, refMakeEscrowV2, refOpenBlob, refParseFile, refParsePrivateIdentity, refSignObject,
  refSignedText,
} from './keyward-node.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SCRIPT = path.join(ROOT, 'scripts/outside/keyward-open.mjs');
const DOC = fs.readFileSync(path.join(ROOT, 'docs/outside-tools.md'), 'utf8');
const STEPS = [...DOC.matchAll(/^```sh step=([a-z0-9-]+)\n([\s\S]*?)^```$/gm)].map((m) => ({ name: m[1]!, script: m[2]! }));
const CS = 65536;
/** The page's path for a signed (v2) file and blob, in order. */
const V2_STEPS = ['identity', 'escrow-signatures', 'unwrap', 'file-signature', 'decrypt'];

// Identities, files and blobs are made by Keyward (src/core): generated, exported to PEM, encrypted and signed.
let owner: PrivateIdentity;
let authority: PrivateIdentity;
let stranger: PrivateIdentity;
const pems = { ownerPub: '', ownerPrivate: '', authorityPrivate: '' };
beforeAll(async () => {
  owner = await generateIdentity({ extractable: true });
  authority = await generateIdentity({ extractable: true });
  stranger = await generateIdentity({ extractable: true });
  pems.ownerPub = await exportPublicIdentity(owner, 'pem');
  pems.ownerPrivate = await exportPrivateIdentity(owner, 'pem');
  pems.authorityPrivate = await exportPrivateIdentity(authority, 'pem');
});
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

interface Made { plaintext: Buffer; file: Buffer; blob: string; fileKey: Buffer; prefix: Buffer; signature: Buffer; salt: Buffer }
/** A file and its escrow blob as Keyward writes them (signed by `by`, default the owner; unsigned v1 when `v1`). */
async function make(o: { by?: PrivateIdentity; v1?: boolean } = {}): Promise<Made> {
  const by = o.by ?? owner;
  const plaintext = crypto.randomBytes(2 * CS + 1234);
  const encrypted = await encryptSource(bytesSource(new Uint8Array(plaintext)), {
    meta: { name: 'secret.txt', type: 'text/plain', size: plaintext.length, lastModified: 0 }, owner: by.encryption,
    authority: o.v1 ? authority.encryption : authority, ...(o.v1 ? {} : { signer: by }), chunkSize: CS,
    ownerName: 'Zoë', authorityName: 'Backup Desk', description: 'Q4 report',
  });
  const file = Buffer.from(await collectBytes(encrypted.stream));
  const blob = (await encrypted.done).escrowBlob;
  // The test (not the page) takes the file key out through the reference, to build the attacks below.
  const authorityRef = refParsePrivateIdentity(pems.authorityPrivate);
  const fileKey = 'prefix' in blob ? refCheckEscrow(serializeSigned(blob), authorityRef).fileKey : refOpenBlob(blob, authorityRef.rsaPrivatePem).fileKey;
  const p = refParseFile(file);
  return {
    plaintext, file, blob: 'prefix' in blob ? serializeSigned(blob) : JSON.stringify(blob), fileKey,
    prefix: Buffer.concat([p.headerBytes, p.hmac]), signature: p.signature ?? Buffer.alloc(0), salt: p.salt,
  };
}

/** A scratch directory with the inputs of the page's table. */
function desk(files: { file?: Buffer; blob?: string; extra?: Record<string, Buffer> }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kw-outside-'));
  dirs.push(dir);
  fs.writeFileSync(path.join(dir, 'owner.pub.pem'), pems.ownerPub);
  fs.writeFileSync(path.join(dir, 'authority.pem'), pems.authorityPrivate);
  if (files.file) fs.writeFileSync(path.join(dir, 'secret.txt.keyward'), files.file);
  if (files.blob !== undefined) fs.writeFileSync(path.join(dir, 'secret.txt.keyward-escrow.json'), files.blob);
  for (const [name, bytes] of Object.entries(files.extra ?? {})) fs.writeFileSync(path.join(dir, name), bytes);
  fs.mkdirSync(path.join(dir, 'scripts/outside'), { recursive: true });
  fs.copyFileSync(SCRIPT, path.join(dir, 'scripts/outside/keyward-open.mjs'));
  return dir;
}
/** Runs the named steps (all by default) in order; returns the first that failed, if any, and what it said. */
function run(dir: string, names = V2_STEPS): { failed?: string; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  for (const name of names) {
    const step = STEPS.find((s) => s.name === name);
    if (!step) throw new Error(`no step ${name} in docs/outside-tools.md`);
    const r = spawnSync('sh', ['-c', step.script], { cwd: dir, encoding: 'utf8' });
    stdout += r.stdout;
    stderr += r.stderr;
    if (r.status !== 0) return { failed: name, stdout, stderr };
  }
  return { stdout, stderr };
}
const exists = (dir: string, name: string) => fs.existsSync(path.join(dir, name));

describe('docs/outside-tools.md, run as written', () => {
  it('has the five v2 steps in order and the v1 one, and a script of at most 150 lines on node:crypto', () => {
    expect(STEPS.map((s) => s.name)).toEqual([...V2_STEPS, 'v1-unwrap']);
    // Every code block of the page is one of them: no command on the page goes untested.
    expect(DOC.match(/^```/gm)?.length).toBe(2 * STEPS.length);
    const script = fs.readFileSync(SCRIPT, 'utf8');
    const lines = script.split('\n').length - 1;
    expect(lines).toBeLessThanOrEqual(150);
    expect(DOC).toContain(`(${lines} lines, \`node:crypto\` only)`);
    expect([...script.matchAll(/^import .* from '([^']+)';$/gm)].map((m) => m[1])).toEqual(['node:crypto', 'node:fs']);
  });

  it('a good blob and file: the ID, both signatures, the key, and the plaintext', async () => {
    const m = await make();
    const dir = desk({ file: m.file, blob: m.blob });
    const r = run(dir);
    expect(r.failed, r.stderr).toBeUndefined();
    expect(fs.readFileSync(path.join(dir, 'owner-id.txt'), 'utf8')).toBe(`${owner.id}\n`);
    expect(r.stdout).toContain(owner.id);
    expect(fs.readFileSync(path.join(dir, 'file.key')).equals(m.fileKey)).toBe(true);
    expect(fs.readFileSync(path.join(dir, 'secret.txt')).equals(m.plaintext)).toBe(true);
    expect(r.stderr).toContain(`signed by ${owner.id}`);
  });

  it('a blob changed after signing fails at its signature', async () => {
    const m = await make();
    const blob = m.blob.replace('"description":"Q4 report"', '"description":"Q3 report"');
    expect(blob).not.toBe(m.blob);
    expect(run(desk({ file: m.file, blob })).failed).toBe('escrow-signatures');
  });

  it('a blob from someone other than the confirmed owner fails at the owner check', async () => {
    const m = await make({ by: stranger });
    expect(run(desk({ file: m.file, blob: m.blob })).failed).toBe('escrow-signatures');
  });

  it('a blob the owner signed over a payload digest the owner did not sign for the file fails at the file signature it carries', async () => {
    const m = await make();
    const edited = JSON.parse(m.blob) as Record<string, unknown>;
    const unsigned = Object.fromEntries(Object.entries({ ...edited, payloadDigest: b64u(crypto.randomBytes(32)) }).filter(([k]) => k !== 'signature'));
    const blob = refSignedText(refSignObject('keyward/v2 escrow', unsigned, refParsePrivateIdentity(pems.ownerPrivate).edPrivate));
    const r = run(desk({ file: m.file, blob }));
    expect(r.failed).toBe('escrow-signatures');
    expect(r.stdout + r.stderr).toContain('Signature Verified Successfully'); // the blob's own signature passed first
  });

  it('an owner\'s evading blob (validly signed, wrapping a key that does not open the header) fails at the key check', async () => {
    const m = await make();
    const ownerRef = refParsePrivateIdentity(pems.ownerPrivate);
    const blob = refSignedText(refMakeEscrowV2({
      file: m.file, fileKey: crypto.randomBytes(32), owner: ownerRef, ownerName: 'Zoë', authority: refParsePrivateIdentity(pems.authorityPrivate),
      authorityName: 'Backup Desk', description: 'Q4 report', createdAt: new Date().toISOString(),
    }));
    const r = run(desk({ file: m.file, blob }));
    expect(r.failed).toBe('unwrap');
    expect(r.stderr).toContain('does not open this header');
  });

  it('a file-key holder\'s payload under the owner\'s prefix and signature fails, and nothing is written', async () => {
    const m = await make();
    const forged = Buffer.concat([m.prefix, encryptPayload(deriveKeys(m.fileKey, m.salt).payloadKey, crypto.randomBytes(m.plaintext.length), CS), m.signature]);
    const dir = desk({ file: forged, blob: m.blob });
    expect(run(dir).failed).toBe('file-signature');
    // Even without the openssl check, the script refuses.
    const r = run(dir, ['decrypt']);
    expect(r.failed).toBe('decrypt');
    expect(r.stderr).toContain('signature does not verify');
    expect(exists(dir, 'secret.txt')).toBe(false);
  });

  it('a changed chunk fails at the file signature, and the script refuses it', async () => {
    const m = await make();
    const file = Buffer.from(m.file);
    file[m.prefix.length + CS + 40]! ^= 1;
    const dir = desk({ file, blob: m.blob });
    expect(run(dir).failed).toBe('file-signature');
    expect(run(dir, ['decrypt']).failed).toBe('decrypt');
    expect(exists(dir, 'secret.txt')).toBe(false);
  });

  it('the key of another file fails at the header HMAC', async () => {
    const m = await make();
    const dir = desk({ file: m.file, extra: { 'file.key': (await make()).fileKey } });
    const r = run(dir, ['decrypt']);
    expect(r.failed).toBe('decrypt');
    expect(r.stderr).toContain('does not open this header');
  });

  it('a v1 file and blob: the v1 block unwraps the key, the script opens the file, and refuses a cut one', async () => {
    const v1 = await make({ v1: true });
    expect(v1.file.subarray(0, 10).toString()).toBe('KEYWARD/1\n');
    const dir = desk({ file: v1.file, blob: v1.blob });
    const r = run(dir, ['v1-unwrap', 'decrypt']);
    expect(r.failed, r.stderr).toBeUndefined();
    expect(fs.readFileSync(path.join(dir, 'secret.txt')).equals(v1.plaintext)).toBe(true);
    expect(fs.readFileSync(path.join(dir, 'file.key')).equals(v1.fileKey)).toBe(true);
    const cut = desk({ file: v1.file.subarray(0, v1.file.length - 26), extra: { 'file.key': v1.fileKey } });
    expect(run(cut, ['decrypt']).failed).toBe('decrypt');
    expect(exists(cut, 'secret.txt')).toBe(false);
  });
});
