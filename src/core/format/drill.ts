/**
 * Keyward v2 §8.5: a council's recovery drill. k or more members prove, on a
 * sample of escrow blobs, that their shares combine to a key that opens each
 * file's header, without the files and without decrypting any payload; the
 * result is a report every member who took part signs.
 */
import { type Bytes, b64u, fromB64u, fromUtf8, sha256, utf8 } from '../bytes.ts';
import { b64uField, canonicalJson, exactFields, idField, isPlainObject, stringField, timeField } from '../canonical.ts';
import { KeywardError, isErrorCode, isKeywardError } from '../errors.ts';
import { type Council, memberIndexOf, parseCouncil } from '../keys/council.ts';
import { type PrivateIdentity, signAs, verifySignature } from '../keys/identity.ts';
import { FILE_ID_LENGTH, SIGNATURE_LENGTH } from './constants.ts';
import { openWithMembers } from './council-escrow.ts';
import { parseEscrowBlobV2 } from './escrow-v2.ts';
import { isSerial } from './serial.ts';
import { jsonValue } from './signing.ts';

export const DRILL_FORMAT = 'keyward-drill/2';

/** What the drill found for one blob. */
export interface DrillResult {
  /** `b64u(SHA-256(the blob's bytes as read))`. */
  blob: string;
  /** The blob's `fileId`, or `""` for a blob that does not parse. */
  fileId: string;
  /** The blob's `serial`, or `""` for a blob that does not parse. */
  serial: string;
  /** `"GOOD"`, or the code of the first check that failed. */
  result: string;
}

/** A drill report of v2 §8.5. */
export interface DrillReport {
  format: typeof DRILL_FORMAT;
  council: { name: string; id: string; threshold: number };
  createdAt: string;
  /** The members who took part, by increasing index. */
  members: { index: number; id: string }[];
  results: DrillResult[];
  /** One per member in `members`, in the same order (context `keyward/v2 drill`). */
  signatures: { id: string; signature: string }[];
}

const malformed = (reason: string) => new KeywardError('MALFORMED', { reason });
const FIELDS = ['format', 'council', 'createdAt', 'members', 'results', 'signatures'];
const MAX_MEMBERS = 16;

function arrayField(value: unknown, where: string): unknown[] {
  if (!Array.isArray(value)) throw malformed(`${where} must be an array`);
  return value;
}

function intField(value: unknown, where: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw malformed(`${where} must be an integer from ${min} to ${max}`);
  return value;
}

/**
 * Reads a drill report strictly (§1: every field of §8.5 and no other, a
 * duplicate key refused).
 *
 * @param input - the report's JSON text, or an already parsed value
 * @throws KeywardError `MALFORMED`
 */
export function parseDrillReport(input: unknown): DrillReport {
  const value = jsonValue(input, 'the drill report');
  if (!isPlainObject(value)) throw malformed('the drill report must be a JSON object');
  if (value.format !== DRILL_FORMAT) throw malformed(`format must be ${DRILL_FORMAT}`);
  const report = exactFields(value, 'the drill report', FIELDS);
  const council = exactFields(report.council, 'council', ['name', 'id', 'threshold']);
  const members = arrayField(report.members, 'members').map((entry, i) => {
    const member = exactFields(entry, `members[${i}]`, ['index', 'id']);
    return { index: intField(member.index, `members[${i}].index`, 1, MAX_MEMBERS), id: idField(member.id, `members[${i}].id`) };
  });
  if (members.length === 0) throw malformed('members must name at least one member');
  members.forEach((member, i) => {
    if (i > 0 && member.index <= members[i - 1]!.index) throw malformed('members must be listed by increasing index, each once');
  });
  const results = arrayField(report.results, 'results').map((entry, i) => {
    const result = exactFields(entry, `results[${i}]`, ['blob', 'fileId', 'serial', 'result']);
    b64uField(result.blob, `results[${i}].blob`, 32);
    const fileId = stringField(result.fileId, `results[${i}].fileId`);
    if (fileId !== '') b64uField(fileId, `results[${i}].fileId`, FILE_ID_LENGTH);
    const serial = stringField(result.serial, `results[${i}].serial`);
    if (serial !== '' && !isSerial(serial)) throw malformed(`results[${i}].serial must look like KW-XXXX-XXXX-XXXX-XXXX`);
    const code = stringField(result.result, `results[${i}].result`);
    if (code !== 'GOOD' && !isErrorCode(code)) throw malformed(`results[${i}].result must be GOOD or an error code`);
    return { blob: result.blob as string, fileId, serial, result: code };
  });
  const signatures = arrayField(report.signatures, 'signatures').map((entry, i) => {
    const signature = exactFields(entry, `signatures[${i}]`, ['id', 'signature']);
    b64uField(signature.signature, `signatures[${i}].signature`, SIGNATURE_LENGTH);
    return { id: idField(signature.id, `signatures[${i}].id`), signature: signature.signature as string };
  });
  return {
    format: DRILL_FORMAT,
    council: {
      name: stringField(council.name, 'council.name'),
      id: idField(council.id, 'council.id'),
      threshold: intField(council.threshold, 'council.threshold', 1, MAX_MEMBERS),
    },
    createdAt: timeField(report.createdAt, 'createdAt'),
    members,
    results,
    signatures,
  };
}

/** `canonical(report without "signatures")`, what every member signs. */
function drillBody(report: Omit<DrillReport, 'signatures'> & { signatures?: unknown }): Bytes {
  const rest: Record<string, unknown> = { ...report };
  delete rest.signatures;
  return utf8(canonicalJson(rest));
}

/** True when every blob of the drill is GOOD. */
export function drillPassed(report: DrillReport): boolean {
  return report.results.length > 0 && report.results.every((entry) => entry.result === 'GOOD');
}

/** The council a drill is about: the first council blob's of which every key given is a member. */
async function councilOfDrill(texts: readonly (string | null)[], members: readonly PrivateIdentity[]): Promise<Council> {
  for (const text of texts) {
    if (text === null) continue;
    try {
      const blob = parseEscrowBlobV2(text);
      if (blob.authority.kind !== 'council') continue;
      const { name, threshold, members: descriptors } = blob.authority;
      const council = await parseCouncil({ format: 'keyward-council/2', name, threshold, members: descriptors });
      if (members.every((member) => memberIndexOf(council, member) !== 0)) return council;
    } catch (error) {
      if (!isKeywardError(error)) throw error;
    }
  }
  throw new KeywardError('NO_MATCHING_KEY', { reason: 'no blob given is for a council all these keys are members of' });
}

/** One blob's line of the report: its digest, what it names, and GOOD or the first failure's code. */
async function drillOne(bytes: Bytes, text: string | null, council: Council, members: readonly PrivateIdentity[]): Promise<DrillResult> {
  const entry: DrillResult = { blob: b64u(await sha256(bytes)), fileId: '', serial: '', result: 'GOOD' };
  try {
    if (text === null) throw malformed('the blob is not UTF-8 text');
    const blob = parseEscrowBlobV2(text);
    entry.fileId = blob.fileId;
    entry.serial = blob.serial;
    if (blob.authority.kind !== 'council' || blob.authority.id !== council.id) {
      throw new KeywardError('NO_MATCHING_KEY', { reason: `the blob is not for the council ${council.id}` });
    }
    const opened = await openWithMembers(blob, members);
    opened.fileKey.fill(0);
  } catch (error) {
    if (!isKeywardError(error)) throw error;
    entry.result = error.code;
  }
  return entry;
}

function textOf(bytes: Bytes): string | null {
  try {
    return fromUtf8(bytes, 'the blob');
  } catch {
    return null;
  }
}

/**
 * Runs a drill (§8.5): each blob is checked with every member key present
 * together (§8.3, "with k or more member keys together"); no payload is
 * read. The report is signed by every member present.
 *
 * @param blobs - the escrow blobs' bytes, as read, in the order to report them
 * @param members - the members' private identities (distinct members of one council)
 * @param options - `council`: the council to drill (default: that of the first council blob every key is a member of); `now`: `createdAt`
 * @throws KeywardError `NO_MATCHING_KEY` (a key that is not a member, or no council to drill),
 *   `QUORUM_NOT_MET` (fewer than k distinct members); a blob's own failure is its result, not thrown
 */
export async function runDrill(blobs: readonly { bytes: Bytes }[], members: readonly PrivateIdentity[], options: { council?: Council; now?: Date } = {}): Promise<DrillReport> {
  const texts = blobs.map((blob) => textOf(blob.bytes));
  const council = options.council ?? (await councilOfDrill(texts, members));
  const present = new Map<number, PrivateIdentity>();
  for (const member of members) {
    const index = memberIndexOf(council, member);
    if (index === 0) throw new KeywardError('NO_MATCHING_KEY', { reason: `the identity ${member.id} is not a member of the council ${council.id}` });
    present.set(index, member);
  }
  if (present.size < council.threshold) {
    throw new KeywardError('QUORUM_NOT_MET', { reason: `${present.size} of the ${council.threshold} members needed are present` });
  }
  const ordered = [...present.entries()].sort(([a], [b]) => a - b);
  const keys = ordered.map(([, identity]) => identity);
  const results: DrillResult[] = [];
  for (const [i, blob] of blobs.entries()) results.push(await drillOne(blob.bytes, texts[i] ?? null, council, keys));
  const unsigned = {
    format: DRILL_FORMAT,
    council: { name: council.name, id: council.id, threshold: council.threshold },
    createdAt: (options.now ?? new Date()).toISOString(),
    members: ordered.map(([index, identity]) => ({ index, id: identity.id })),
    results,
  } satisfies Omit<DrillReport, 'signatures'>;
  const body = drillBody(unsigned);
  const signatures = [];
  for (const identity of keys) signatures.push({ id: identity.id, signature: b64u(await signAs(identity, 'keyward/v2 drill', body)) });
  return parseDrillReport({ ...unsigned, signatures });
}

/**
 * Checks a drill report against the council's descriptor (§8.5), in order.
 * It says who ran the drill and what they found; `drillPassed` says whether
 * every blob was good.
 *
 * @throws KeywardError `MALFORMED`, `SIGNER_UNTRUSTED`, `QUORUM_NOT_MET`, `SIGNATURE_INVALID`
 */
export async function verifyDrillReport(input: DrillReport, council: Council): Promise<void> {
  const report = parseDrillReport(input);
  if (report.council.id !== council.id || report.council.name !== council.name || report.council.threshold !== council.threshold) {
    throw new KeywardError('SIGNER_UNTRUSTED', { reason: `the report is for the council ${report.council.id}` });
  }
  for (const member of report.members) {
    if (council.members[member.index - 1]?.id !== member.id) {
      throw new KeywardError('SIGNER_UNTRUSTED', { reason: `${member.id} is not member ${member.index} of the council` });
    }
  }
  if (report.members.length < council.threshold) {
    throw new KeywardError('QUORUM_NOT_MET', { reason: `the report is signed by ${report.members.length} of the ${council.threshold} members needed` });
  }
  if (report.signatures.length !== report.members.length || report.signatures.some((entry, i) => entry.id !== report.members[i]?.id)) {
    throw new KeywardError('SIGNATURE_INVALID', { reason: 'the report\'s signatures do not name its members, in order' });
  }
  const body = drillBody(report);
  for (const [i, member] of report.members.entries()) {
    // The member check above makes both lookups defined.
    const identity = council.identities[member.index - 1]!;
    const ok = await verifySignature(identity.signingKey, 'keyward/v2 drill', body, fromB64u(report.signatures[i]!.signature, 'signature'));
    if (!ok) throw new KeywardError('SIGNATURE_INVALID', { reason: `${member.id}'s signature on the report does not verify` });
  }
}
