// Councils (v2 §8) both ways between src/core (WebCrypto and the audited
// shamir-secret-sharing package) and the reference (node:crypto, from the
// spec): descriptors and council IDs, shares split by one and combined by the
// other, shares wrapped by one and unwrapped by the other, and both refusing
// the same bad descriptors with the same code.
import * as crypto from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  combineShares, councilId, createCouncil, importPrivateIdentity, importPublicIdentity, isKeywardError, parseCouncil, serializeCouncil, shareLabel,
  splitKey, unwrapShare, wrapShare,
} from '../../src/core/index.ts';
import type { PrivateIdentity, PublicIdentity } from '../../src/core/index.ts';
import {
  RefError, b64u, refCanonical, refCombine, refCouncilId, refIdentityFromKeys, refIdentityId, refMakeCouncil, refParseCouncil, refPrivateIdentityPem,
  refPublicIdentityPem, refShareLabel, refSplit, refUnwrapShare, refWrapShare,
} from './keyward-node.ts';
import { pem, seededEd25519, testIdentity } from './identities.ts';

const ref = {
  owner: testIdentity('owner'), newOwner: testIdentity('new-owner'), m1: testIdentity('authority'), m2: testIdentity('stranger'),
  m3: refIdentityFromKeys(pem('rsa4096.pem'), seededEd25519('keyward test identity member-3')),
};
type Who = keyof typeof ref;
const core = {} as Record<Who, PrivateIdentity>;
const corePub = {} as Record<Who, PublicIdentity>;
beforeAll(async () => {
  for (const who of Object.keys(ref) as Who[]) {
    core[who] = await importPrivateIdentity(refPrivateIdentityPem(ref[who]));
    corePub[who] = await importPublicIdentity(refPublicIdentityPem(ref[who]));
  }
});

async function coreCode(f: () => Promise<unknown>): Promise<string> {
  try {
    await f();
    return 'ok';
  } catch (e) {
    if (isKeywardError(e)) return e.code;
    throw e;
  }
}
function refCode(f: () => unknown): string {
  try {
    f();
    return 'ok';
  } catch (e) {
    if (e instanceof RefError) return e.code;
    throw e;
  }
}
const u8 = (b: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(b);
const board = (k = 2) => refMakeCouncil('Board — 理事会', k, [ref.m1, ref.m2, ref.m3].map((identity, i) => ({ name: `Member ${i + 1}`, identity })));

describe('council descriptor and ID (v2 §8.1), both ways', () => {
  it('core\'s council has the reference\'s ID, and its text is canonical JSON and a newline', async () => {
    const council = await createCouncil({ name: 'Board — 理事会', threshold: 2, members: (['m1', 'm2', 'm3'] as const).map((w, i) => ({ name: `Member ${i + 1}`, identity: corePub[w] })) });
    const text = serializeCouncil(council);
    expect(text).toBe(`${refCanonical(board())}\n`);
    expect(council.id).toBe(refCouncilId(board()));
    expect(refParseCouncil(text).id).toBe(council.id);
    expect(await councilId(board() as Parameters<typeof councilId>[0])).toBe(council.id);
  });

  it('the reference\'s descriptor reads in core with the same ID and members', async () => {
    const council = await parseCouncil(JSON.stringify(board(3), null, 2));
    expect(council.id).toBe(refCouncilId(board(3)));
    expect(council.identities.map((i) => i.id)).toEqual([ref.m1.id, ref.m2.id, ref.m3.id]);
  });

  /** A member entry whose RSA key has 1024 bits (its id right). */
  const weak = () => {
    const rsa = crypto.createPublicKey(pem('weak-1024.pub.pem')).export({ type: 'spki', format: 'der' });
    const ed = crypto.createPublicKey(seededEd25519('weak')).export({ type: 'spki', format: 'der' });
    return { name: 'Weak', id: refIdentityId(rsa, ed), publicKey: b64u(rsa), signingKey: b64u(ed) };
  };
  const member = () => board().members[0]!;
  it.for([
    ['k > n', () => ({ ...board(), threshold: 4 })],
    ['k = 0', () => ({ ...board(), threshold: 0 })],
    ['k a string', () => ({ ...board(), threshold: '2' })],
    ['no member', () => ({ ...board(), threshold: 1, members: [] })],
    ['17 members (distinct IDs: one RSA key, 17 signing keys)', () => ({
      ...board(1),
      members: Array.from({ length: 17 }, (_, i) => {
        const ed = crypto.createPublicKey(seededEd25519(`m${i}`)).export({ type: 'spki', format: 'der' });
        return { name: `${i}`, id: refIdentityId(ref.m2.rsaSpki, ed), publicKey: b64u(ref.m2.rsaSpki), signingKey: b64u(ed) };
      }),
    })],
    ['a member twice', () => ({ ...board(), members: [member(), board().members[1]!, member()] })],
    ['a member id not its keys\'', () => ({ ...board(), members: [{ ...member(), id: ref.m2.id }, ...board().members.slice(1)] })],
    ['a 1024-bit member', () => ({ ...board(1), members: [weak()] })],
    ['a field not defined', () => ({ ...board(), note: '' })],
    ['a member field not defined', () => ({ ...board(), members: [{ ...member(), email: '' }, ...board().members.slice(1)] })],
    ['another format', () => ({ ...board(), format: 'keyward-council/3' })],
  ] as const)('%s: both MALFORMED', async ([, make]) => {
    const text = JSON.stringify(make());
    expect(refCode(() => refParseCouncil(text)), 'reference').toBe('MALFORMED');
    expect(await coreCode(() => parseCouncil(text)), 'core').toBe('MALFORMED');
  });
});

describe('shares (v2 §8.2), both ways', () => {
  it('core splits, the reference combines any k; the reference splits, core combines any k', async () => {
    for (const [n, k] of [[1, 1], [2, 1], [3, 2], [5, 3], [16, 16]] as const) {
      const key = crypto.randomBytes(32);
      const coreShares = (await splitKey(u8(key), n, k)).map((s) => Buffer.from(s));
      expect(refCombine(coreShares.slice(0, k)).equals(key)).toBe(true);
      expect(refCombine(coreShares.slice(n - k)).equals(key)).toBe(true);
      const refShares = refSplit(key, n, k);
      expect(Buffer.from(await combineShares(refShares.slice(n - k).map(u8))).equals(key)).toBe(true);
      expect(Buffer.from(await combineShares(refShares.map(u8))).equals(key)).toBe(true);
    }
  });

  it('both refuse a short share, a point 0 and two shares with one point with ESCROW_INVALID', async () => {
    const [a, b] = refSplit(crypto.randomBytes(32), 3, 2);
    for (const bad of [[a!.subarray(0, 32), b!], [Buffer.concat([a!.subarray(0, 32), Buffer.from([0])]), b!], [a!, Buffer.from(a!)], []]) {
      expect(refCode(() => refCombine(bad))).toBe('ESCROW_INVALID');
      expect(await coreCode(() => combineShares(bad.map(u8)))).toBe('ESCROW_INVALID');
    }
  });

  it('labels agree, and a share wrapped by one unwraps in the other only under its index', async () => {
    for (const i of [1, 9, 16]) expect(Buffer.from(shareLabel(i)).equals(refShareLabel(i))).toBe(true);
    const share = refSplit(crypto.randomBytes(32), 3, 2)[1]!;
    const byCore = await wrapShare(u8(share), 2, corePub.m2.encryption.publicKey);
    expect(refUnwrapShare(Buffer.from(byCore), 2, ref.m2.rsaPrivate).equals(share)).toBe(true);
    expect(refCode(() => refUnwrapShare(Buffer.from(byCore), 3, ref.m2.rsaPrivate))).toBe('UNWRAP_FAILED');
    const byRef = refWrapShare(share, 3, ref.m3.rsa);
    expect(Buffer.from(await unwrapShare(u8(byRef), 3, core.m3.encryption.privateKey)).equals(share)).toBe(true);
    expect(await coreCode(() => unwrapShare(u8(byRef), 2, core.m3.encryption.privateKey))).toBe('UNWRAP_FAILED');
  });
});
