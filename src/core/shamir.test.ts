/** v2 §8.2: splitting the file key into shares, combining them, and wrapping each for its member under its own label. */
import { combine, split } from 'shamir-secret-sharing';
import { equalBytes, randomBytes, toHex, utf8 } from './bytes.ts';
import { OAEP_LABEL } from './keys/constants.ts';
import type { PrivateKeyInfo } from './keys/types.ts';
import { unwrapFileKey, wrapFileKey } from './keys/wrap.ts';
import { SHARE_LENGTH, combineShares, shareLabel, splitKey, unwrapShare, wrapShare } from './shamir.ts';
import { expectCode, expectSameBytes, makeKeyPair } from './test-support.ts';

/** Every k-subset of 0 … n−1 (for small n). */
function subsets(n: number, k: number): number[][] {
  if (k === 0) return [[]];
  if (n < k) return [];
  return [...subsets(n - 1, k - 1).map((s) => [...s, n - 1]), ...subsets(n - 1, k)];
}

/** `count` random k-subsets of 0 … n−1. */
function randomSubsets(n: number, k: number, count: number): number[][] {
  return Array.from({ length: count }, () => {
    const order = [...Array(n).keys()];
    const random = globalThis.crypto.getRandomValues(new Uint32Array(n));
    order.sort((a, b) => random[a]! - random[b]!);
    return order.slice(0, k);
  });
}

const PAIRS: [number, number][] = [];
for (let n = 1; n <= 16; n++) for (let k = 1; k <= n; k++) PAIRS.push([n, k]);

describe('splitKey and combineShares (§8.2)', () => {
  it('splits into n shares of 33 bytes with distinct nonzero points, and all n combine, for every 1 <= k <= n <= 16', async () => {
    for (const [n, k] of PAIRS) {
      const key = randomBytes(32);
      const shares = await splitKey(key, n, k);
      expect(shares).toHaveLength(n);
      for (const share of shares) expect(share).toHaveLength(SHARE_LENGTH);
      const points = shares.map((s) => s[32]!);
      expect(points.includes(0)).toBe(false);
      expect(new Set(points).size).toBe(n);
      expectSameBytes(await combineShares(shares), key);
    }
  });

  it('any k of the n shares combine to the key (every subset for n <= 8, forty random ones above)', async () => {
    for (const [n, k] of PAIRS) {
      const key = randomBytes(32);
      const shares = await splitKey(key, n, k);
      const chosen = n <= 8 ? subsets(n, k) : randomSubsets(n, k, 40);
      for (const subset of chosen) {
        const combined = await combineShares(subset.map((i) => shares[i]!));
        if (!equalBytes(combined, key)) throw new Error(`(n ${n}, k ${k}) shares ${subset.join(',')} do not give the key`);
      }
    }
  });

  it('k - 1 shares do not give the key (every subset for n <= 8, forty random ones above)', async () => {
    for (const [n, k] of PAIRS) {
      if (k === 1) continue;
      const key = randomBytes(32);
      const shares = await splitKey(key, n, k);
      const chosen = n <= 8 ? subsets(n, k - 1) : randomSubsets(n, k - 1, 40);
      for (const subset of chosen) {
        const combined = await combineShares(subset.map((i) => shares[i]!));
        if (equalBytes(combined, key)) throw new Error(`(n ${n}, k ${k}) ${k - 1} shares ${subset.join(',')} give the key`);
      }
    }
  });

  it('k = 1: every share is the key and its point', async () => {
    const key = randomBytes(32);
    for (const share of await splitKey(key, 5, 1)) expectSameBytes(share.subarray(0, 32), key);
    expectSameBytes((await splitKey(key, 1, 1))[0]!.subarray(0, 32), key);
  });

  it('shares the package made combine here, and shares made here combine in the package (one layout)', async () => {
    const key = randomBytes(32);
    expectSameBytes(await combineShares((await split(key, 5, 3)).slice(1, 4)), key);
    expectSameBytes(await combine((await splitKey(key, 5, 3)).slice(0, 3)), key);
    expectSameBytes(await combine((await splitKey(key, 3, 1)).slice(0, 2)), key);
  });

  it('refuses no share, a share not 33 bytes, a point 0 and two shares with one point (ESCROW_INVALID)', async () => {
    const shares = await splitKey(randomBytes(32), 4, 2);
    await expectCode(combineShares([]), 'ESCROW_INVALID');
    await expectCode(combineShares([shares[0]!, shares[1]!.subarray(0, 32)]), 'ESCROW_INVALID', /33 bytes/);
    await expectCode(combineShares([shares[0]!, new Uint8Array([...shares[1]!, 7])]), 'ESCROW_INVALID', /33 bytes/);
    await expectCode(combineShares([shares[0]!.subarray(0, 32)]), 'ESCROW_INVALID', /33 bytes/);
    const zero = shares[1]!.slice();
    zero[32] = 0;
    await expectCode(combineShares([shares[0]!, zero]), 'ESCROW_INVALID', /point 0/);
    await expectCode(combineShares([zero]), 'ESCROW_INVALID', /point 0/);
    const twin = shares[1]!.slice();
    twin[32] = shares[0]![32]!;
    await expectCode(combineShares([shares[0]!, twin]), 'ESCROW_INVALID', /one point/);
    await expectCode(combineShares([shares[0]!, shares[0]!]), 'ESCROW_INVALID', /one point/);
  });

  it('refuses k or n out of range (a programming error)', async () => {
    const key = randomBytes(32);
    for (const [n, k] of [[0, 0], [3, 0], [2, 3], [17, 2], [17, 17], [3, 1.5]] as const) {
      await expect(splitKey(key, n, k)).rejects.toThrow(RangeError);
    }
  });
});

describe('wrapShare and unwrapShare (§8.2)', () => {
  let member: PrivateKeyInfo;
  let other: PrivateKeyInfo;
  beforeAll(async () => {
    [member, other] = await Promise.all([makeKeyPair(), makeKeyPair()]);
  });

  it('the label of member i is utf8("keyward/v2 share " || i)', () => {
    expect(toHex(shareLabel(1))).toBe('6b6579776172642f76322073686172652031');
    expect(shareLabel(16)).toEqual(utf8('keyward/v2 share 16'));
    expect(() => shareLabel(0)).toThrow(RangeError);
    expect(() => shareLabel(17)).toThrow(RangeError);
  });

  it('a share wrapped for member i unwraps for member i with its key', async () => {
    const [share] = await splitKey(randomBytes(32), 3, 2);
    expectSameBytes(await unwrapShare(await wrapShare(share!, 2, member.publicKey), 2, member.privateKey), share!);
  });

  it('a share wrapped for label i does not unwrap under label j, with another key, nor as a file key (UNWRAP_FAILED)', async () => {
    const [share] = await splitKey(randomBytes(32), 3, 2);
    const wrapped = await wrapShare(share!, 1, member.publicKey);
    await expectCode(unwrapShare(wrapped, 2, member.privateKey), 'UNWRAP_FAILED');
    await expectCode(unwrapShare(wrapped, 1, other.privateKey), 'UNWRAP_FAILED');
    await expectCode(unwrapFileKey(wrapped, member.privateKey), 'UNWRAP_FAILED');
    // Nor is a file key, wrapped under the v1 label, taken for a share.
    await expectCode(unwrapShare(await wrapFileKey(randomBytes(32), member.publicKey), 1, member.privateKey), 'UNWRAP_FAILED');
  });

  it('refuses what unwraps under the label but is not a share: 32 or 34 bytes, or a point 0 (UNWRAP_FAILED)', async () => {
    const under = async (bytes: Uint8Array<ArrayBuffer>, label: Uint8Array<ArrayBuffer>) =>
      new Uint8Array(await globalThis.crypto.subtle.encrypt({ name: 'RSA-OAEP', label }, member.publicKey, bytes));
    await expectCode(unwrapShare(await under(randomBytes(32), shareLabel(1)), 1, member.privateKey), 'UNWRAP_FAILED', /33 bytes/);
    await expectCode(unwrapShare(await under(randomBytes(34), shareLabel(1)), 1, member.privateKey), 'UNWRAP_FAILED', /33 bytes/);
    const zero = randomBytes(33);
    zero[32] = 0;
    await expectCode(unwrapShare(await under(zero, shareLabel(1)), 1, member.privateKey), 'UNWRAP_FAILED', /nonzero point/);
    // The v1 label with 33 bytes is still not a share.
    await expectCode(unwrapShare(await under(randomBytes(33), OAEP_LABEL), 1, member.privateKey), 'UNWRAP_FAILED');
  });
});
