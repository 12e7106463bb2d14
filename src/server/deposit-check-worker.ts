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
import { PublicIdentityCache, isKeywardError } from '../core/index.ts';
import { checkDeposit } from './deposit-check.ts';
import type { CheckAnswer, CheckerReady, CheckRequest } from './deposit-checker.ts';
import { answersRfc8032, depositEd25519 } from './node-crypto.ts';

const port = parentPort;
if (!port) throw new Error('deposit-check-worker.ts runs as a worker thread only');

const { verify, by } = depositEd25519();
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

const ready: CheckerReady = verify && !(await answersRfc8032(verify)) ? { ready: false, reason: 'libsodium does not answer RFC 8032\'s test vector' } : { ready: true, ed25519: by };
port.postMessage(ready);
