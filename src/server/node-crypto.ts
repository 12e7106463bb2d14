/**
 * node:crypto for the deposit path's small jobs, done at once on the main
 * thread: SHA-256 (the blob's digest, the audit chain) and the service's
 * Ed25519 signature of an acknowledgement. Through WebCrypto each of them is
 * a job for libuv's pool (one thread for `keyward serve` on 2 cores), where
 * it waited behind the other requests' signature checks when those ran
 * there (docs/performance.md); the same bytes come out either way.
 */
import { KeyObject, createHash, sign } from 'node:crypto';
import type { Sha256 } from '../core/index.ts';
import type { SignNow } from '../core/service.ts';

export const sha256Now: Sha256 = (bytes) => createHash('sha256').update(bytes).digest();

/** Signs with `privateKey` (an Ed25519 CryptoKey) at once. */
export function signNow(privateKey: CryptoKey): SignNow {
  const key = KeyObject.from(privateKey);
  return (message) => sign(null, message, key);
}
