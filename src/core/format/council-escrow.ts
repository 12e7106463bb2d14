/**
 * Keyward v2 §8.3: the escrow blob for a council. The file key is split
 * into n shares (§8.2), share i wrapped for member i; a member checks the
 * owner's signature and its own share at intake, and k or more members
 * together prove that every quorum of them recovers the key that opens the
 * file's header.
 */
import { type Bytes, b64u, fromB64u } from '../bytes.ts';
import { KeywardError, isKeywardError } from '../errors.ts';
import { type Council, memberIndexOf } from '../keys/council.ts';
import type { PrivateIdentity, PublicIdentity } from '../keys/identity.ts';
import { combineShares, splitKey, unwrapShare, wrapShare } from '../shamir.ts';
import { type CheckedEscrow, type EscrowBlobV2, type SignedEscrow, checkEscrowBlob, checkKeyOpensPrefix, checkSignedEscrow, parseEscrowBlobV2 } from './escrow-v2.ts';
import type { ParsedHeader } from './header.ts';
import type { FileMeta } from './meta.ts';

/** What a member may be told to expect (§4 check 4, §8.3 check 7). */
export interface MemberCheckOptions {
  /** The identity ID the blob must come from. */
  expectOwner?: string;
  /** The council ID the blob must be for. */
  expectCouncil?: string;
}

/** A council blob one member's check (§8.3 checks 1–8) passed. */
export interface MemberCheck {
  blob: EscrowBlobV2;
  /** The owner, whose identity ID signed the blob and the file. */
  owner: PublicIdentity;
  /** The council the blob is for, read from its `authority`. */
  council: Council;
  /** The checker's place in the council (1 … n). */
  index: number;
  /** The file's prefix, parsed. */
  parsed: ParsedHeader;
  /** Only when k = 1: the file's metadata, opened with the member's share alone (§4 check 8). */
  meta?: FileMeta;
  /**
   * True when k = 1: the check proved that the blob opens the file. For
   * k > 1 it proved only that the owner signed the blob for this file and
   * that this member's share unwraps; only a drill proves the shares combine.
   */
  provesKey: boolean;
}

/** The authority fields of a council's blob (§8.3): the descriptor's, which its council ID covers. */
export function councilAuthority(council: Council): EscrowBlobV2['authority'] {
  return { kind: 'council', name: council.name, id: council.id, threshold: council.threshold, members: council.members.map((m) => ({ ...m })) };
}

/**
 * Splits a file key for a council and wraps share i for member i (§8.2).
 *
 * @returns the blob's `shares`
 * @throws KeywardError `KEY_TOO_WEAK`
 */
export async function wrapSharesFor(council: Council, fileKey: Bytes): Promise<string[]> {
  const shares = await splitKey(fileKey, council.members.length, council.threshold);
  try {
    return await Promise.all(shares.map(async (share, i) => b64u(await wrapShare(share, i + 1, council.identities[i]!.encryption.publicKey))));
  } finally {
    for (const share of shares) share.fill(0);
  }
}

/** A council's blob whose checks 1–6 passed. */
type SignedCouncilEscrow = SignedEscrow & { council: Council };

/** §8.3: the blob is a council's; an identity's blob names its identity (`NO_MATCHING_KEY`). */
function councilOf(signed: SignedEscrow): SignedCouncilEscrow {
  const { authority } = signed.blob;
  if (authority.kind !== 'council' || !signed.council) {
    throw new KeywardError('NO_MATCHING_KEY', { keyIds: [authority.kind === 'identity' ? authority.keyId : authority.id], reason: `the escrow blob is for the identity ${authority.id}, not a council` });
  }
  return signed as SignedCouncilEscrow;
}

/** §8.3 check 7, second part: where `member` sits in the council, its identity ID and RSA key ID both. */
function indexOfMember(council: Council, member: PublicIdentity): number {
  const index = memberIndexOf(council, member);
  if (index === 0 || council.identities[index - 1]!.encryption.keyId !== member.encryption.keyId) {
    throw new KeywardError('NO_MATCHING_KEY', { keyIds: [council.id], reason: `${member.id} is not a member of the council ${JSON.stringify(council.name)} (${council.id})` });
  }
  return index;
}

/**
 * §8.3 check 8, first part: member `index`'s share unwraps with its key, is
 * 33 bytes and its point is not 0. The caller zeroes it.
 *
 * @throws KeywardError `ESCROW_INVALID` (`KEY_TOO_WEAK` for the member's own key)
 */
async function memberShare(blob: EscrowBlobV2, index: number, member: PrivateIdentity): Promise<Bytes> {
  try {
    return await unwrapShare(fromB64u(blob.shares![index - 1]!, `shares[${index - 1}]`), index, member.encryption.privateKey);
  } catch (cause) {
    if (isKeywardError(cause) && cause.code === 'KEY_TOO_WEAK') throw cause;
    throw new KeywardError('ESCROW_INVALID', { reason: `member ${index}'s share does not unwrap with its key${isKeywardError(cause) ? ` (${cause.code})` : ''}` }, { cause });
  }
}

/**
 * §8.3 checks 1–8, and the member's share (the caller zeroes it).
 *
 * @throws as `checkEscrowAsMember`
 */
export async function checkAsMember(input: EscrowBlobV2, member: PrivateIdentity, options: MemberCheckOptions = {}): Promise<MemberCheck & { share: Bytes }> {
  // 1.–6. as §4, with §8.1's rules for the authority.
  const signed = councilOf(await checkSignedEscrow(input, options.expectOwner));
  const { blob, council } = signed;
  // 7. the council the checker expects, and the checker is one of its members.
  if (options.expectCouncil !== undefined && council.id !== options.expectCouncil) {
    throw new KeywardError('SIGNER_UNTRUSTED', { reason: `the escrow blob is for the council ${council.id}, not the one expected` });
  }
  const index = indexOfMember(council, member);
  // 8. the member's own share; for k = 1 it is the key, and §4 check 8 as written.
  const share = await memberShare(blob, index, member);
  const result: MemberCheck & { share: Bytes } = { blob, owner: signed.owner, council, index, parsed: signed.parsed, provesKey: council.threshold === 1, share };
  if (council.threshold === 1) {
    const fileKey = await combineShares([share]);
    try {
      result.meta = await checkKeyOpensPrefix(fileKey, signed.parsed);
    } catch (error) {
      share.fill(0);
      throw error;
    } finally {
      fileKey.fill(0);
    }
  }
  return result;
}

/**
 * A council member's intake check of an escrow blob (§8.3 checks 1–8, in
 * order; the first failure is the blob's result). With k > 1 it proves that
 * the owner signed the blob for this file and that this member's share
 * unwraps, not that the shares combine (`provesKey` is false): only a drill does.
 *
 * @param member - the checker's identity (its RSA private key unwraps its share)
 * @throws KeywardError `MALFORMED`, `SIGNATURE_INVALID`, `SIGNER_UNTRUSTED`, `ESCROW_INVALID`,
 *   `NO_MATCHING_KEY` (not a member, or an identity's blob), `KEY_TOO_WEAK`
 */
export async function checkEscrowAsMember(blob: EscrowBlobV2, member: PrivateIdentity, options: MemberCheckOptions = {}): Promise<MemberCheck> {
  const { share, ...checked } = await checkAsMember(blob, member, options);
  share.fill(0);
  return checked;
}

/**
 * The intake check for whichever blob comes: an identity's (§4, with the
 * checker as the authority) or a council's (§8.3, with the checker as a
 * member). `expectCouncil` applies to a council's blob only.
 *
 * @throws as `checkEscrowBlob` and `checkEscrowAsMember`
 */
export async function checkAnyEscrow(blob: EscrowBlobV2, key: PrivateIdentity, options: MemberCheckOptions = {}): Promise<CheckedEscrow | MemberCheck> {
  const parsed = parseEscrowBlobV2(blob);
  if (parsed.authority.kind === 'council') return checkEscrowAsMember(parsed, key, options);
  return checkEscrowBlob(parsed, key, options.expectOwner === undefined ? {} : { expectOwner: options.expectOwner });
}

/** Every k-subset of `items`, in order. */
function* subsetsOf<T>(items: readonly T[], k: number, from = 0): Generator<T[]> {
  if (k === 0) {
    yield [];
    return;
  }
  for (let i = from; i <= items.length - k; i++) {
    for (const rest of subsetsOf(items, k - 1, i + 1)) yield [items[i]!, ...rest];
  }
}

/** A blob k or more members opened together, with its file key (the caller zeroes it). */
export interface OpenedByMembers extends CheckedEscrow {
  fileKey: Bytes;
  council: Council;
  /** The indices of the distinct members present, increasing. */
  present: number[];
}

/**
 * §8.3, "with k or more member keys together" (a ceremony or a drill):
 * checks 1–6; every key is a member's; at least k distinct members; every
 * present member's share unwraps; every k-subset of the present shares
 * combines to one key, and that key passes §4 check 8. With all n members
 * present this proves that every quorum of the council recovers the file.
 *
 * @param members - the members' private identities (one member given twice counts once)
 * @param options - the owner and council to expect, as for `checkEscrowAsMember`
 * @throws KeywardError `MALFORMED`, `SIGNATURE_INVALID`, `SIGNER_UNTRUSTED`, `ESCROW_INVALID`,
 *   `NO_MATCHING_KEY` (a key that is not a member's, naming the council), `QUORUM_NOT_MET`, `KEY_TOO_WEAK`
 */
export async function openWithMembers(input: EscrowBlobV2, members: readonly PrivateIdentity[], options: MemberCheckOptions = {}): Promise<OpenedByMembers> {
  const signed = councilOf(await checkSignedEscrow(input, options.expectOwner));
  const { blob, council } = signed;
  if (options.expectCouncil !== undefined && council.id !== options.expectCouncil) {
    throw new KeywardError('SIGNER_UNTRUSTED', { reason: `the escrow blob is for the council ${council.id}, not the one expected` });
  }
  const byIndex = new Map<number, PrivateIdentity>();
  for (const member of members) byIndex.set(indexOfMember(council, member), member);
  if (byIndex.size < council.threshold) {
    throw new KeywardError('QUORUM_NOT_MET', { reason: `${byIndex.size} of the ${council.threshold} members the council needs` });
  }
  const present = [...byIndex.keys()].sort((a, b) => a - b);
  const shares: Bytes[] = [];
  let fileKey: Bytes | null = null;
  try {
    for (const index of present) shares.push(await memberShare(blob, index, byIndex.get(index)!));
    for (const subset of subsetsOf(shares, council.threshold)) {
      const combined = await combineShares(subset);
      if (!fileKey) {
        fileKey = combined;
        continue;
      }
      const same = combined.every((byte, i) => byte === fileKey![i]);
      combined.fill(0);
      if (!same) throw new KeywardError('ESCROW_INVALID', { reason: 'two quorums of the members present combine to different keys' });
    }
    const meta = await checkKeyOpensPrefix(fileKey!, signed.parsed);
    return { blob, owner: signed.owner, parsed: signed.parsed, meta, fileKey: fileKey!, council, present };
  } catch (error) {
    fileKey?.fill(0);
    throw error;
  } finally {
    for (const share of shares) share.fill(0);
  }
}
