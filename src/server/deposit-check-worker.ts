/**
 * The deposit checks' worker thread (an entry of the CLI's build:
 * dist/cli/deposit-check-worker.js). A message is `{ id, bodies }`, the
 * requests' texts; the answer is `{ id, answers }`, one per body in order:
 * the checked deposit, the core's refusal (its code and details), or a
 * failure that is not a refusal (then the request is answered `INTERNAL`).
 * Its first message says it is ready: libsodium answered RFC 8032's first
 * test vector rightly, or WebCrypto checks where libsodium cannot load.
 */
import { parentPort } from 'node:worker_threads';
import { type Ed25519Verify, PublicIdentityCache, isKeywardError } from '../core/index.ts';
import { checkDeposit } from './deposit-check.ts';
import type { CheckAnswer, CheckerReady, CheckRequest } from './deposit-checker.ts';
import { loadSodium, sodiumVerify } from './node-crypto.ts';

const port = parentPort;
if (!port) throw new Error('deposit-check-worker.ts runs as a worker thread only');

const fromHex = (text: string) => Uint8Array.from(text.match(/../g) ?? [], (pair) => parseInt(pair, 16));

/** RFC 8032 §7.1, test 1 (the empty message): its signature verifies, and not with one bit changed. */
async function selfTest(verify: Ed25519Verify): Promise<boolean> {
  const spki = fromHex('302a300506032b6570032100d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
  const signature = fromHex('e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b');
  const changed = signature.slice();
  changed[0] = changed[0]! ^ 1;
  return (await verify(spki, new Uint8Array(0), signature)) && !(await verify(spki, new Uint8Array(0), changed));
}

const sodium = loadSodium();
const verify = sodium ? sodiumVerify(sodium) : undefined;
const identities = new PublicIdentityCache();

async function answer(body: string): Promise<CheckAnswer> {
  try {
    return { checked: await checkDeposit(body, identities, verify) };
  } catch (error) {
    if (isKeywardError(error)) return { refused: { code: error.code, details: error.details } };
    return { failed: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
}

port.on('message', ({ id, bodies }: CheckRequest) => {
  void Promise.all(bodies.map(answer)).then((answers) => {
    port.postMessage({ id, answers });
  });
});

const ready: CheckerReady = verify && !(await selfTest(verify)) ? { ready: false, reason: 'libsodium does not answer RFC 8032\'s test vector' } : { ready: true, ed25519: verify ? 'libsodium' : 'WebCrypto' };
port.postMessage(ready);
