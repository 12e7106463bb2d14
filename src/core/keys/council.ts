/**
 * Keyward v2 §8.1: the council descriptor (a name, a threshold k and n
 * member identities, 1 ≤ k ≤ n ≤ 16), read strictly, and its council ID,
 * which pins the name, the threshold and every member's keys.
 */
import { type Bytes, b64u, concat, sha256, toHex, utf8 } from '../bytes.ts';
import { b64uField, canonicalJson, exactFields, idField, isPlainObject, stringField } from '../canonical.ts';
import { KeywardError } from '../errors.ts';
import { identityFields, jsonValue, namedIdentity } from '../format/signing.ts';
import { MAX_COUNCIL_MEMBERS } from '../shamir.ts';
import type { PublicIdentity } from './identity.ts';
import { assertStrongKey } from './wrap.ts';

/** §8.1: the descriptor's `format`. */
export const COUNCIL_FORMAT = 'keyward-council/2';

/** A member as the descriptor names it: its name and public identity (b64u SPKIs). */
export interface CouncilMember {
  name: string;
  id: string;
  publicKey: string;
  signingKey: string;
}

/** A council descriptor of §8.1, as its JSON holds it. */
export interface CouncilDescriptor {
  format: typeof COUNCIL_FORMAT;
  name: string;
  threshold: number;
  /** Member i is `members[i − 1]`. */
  members: CouncilMember[];
}

/** A descriptor that was read and checked, with its ID and its members imported. */
export interface Council extends CouncilDescriptor {
  /** Council ID (§8.1). */
  id: string;
  /** `members[i]` imported, in the same order. */
  identities: PublicIdentity[];
}

const malformed = (reason: string) => new KeywardError('MALFORMED', { reason });
/** §8.1: `keyward/v2 council` separates the council ID's hash input from every other. */
const COUNCIL_ID_CONTEXT = utf8('keyward/v2 council');

/** The descriptor's own fields, nothing else (a `Council` carries more). */
function descriptorOf(council: CouncilDescriptor): CouncilDescriptor {
  return {
    format: COUNCIL_FORMAT,
    name: council.name,
    threshold: council.threshold,
    members: council.members.map(({ name, id, publicKey, signingKey }) => ({ name, id, publicKey, signingKey })),
  };
}

/**
 * §8.1: `"SHA256:"` and the hex of `SHA-256(utf8("keyward/v2 council") || 0x00 || canonical(descriptor))`.
 *
 * @throws KeywardError `MALFORMED` (a descriptor canonical JSON cannot hold)
 */
export async function councilId(descriptor: CouncilDescriptor): Promise<string> {
  const body: Bytes = utf8(canonicalJson(descriptorOf(descriptor)));
  return `SHA256:${toHex(await sha256(concat(COUNCIL_ID_CONTEXT, new Uint8Array([0]), body)))}`;
}

/** What a writer writes (§8.1): `canonical(descriptor)` and one `\n` (no ID: the ID is computed). */
export function serializeCouncil(council: CouncilDescriptor): string {
  return `${canonicalJson(descriptorOf(council))}\n`;
}

/**
 * Reads a council descriptor strictly (§8.1): the four fields and no other,
 * 1 ≤ n ≤ 16 members each named by the identity ID of its keys (RSA of 2048
 * bits or more), no identity twice, and an integer threshold 1 ≤ k ≤ n.
 *
 * @param input - the descriptor's JSON text (a key twice is refused), or an already parsed value
 * @throws KeywardError `MALFORMED`
 */
export async function parseCouncil(input: unknown): Promise<Council> {
  const value = jsonValue(input, 'the council');
  if (!isPlainObject(value)) throw malformed('the council must be a JSON object');
  if (value.format !== COUNCIL_FORMAT) throw malformed(`format must be ${COUNCIL_FORMAT}`);
  const fields = exactFields(value, 'the council', ['format', 'name', 'threshold', 'members']);
  const name = stringField(fields.name, 'name');
  const { members, threshold } = fields;
  if (!Array.isArray(members)) throw malformed('members must be an array');
  if (members.length < 1 || members.length > MAX_COUNCIL_MEMBERS) throw malformed(`a council has 1 to ${MAX_COUNCIL_MEMBERS} members, not ${members.length}`);
  if (typeof threshold !== 'number' || !Number.isSafeInteger(threshold) || threshold < 1 || threshold > members.length) {
    throw malformed(`threshold must be an integer from 1 to the number of members (${members.length})`);
  }
  const read: CouncilMember[] = [];
  const identities: PublicIdentity[] = [];
  for (const [i, raw] of members.entries()) {
    const where = `members[${i}]`;
    const member = identityFields(raw, where, ['name']);
    const fieldsRead: CouncilMember = {
      name: stringField(member.name, `${where}.name`),
      id: idField(member.id, `${where}.id`),
      publicKey: stringField(member.publicKey, `${where}.publicKey`),
      signingKey: stringField(member.signingKey, `${where}.signingKey`),
    };
    b64uField(fieldsRead.publicKey, `${where}.publicKey`);
    b64uField(fieldsRead.signingKey, `${where}.signingKey`, 44);
    // The identity ID of its keys; a key under 2048 bits cannot be used (namedIdentity says so as MALFORMED).
    const identity = await namedIdentity(fieldsRead, where);
    if (read.some((m) => m.id === fieldsRead.id)) throw malformed(`${where} is a member already: no identity is in a council twice`);
    // Nor one key under two identities: whoever holds an RSA key unwraps every share wrapped for it, and
    // whoever holds a signing key signs for every place it stands in (both would lower the threshold).
    if (read.some((m) => m.publicKey === fieldsRead.publicKey)) throw malformed(`${where} has the RSA key of an earlier member: no key is in a council twice`);
    if (read.some((m) => m.signingKey === fieldsRead.signingKey)) throw malformed(`${where} has the signing key of an earlier member: no key is in a council twice`);
    read.push(fieldsRead);
    identities.push(identity);
  }
  const descriptor: CouncilDescriptor = { format: COUNCIL_FORMAT, name, threshold, members: read };
  return { ...descriptor, id: await councilId(descriptor), identities };
}

/**
 * A new council of `members` (member i is `members[i − 1]`) and threshold k.
 *
 * @throws KeywardError `KEY_TOO_WEAK` (a member's RSA key under 2048 bits), `MALFORMED` (k or n out of range, a member twice)
 */
export async function createCouncil(options: { name: string; threshold: number; members: readonly { name: string; identity: PublicIdentity }[] }): Promise<Council> {
  for (const { identity } of options.members) assertStrongKey(identity.encryption.publicKey);
  return parseCouncil({
    format: COUNCIL_FORMAT,
    name: options.name,
    threshold: options.threshold,
    members: options.members.map(({ name, identity }) => ({ name, id: identity.id, publicKey: b64u(identity.rsaSpki), signingKey: b64u(identity.ed25519Spki) })),
  });
}

/** A cheap look at a text: JSON whose `format` is `keyward-council/2` (nothing else is checked). */
export function isCouncilText(text: string): boolean {
  if (!text.trimStart().startsWith('{')) return false;
  try {
    const value: unknown = JSON.parse(text);
    return isPlainObject(value) && value.format === COUNCIL_FORMAT;
  } catch {
    return false;
  }
}

/** Where `identity` sits in the council: 1 … n, or 0 when it is not a member. */
export function memberIndexOf(council: Council, identity: Pick<PublicIdentity, 'id'>): number {
  return council.members.findIndex((m) => m.id === identity.id) + 1;
}
