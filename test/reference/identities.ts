/**
 * Test identities for the v2 reference tests: the RSA test keys of
 * src/core/testdata/keys with Ed25519 keys from fixed seeds (RFC 8410 PKCS#8),
 * so every run signs with the same keys.
 */
import * as crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { refIdentityFromKeys } from './keyward-node.ts';
import type { RefPrivateIdentity } from './keyward-node.ts';

export const KEYS = join(import.meta.dirname, '..', '..', 'src', 'core', 'testdata', 'keys');
export const pem = (name: string): string => readFileSync(join(KEYS, name), 'utf8');

const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');
/** An Ed25519 private key whose 32-byte seed is SHA-256(label). */
export function seededEd25519(label: string): crypto.KeyObject {
  const seed = crypto.createHash('sha256').update(label).digest();
  return crypto.createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: 'der', type: 'pkcs8' });
}
/** The identity made of testdata key NAME.pem and the Ed25519 key seeded by NAME. */
export function testIdentity(name: 'owner' | 'authority' | 'new-owner' | 'stranger'): RefPrivateIdentity {
  return refIdentityFromKeys(pem(`${name}.pem`), seededEd25519(`keyward test identity ${name}`));
}
