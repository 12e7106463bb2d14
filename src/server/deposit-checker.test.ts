/**
 * A deposit's checks on their worker thread (deposit-checker.ts), built as
 * `keyward serve` runs it: every body answered as the same checks on the
 * main thread answer it, each in its own place in a batch, and a worker
 * that stops fails its checks instead of refusing what it did not check.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type EscrowBlobV2, escrowBlobText, escrowDigest } from '../core/index.ts';
import { makeIdentity } from '../core/test-support.ts';
import { type DepositChecker, checkOnThisThread, startDepositChecker } from './deposit-checker.ts';
import { builtDepositWorker, makeOwner } from './test-support.ts';

const VECTORS = fileURLToPath(new URL('../core/testdata/vectors', import.meta.url));
const vector = (name: string) => readFileSync(join(VECTORS, name), 'utf8');

/** A settled check, comparable across threads: what was checked, or the refusal's name, code and sentence. */
const outcome = (checks: DepositChecker, body: string) =>
  checks.check(body).then(
    (checked) => ({ checked }),
    (error: unknown) => {
      const { name, code, message } = error as Error & { code?: string };
      return { refused: { name, code, message } };
    },
  );

let worker: DepositChecker | undefined;

beforeAll(async () => {
  worker = await startDepositChecker(await builtDepositWorker());
});
afterAll(async () => {
  await worker?.close();
});

describe('the deposit checks\' worker', () => {
  it('runs on a worker thread, with libsodium', () => {
    expect(worker!.runs).toBe('worker thread, Ed25519 by libsodium');
  });

  it('answers each body of one batch as the checks on the main thread do, good and bad mixed', async () => {
    const ada = await makeOwner(await makeIdentity(), 3);
    const [blob, other] = ada.blobs as [EscrowBlobV2, EscrowBlobV2, EscrowBlobV2];
    const text = JSON.stringify(blob);
    const bodies: [string, string | null][] = [
      [text, null],
      [vector('council-board.escrow.json'), null],
      [JSON.stringify({ ...other, description: 'changed after signing' }), 'SIGNATURE_INVALID'],
      [JSON.stringify({ ...other, fileSignature: blob.fileSignature }), 'SIGNATURE_INVALID'],
      [JSON.stringify({ ...other, owner: { ...other.owner, id: `SHA256:${'0'.repeat(64)}` } }), 'MALFORMED'],
      [vector('escrow-basic.escrow.json'), 'SIGNER_UNTRUSTED'],
      ['{"format":"keyward-escrow/2",', 'MALFORMED'],
      [`{"description":"what the officer sees",${text.slice(1)}`, 'MALFORMED'],
      [JSON.stringify({ format: 'keyward-escrow/2', hello: 1 }), 'MALFORMED'],
      [JSON.stringify({ blob: 'not here' }), 'REQUEST_INVALID'],
      [JSON.stringify({ format: 5 }), 'REQUEST_INVALID'],
      ['[]', 'REQUEST_INVALID'],
      [JSON.stringify(ada.blobs[2]), null],
    ];
    // Asked in one turn, twice over: several messages to the worker, each answered in its place.
    const asked = [...bodies, ...bodies];
    const there = await Promise.all(asked.map(([body]) => outcome(worker!, body)));
    const here = await Promise.all(asked.map(([body]) => outcome(checkOnThisThread(), body)));
    expect(there).toEqual(here);
    expect(there.map((o) => ('refused' in o ? o.refused.code : null))).toEqual(asked.map(([, code]) => code));
    expect(there.filter((o) => 'refused' in o).every((o) => 'refused' in o && o.refused.name === 'KeywardError')).toBe(true);
    // What is stored: the blob's canonical text and digest, its owner, its fields.
    expect(there[0]).toEqual({
      checked: {
        fileId: blob.fileId,
        serial: blob.serial,
        ownerId: ada.identity.id,
        digest: await escrowDigest(blob),
        text: escrowBlobText(blob),
        description: blob.description,
        authority: { id: blob.authority.id, kind: blob.authority.kind, name: blob.authority.name },
      },
    });
  });

  it('fails every check in flight and after it when the worker stops: an error, never a refusal', async () => {
    const own = await startDepositChecker(await builtDepositWorker());
    const ada = await makeOwner(await makeIdentity(), 1);
    const body = JSON.stringify(ada.blobs[0]);
    expect(await own.check(body)).toMatchObject({ ownerId: ada.identity.id });
    const inFlight = own.check(body);
    await own.close();
    await expect(inFlight).rejects.toThrow(/worker stopped/);
    await expect(inFlight).rejects.not.toHaveProperty('code');
    await expect(own.check(body)).rejects.toThrow(/worker stopped/);
  });

  it('checks on the calling thread where no worker is built beside the service (run from the sources)', async () => {
    const here = await startDepositChecker(new URL('./no-such-folder/deposit-check-worker.js', import.meta.url));
    expect(here.runs).toBe('main thread, Ed25519 by libsodium');
    await expect(here.check('[]')).rejects.toMatchObject({ code: 'REQUEST_INVALID' });
  });

  it('does not wait for ever for a worker that never says it is ready, nor take one that stops first', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'keyward-silent-worker-'));
    try {
      const silent = join(folder, 'silent.mjs');
      writeFileSync(silent, 'setInterval(() => {}, 1000);\n');
      const stopping = join(folder, 'stopping.mjs');
      writeFileSync(stopping, 'process.exit(3);\n');
      await expect(startDepositChecker(pathToFileURL(silent), 300)).rejects.toThrow(/did not say it was ready within 300 ms/);
      await expect(startDepositChecker(pathToFileURL(stopping), 10_000)).rejects.toThrow(/stopped before it was ready \(exit code 3\)/);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
