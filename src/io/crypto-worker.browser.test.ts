/**
 * The app's real pipeline in Chromium: the module Worker reads the File,
 * runs the core and writes into this tab's OPFS temp folder. Outputs are
 * disk-backed Files; a failure or a cancel leaves no temp file behind; the
 * start-up sweep removes only the folders of tabs that are gone.
 */
import authorityPem from '../core/testdata/keys/authority.pem?raw';
import authorityPubPem from '../core/testdata/keys/authority.pub.pem?raw';
import ownerPem from '../core/testdata/keys/owner.pem?raw';
import { checkEscrowBlob, generateIdentity, importPrivateKey, importPublicKey, parseSignedObject } from '../core/index.ts';
import { patternBytes } from '../core/test-support.ts';
import { type CryptoClient, createWorkerCrypto } from './crypto-client.ts';
import type { EncryptArgs, OutputTarget, TempFile } from './crypto-protocol.ts';
import { SMALL_OUTPUT_BYTES } from './output-sink.ts';
import { type TempFiles, createTempFiles, sweepTempFolders, tempFolder } from './temp-files.ts';
import { filesIn, tabFolders } from './test-support.ts';

function randomBytes(length: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(length);
  for (let at = 0; at < length; at += 65_536) crypto.getRandomValues(bytes.subarray(at, at + 65_536));
  return bytes;
}

const sha256 = async (blob: Blob) => new Uint8Array(await crypto.subtle.digest('SHA-256', await blob.arrayBuffer())).join(',');

const sessionOf = (target: OutputTarget | undefined) => {
  if (target?.kind !== 'temp') throw new Error('expected a temp target');
  return target.session;
};

describe('the crypto Worker writing to disk-backed temp files', () => {
  let client: CryptoClient;
  let temps: TempFiles;
  let encryptArgs: (file: File, target: OutputTarget | undefined, chunkSize?: number) => Promise<EncryptArgs>;

  beforeAll(async () => {
    client = createWorkerCrypto();
    temps = createTempFiles()!;
    const owner = await importPrivateKey(ownerPem);
    const authority = await importPublicKey(authorityPubPem);
    encryptArgs = (file, target, chunkSize = 65_536) =>
      Promise.resolve({
        file,
        meta: { name: file.name, type: file.type, size: file.size, lastModified: file.lastModified },
        owner: { publicKey: owner.publicKey, keyId: owner.keyId, modulusBits: owner.modulusBits },
        authority,
        ownerName: 'Ada',
        authorityName: 'Desk',
        description: '',
        chunkSize,
        ...(target ? { target } : {}),
      });
  });
  afterAll(() => {
    client.dispose();
  });

  it('signs in the Worker with a non-extractable identity: a v2 file, a v2 escrow blob for an authority identity, its signer reported on decrypt', async () => {
    // Both private keys non-extractable, as the app stores them: they cross to the Worker as CryptoKeys and sign there.
    const [me, desk] = await Promise.all([generateIdentity({ bits: 3072 }), generateIdentity({ bits: 3072 })]);
    expect(me.signingPrivateKey.extractable).toBe(false);
    // Larger than one piece (about 8 MiB), so the reader Worker feeds the signing encryption.
    const plain = new File([patternBytes(9_000_001, 5)], 'signed.bin');
    const base = await encryptArgs(plain, undefined);
    const encrypted = await client.run('encrypt', {
      ...base,
      owner: { publicKey: me.encryption.publicKey, keyId: me.encryption.keyId, modulusBits: me.encryption.modulusBits },
      signer: me,
      authority: { id: desk.id, encryption: { publicKey: desk.encryption.publicKey, keyId: desk.encryption.keyId, modulusBits: desk.encryption.modulusBits }, signingKey: desk.signingKey, rsaSpki: desk.rsaSpki, ed25519Spki: desk.ed25519Spki },
    });
    expect(new TextDecoder().decode(new Uint8Array(await encrypted.output.slice(0, 10).arrayBuffer()))).toBe('KEYWARD/2\n');
    expect(encrypted.escrowBlob.format).toBe('keyward-escrow/2');
    const parsed = parseSignedObject(encrypted.escrowJson);
    if (parsed.kind !== 'escrow-v2') throw new Error(parsed.kind);
    expect((await checkEscrowBlob(parsed.blob, desk, { expectOwner: me.id })).owner.id).toBe(me.id);

    // Small pieces: the reader Worker's path on the way back too.
    const decrypted = await client.run('decrypt', { file: encrypted.output, unlock: { kind: 'keys', keys: [me.encryption] }, pieceBytes: 4 * 65_536 });
    expect(decrypted.signer).toBe(me.id);
    expect(await sha256(decrypted.output)).toBe(await sha256(plain));
  });

  it('encrypts into a temp file, decrypts into another, and removes each when released', async () => {
    const plain = new File([patternBytes(1_000_003, 9)], 'report.pdf', { type: 'application/pdf' });
    const target = temps.target();
    const session = sessionOf(target);
    const encrypted = await client.run('encrypt', await encryptArgs(plain, target));
    expect(encrypted.temp).toEqual({ session, name: (target as TempFile).name });
    expect(await filesIn(session)).toEqual([encrypted.temp!.name]);
    expect(encrypted.output.size).toBeGreaterThan(plain.size);

    const owner = await importPrivateKey(ownerPem);
    const decryptTarget = temps.target();
    const decrypted = await client.run('decrypt', { file: encrypted.output, unlock: { kind: 'keys', keys: [owner] }, target: decryptTarget! });
    expect(decrypted.meta.name).toBe('report.pdf');
    expect(decrypted.output.type).toBe('application/pdf');
    expect(await sha256(decrypted.output)).toBe(await sha256(plain));
    expect(await filesIn(session)).toEqual([encrypted.temp!.name, decrypted.temp!.name].sort());

    // The authority opens the same disk-backed output with the escrow blob.
    const authority = await importPrivateKey(authorityPem);
    const recovered = await client.run('decrypt', { file: encrypted.output, unlock: { kind: 'blob', blobText: encrypted.escrowJson, key: authority } });
    expect(recovered.temp).toBeUndefined();
    expect(await sha256(recovered.output)).toBe(await sha256(plain));

    await temps.release(encrypted.temp!);
    await temps.release(decrypted.temp!);
    expect(await filesIn(session)).toEqual([]);
  });

  it('keeps the output of a file of at most 256 KiB in memory, even when a temp file is asked for', async () => {
    const owner = await importPrivateKey(ownerPem);
    for (const size of [2048, SMALL_OUTPUT_BYTES]) {
      const plain = new File([patternBytes(size, 5)], 'note.txt', { type: 'text/plain' });
      const target = temps.target();
      const session = sessionOf(target);
      const encrypted = await client.run('encrypt', await encryptArgs(plain, target));
      expect(encrypted.temp).toBeUndefined();
      // Its payload is over 256 KiB (a tag per chunk): that one goes to a temp file.
      const decrypted = await client.run('decrypt', { file: encrypted.output, unlock: { kind: 'keys', keys: [owner] }, target: temps.target()! });
      expect(decrypted.temp === undefined).toBe(size < SMALL_OUTPUT_BYTES);
      expect(decrypted.output.type).toBe('text/plain');
      expect(await sha256(decrypted.output)).toBe(await sha256(plain));
      if (decrypted.temp) await temps.release(decrypted.temp);
      expect(await filesIn(session)).toEqual([]);
    }
  });

  it('writes chunks larger than its staging buffer in parts, byte for byte', async () => {
    // 2 MiB chunks: the sink copies each into its reused 1 MiB buffer and writes it in parts.
    const plain = new File([randomBytes(5 * 1024 * 1024 + 123)], 'video.mp4');
    const encrypted = await client.run('encrypt', await encryptArgs(plain, temps.target(), 2 * 1024 * 1024));
    const decrypted = await client.run('decrypt', { file: encrypted.output, unlock: { kind: 'keys', keys: [await importPrivateKey(ownerPem)] }, target: temps.target()! });
    expect(decrypted.output.size).toBe(plain.size);
    expect(await sha256(decrypted.output)).toBe(await sha256(plain));
    await temps.release(encrypted.temp!);
    await temps.release(decrypted.temp!);
  });

  it('leaves no temp file when decryption fails at the last chunk, or when the user cancels', async () => {
    const plain = new File([patternBytes(700_000, 3)], 'notes.txt');
    const encrypted = await client.run('encrypt', await encryptArgs(plain, temps.target()));
    const bytes = new Uint8Array(await encrypted.output.arrayBuffer());
    await temps.release(encrypted.temp!);
    bytes[bytes.length - 3]! ^= 1;
    const owner = await importPrivateKey(ownerPem);

    const target = temps.target();
    const session = sessionOf(target);
    const tampered = client.run('decrypt', { file: new File([bytes], 'notes.txt.keyward'), unlock: { kind: 'keys', keys: [owner] }, target: target! });
    await expect(tampered).rejects.toMatchObject({ code: 'CHUNK_TAMPERED' });
    expect(await filesIn(session)).toEqual([]);

    const big = new File([randomBytes(128 * 1024 * 1024)], 'big.iso');
    const controller = new AbortController();
    let progressed = 0;
    const running = client.run('encrypt', await encryptArgs(big, temps.target()), {
      signal: controller.signal,
      onProgress: (done) => {
        progressed = Math.max(progressed, done);
        controller.abort();
      },
    });
    await expect(running).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(progressed).toBeLessThan(big.size);
    await vi.waitFor(async () => {
      expect(await filesIn(session)).toEqual([]);
    });
  });

  it('streams into a file the person picked, which keeps its old content when decryption fails', async () => {
    // An OPFS file stands in for one picked with showSaveFilePicker: the same FileSystemFileHandle API.
    const root = await navigator.storage.getDirectory();
    const picked = await root.getFileHandle(`picked-${crypto.randomUUID()}.bin`, { create: true });
    const old = await picked.createWritable();
    await old.write('what was there before');
    await old.close();

    const plain = new File([patternBytes(300_000, 4)], 'a.txt');
    const encrypted = await client.run('encrypt', await encryptArgs(plain, temps.target()));
    const bytes = new Uint8Array(await encrypted.output.arrayBuffer());
    await temps.release(encrypted.temp!);
    const owner = await importPrivateKey(ownerPem);

    bytes[bytes.length - 1]! ^= 1;
    const tampered = client.run('decrypt', { file: new File([bytes], 'a.txt.keyward'), unlock: { kind: 'keys', keys: [owner] }, target: { kind: 'file', handle: picked } });
    await expect(tampered).rejects.toMatchObject({ code: 'CHUNK_TAMPERED' });
    expect(await (await picked.getFile()).text()).toBe('what was there before');

    bytes[bytes.length - 1]! ^= 1;
    const opened = await client.run('decrypt', { file: new File([bytes], 'a.txt.keyward'), unlock: { kind: 'keys', keys: [owner] }, target: { kind: 'file', handle: picked } });
    expect(opened.temp).toBeUndefined();
    expect(await sha256(await picked.getFile())).toBe(await sha256(plain));
    await root.removeEntry(picked.name);
  });

  it('refuses a blob that is not JSON with MALFORMED, without failing an encryption running beside it', async () => {
    const plain = new File([randomBytes(16 * 1024 * 1024)], 'video.mp4');
    const running = client.run('encrypt', await encryptArgs(plain, temps.target()));
    await expect(client.run('parseBlob', { text: 'Dear IT, please find my key attached.' })).rejects.toMatchObject({ code: 'MALFORMED' });
    const encrypted = await running;
    expect(encrypted.output.size).toBeGreaterThan(plain.size);
    await temps.release(encrypted.temp!);
  });

  it('sweeps the folders of closed tabs and keeps its own', async () => {
    const mine = sessionOf(temps.target());
    await tempFolder(mine, true);
    const gone = crypto.randomUUID();
    const folder = await tempFolder(gone, true);
    await (await folder.getFileHandle('1-left-over.part', { create: true })).createWritable().then((w) => w.close());

    expect(await temps.sweep()).toBeGreaterThanOrEqual(1);
    const left = await tabFolders();
    expect(left).toContain(mine);
    expect(left).not.toContain(gone);
  });

  it('tries a gone tab\'s folder again while a file in it is still open, and removes it once closed', async () => {
    const gone = crypto.randomUUID();
    const folder = await tempFolder(gone, true);
    // As a closed tab's Worker may still hold its output open for a moment.
    const open = await (await folder.getFileHandle('1-still-open.part', { create: true })).createWritable();
    await sweepTempFolders([]);
    expect(await tabFolders()).toContain(gone);

    const sweeping = sweepTempFolders([400]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await tabFolders()).toContain(gone); // the first pass could not remove it
    await open.close();
    await sweeping;
    expect(await tabFolders()).not.toContain(gone);
  });
});
