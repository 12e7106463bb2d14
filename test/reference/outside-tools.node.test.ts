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
  bytesSource, collectBytes, createCouncil, encryptSource, exportPrivateIdentity, exportPublicIdentity, generateIdentity, serializeCouncil, serializeSigned,
} from '../../src/core/index.ts';
import type { PrivateIdentity } from '../../src/core/index.ts';
import {
  b64u, deriveKeys, encryptPayload, refCheckEscrow, refCheckEscrowWithMembers, refMakeCouncilEscrow, refMakeEscrowV2, refOpenBlob, refParseFile, refParsePrivateIdentity,
  refSignObject, refSignedText, refWrapShare,
} from './keyward-node.ts';
import type { RefCouncilDescriptor } from './keyward-node.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SCRIPT = path.join(ROOT, 'scripts/outside/keyward-open.mjs');
const COMBINE = path.join(ROOT, 'scripts/outside/keyward-combine.mjs');
const DOC = fs.readFileSync(path.join(ROOT, 'docs/outside-tools.md'), 'utf8');
const STEPS = [...DOC.matchAll(/^```sh step=([a-z0-9-]+)\n([\s\S]*?)^```$/gm)].map((m) => ({ name: m[1]!, script: m[2]! }));
const CS = 65536;
/** The page's path for a signed (v2) file and blob, in order. */
const V2_STEPS = ['identity', 'escrow-signatures', 'unwrap', 'file-signature', 'decrypt'];
/** The page's path for a council's blob: the owner's signatures, then the council's blocks. */
const COUNCIL_STEPS = ['identity', 'escrow-signatures', 'council-id'];

// Identities, files and blobs are made by Keyward (src/core): generated, exported to PEM, encrypted and signed.
let owner: PrivateIdentity;
let authority: PrivateIdentity;
let stranger: PrivateIdentity;
let member3: PrivateIdentity;
const pems = { ownerPub: '', ownerPrivate: '', authorityPrivate: '', strangerPrivate: '', member3Private: '' };
beforeAll(async () => {
  owner = await generateIdentity({ extractable: true });
  authority = await generateIdentity({ extractable: true });
  stranger = await generateIdentity({ extractable: true });
  member3 = await generateIdentity({ extractable: true });
  pems.ownerPub = await exportPublicIdentity(owner, 'pem');
  pems.ownerPrivate = await exportPrivateIdentity(owner, 'pem');
  pems.authorityPrivate = await exportPrivateIdentity(authority, 'pem');
  pems.strangerPrivate = await exportPrivateIdentity(stranger, 'pem');
  pems.member3Private = await exportPrivateIdentity(member3, 'pem');
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
  fs.copyFileSync(COMBINE, path.join(dir, 'scripts/outside/keyward-combine.mjs'));
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
  it('has the five v2 steps in order, the v1 one and the three council ones, and two scripts of at most 150 lines on node:crypto', () => {
    expect(STEPS.map((s) => s.name)).toEqual([...V2_STEPS, 'v1-unwrap', 'council-id', 'council-share', 'council-combine']);
    // Every code block of the page is one of them: no command on the page goes untested.
    expect(DOC.match(/^```/gm)?.length).toBe(2 * STEPS.length);
    for (const file of [SCRIPT, COMBINE]) {
      const script = fs.readFileSync(file, 'utf8');
      const lines = script.split('\n').length - 1;
      expect(lines).toBeLessThanOrEqual(150);
      expect(DOC).toContain(`\`scripts/outside/${path.basename(file)}\` | copied from Keyward's source (${lines} lines, \`node:crypto\` only)`);
      expect([...script.matchAll(/^import .* from '([^']+)';$/gm)].map((m) => m[1])).toEqual(['node:crypto', 'node:fs']);
    }
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

describe('docs/outside-tools.md, a council\'s blob (2 of 3), run as written', () => {
  interface CouncilMade { plaintext: Buffer; file: Buffer; blob: string; councilText: string }
  /**
   * A file encrypted by Keyward to a council (createCouncil, serializeCouncil, encryptSource), and its council blob.
   * An attack (`shares` replacing the split: an evading owner; `wrapShare`) is built by the reference over Keyward's file.
   */
  async function makeCouncil(o: { shares?: Buffer[]; wrapShare?: Parameters<typeof refMakeCouncilEscrow>[0]['wrapShare'] } = {}): Promise<CouncilMade> {
    const council = await createCouncil({
      name: 'Board', threshold: 2, members: [{ name: 'Ada', identity: authority }, { name: 'Bo', identity: stranger }, { name: 'Cy', identity: member3 }],
    });
    const councilText = serializeCouncil(council);
    const plaintext = crypto.randomBytes(2 * CS + 99);
    const encrypted = await encryptSource(bytesSource(new Uint8Array(plaintext)), {
      meta: { name: 'secret.txt', type: 'text/plain', size: plaintext.length, lastModified: 0 }, owner: owner.encryption, authority: council, signer: owner,
      chunkSize: CS, ownerName: 'Zoë', description: 'Q4 report',
    });
    const file = Buffer.from(await collectBytes(encrypted.stream));
    const made = (await encrypted.done).escrowBlob;
    if (!('prefix' in made)) throw new Error('expected a v2 escrow blob');
    if (o.shares === undefined && o.wrapShare === undefined) return { plaintext, file, blob: serializeSigned(made), councilText };
    // The attack keeps Keyward's file; its key comes out through the reference (two members together).
    const fileKey = refCheckEscrowWithMembers(serializeSigned(made), [pems.authorityPrivate, pems.strangerPrivate].map((p) => refParsePrivateIdentity(p))).fileKey;
    const blob = refSignedText(refMakeCouncilEscrow({
      file, fileKey, owner: refParsePrivateIdentity(pems.ownerPrivate), ownerName: 'Zoë', council: JSON.parse(councilText) as RefCouncilDescriptor,
      description: 'Q4 report', createdAt: new Date().toISOString(), ...o,
    }));
    return { plaintext, file, blob, councilText };
  }
  /** The desk of members 1 and 3 in a ceremony: the owner's checks, then each unwraps its share in turn. */
  function ceremony(m: CouncilMade, o: { councilText?: string; members?: string[] } = {}): { dir: string; failed?: string; stderr: string } {
    const dir = desk({ file: m.file, blob: m.blob, extra: { 'council.keyward-council.json': Buffer.from(o.councilText ?? m.councilText) } });
    const checks = run(dir, COUNCIL_STEPS);
    if (checks.failed) return { dir, ...checks };
    for (const pemText of o.members ?? [pems.authorityPrivate, pems.member3Private]) {
      fs.writeFileSync(path.join(dir, 'member.pem'), pemText);
      const r = run(dir, ['council-share']);
      if (r.failed) return { dir, ...r };
    }
    return { dir, stderr: '' };
  }

  it('a good blob: the council ID, members 1 and 3 unwrap their shares, and the two shares open the file', async () => {
    const m = await makeCouncil();
    const { dir, failed, stderr } = ceremony(m);
    expect(failed, stderr).toBeUndefined();
    const id = JSON.parse(m.blob) as { authority: { id: string } };
    expect(fs.readFileSync(path.join(dir, 'council-id.txt'), 'utf8')).toBe(`${id.authority.id}\n`);
    expect(fs.readdirSync(dir).filter((f) => /^share-\d+\.bin$/.test(f)).sort()).toEqual(['share-1.bin', 'share-3.bin']);
    const r = run(dir, ['council-combine']);
    expect(r.failed, r.stderr).toBeUndefined();
    expect(r.stderr).toContain('the combined key opens the header');
    expect(fs.readFileSync(path.join(dir, 'secret.txt')).equals(m.plaintext)).toBe(true);
  });

  it('a changed share fails to open the header, and nothing is written', async () => {
    const { dir, failed } = ceremony(await makeCouncil());
    expect(failed).toBeUndefined();
    const share = fs.readFileSync(path.join(dir, 'share-3.bin'));
    share[5]! ^= 1;
    fs.writeFileSync(path.join(dir, 'share-3.bin'), share);
    const r = run(dir, ['council-combine']);
    expect(r.failed).toBe('council-combine');
    expect(r.stderr).toContain('does not open this header');
    expect(exists(dir, 'secret.txt')).toBe(false);
  });

  it('one share of a 2-of-3 council, or one share given twice, does not open the file', async () => {
    const { dir } = ceremony(await makeCouncil(), { members: [pems.strangerPrivate] });
    expect(run(dir, ['council-combine']).failed).toBe('council-combine');
    fs.copyFileSync(path.join(dir, 'share-2.bin'), path.join(dir, 'share-9.bin'));
    const r = run(dir, ['council-combine']);
    expect(r.failed).toBe('council-combine');
    expect(r.stderr).toContain('same point');
    expect(exists(dir, 'secret.txt')).toBe(false);
  });

  it('an owner\'s evading blob (random shares): each member\'s share unwraps, the two together do not open the header', async () => {
    const m = await makeCouncil({ shares: [1, 2, 3].map((x) => Buffer.concat([crypto.randomBytes(32), Buffer.from([x])])) });
    const { dir, failed } = ceremony(m);
    expect(failed).toBeUndefined();
    const r = run(dir, ['council-combine']);
    expect(r.failed).toBe('council-combine');
    expect(r.stderr).toContain('does not open this header');
  });

  it('a share wrapped under another member\'s label does not unwrap', async () => {
    const m = await makeCouncil({ wrapShare: (share, index, rsa) => refWrapShare(share, index === 3 ? 2 : index, rsa) });
    expect(ceremony(m).failed).toBe('council-share');
  });

  it('someone not in the council finds no share; a blob for another council fails the council check', async () => {
    const m = await makeCouncil();
    const notMember = ceremony(m, { members: [pems.ownerPrivate] });
    expect(notMember.failed).toBe('council-share');
    expect(notMember.stderr).toContain('is not a member of this council');
    const other = serializeCouncil(await createCouncil({ name: 'Board', threshold: 3, members: [{ name: 'Ada', identity: authority }, { name: 'Bo', identity: stranger }, { name: 'Cy', identity: member3 }] }));
    expect(ceremony(m, { councilText: other }).failed).toBe('council-id');
  });

  it('a council blob changed after the owner signed it fails at its signature', async () => {
    const m = await makeCouncil();
    const changed = m.blob.replace('"description":"Q4 report"', '"description":"Q3 report"');
    expect(changed).not.toBe(m.blob);
    expect(ceremony({ ...m, blob: changed }).failed).toBe('escrow-signatures');
  });
});
