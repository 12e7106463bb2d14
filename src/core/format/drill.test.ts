/** v2 §8.5: a council's drill, its signed report and the report's checks. */
import { b64u, randomBytes, utf8 } from '../bytes.ts';
import { encryptSource } from '../encrypt-file.ts';
import { type Council, createCouncil } from '../keys/council.ts';
import type { PrivateIdentity } from '../keys/identity.ts';
import { bytesSource } from '../pieces.ts';
import { splitKey, wrapShare } from '../shamir.ts';
import { collectBytes } from '../streams.ts';
import { expectCode, makeIdentity, patternBytes } from '../test-support.ts';
import { type DrillReport, drillPassed, parseDrillReport, runDrill, verifyDrillReport } from './drill.ts';
import { openWithMembers } from './council-escrow.ts';
import { type EscrowBlobV2, signEscrowBlob } from './escrow-v2.ts';
import { parseSignedObject, serializeSigned } from './signed-object.ts';
import { withoutSignature } from './signing.ts';

let owner: PrivateIdentity;
let members: [PrivateIdentity, PrivateIdentity, PrivateIdentity];
let stranger: PrivateIdentity;
let council: Council;
let otherCouncil: Council;
/** The same name, threshold and members as `council`, the members named otherwise: another council ID. */
let renamed: Council;
let good: [EscrowBlobV2, EscrowBlobV2];
let forOther: EscrowBlobV2;

async function escrowedTo(to: Council, plain: Uint8Array): Promise<EscrowBlobV2> {
  const encrypted = await encryptSource(bytesSource(plain), {
    meta: { name: 'ledger.xlsx', type: '', size: plain.length, lastModified: 1_764_000_000_000 },
    owner: owner.encryption,
    authority: to,
    signer: owner,
    ownerName: 'Ada',
    description: 'ledger',
    chunkSize: 65536,
  });
  await collectBytes(encrypted.stream);
  return (await encrypted.done).escrowBlob as EscrowBlobV2;
}

const bytesOf = (blob: EscrowBlobV2) => ({ bytes: utf8(serializeSigned(blob)) });

/** The blob with the shares given (each wrapped for its member), signed again by the owner. */
async function withShares(blob: EscrowBlobV2, shares: readonly Uint8Array[]): Promise<EscrowBlobV2> {
  const wrapped = await Promise.all(shares.map(async (share, i) => b64u(await wrapShare(share as Uint8Array<ArrayBuffer>, i + 1, council.identities[i]!.encryption.publicKey))));
  return signEscrowBlob(withoutSignature({ ...blob, shares: wrapped }), owner);
}

beforeAll(async () => {
  let m1, m2, m3;
  [owner, stranger, m1, m2, m3] = await Promise.all([makeIdentity(), makeIdentity(), makeIdentity(), makeIdentity(), makeIdentity()]);
  members = [m1, m2, m3];
  council = await createCouncil({ name: 'Recovery council', threshold: 2, members: members.map((identity, i) => ({ name: `member ${i + 1}`, identity })) });
  otherCouncil = await createCouncil({ name: 'Other', threshold: 1, members: [{ name: 'stranger', identity: stranger }] });
  renamed = await createCouncil({ name: 'Recovery council', threshold: 2, members: members.map((identity, i) => ({ name: `M${i + 1}`, identity })) });
  good = [await escrowedTo(council, patternBytes(1000, 1)), await escrowedTo(council, patternBytes(70_000, 2))];
  forOther = await escrowedTo(otherCouncil, patternBytes(10, 3));
});

describe('a drill (§8.5)', () => {
  it('passes on good blobs, and its report is signed by every member present, by index', async () => {
    const report = await runDrill(good.map(bytesOf), [members[2], members[0]], { now: new Date('2026-12-06T10:00:00.000Z') });
    expect(report.results.map((entry) => entry.result)).toEqual(['GOOD', 'GOOD']);
    expect(report.results[0]!).toMatchObject({ fileId: good[0].fileId, serial: good[0].serial });
    expect(report.members).toEqual([{ index: 1, id: members[0].id }, { index: 3, id: members[2].id }]);
    expect(report.signatures.map((entry) => entry.id)).toEqual([members[0].id, members[2].id]);
    expect(report.council).toEqual({ name: 'Recovery council', id: council.id, threshold: 2 });
    expect(drillPassed(report)).toBe(true);
    await verifyDrillReport(report, council);
    expect(parseDrillReport(serializeDrill(report))).toEqual(report);
    expect(parseSignedObject(serializeDrill(report))).toEqual({ kind: 'drill', report });
  });

  it('fails an evading blob (owner-signed, its shares combine to a key that opens nothing) and keeps the others GOOD', async () => {
    const evading = await withShares(good[0], await splitKey(randomBytes(32), 3, 2));
    const report = await runDrill([bytesOf(good[1]), bytesOf(evading)], members.slice(0, 2));
    expect(report.results.map((entry) => entry.result)).toEqual(['GOOD', 'ESCROW_INVALID']);
    expect(drillPassed(report)).toBe(false);
    await verifyDrillReport(report, council);
  });

  it('fails a blob whose shares do not all lie on one polynomial, once the member whose share is off takes part', async () => {
    const opened = await openWithMembers(good[0], members);
    const shares = await splitKey(opened.fileKey, 3, 2);
    const [stray] = (await splitKey(opened.fileKey, 3, 2)) as [Uint8Array];
    opened.fileKey.fill(0);
    const uneven = await withShares(good[0], [shares[0]!, shares[1]!, stray]);
    expect((await runDrill([bytesOf(uneven)], members.slice(0, 2))).results[0]!.result).toBe('GOOD');
    // Members 1 and 3, or all three: some k-subset does not combine to the key.
    expect((await runDrill([bytesOf(uneven)], members)).results[0]!.result).toBe('ESCROW_INVALID');
  });

  it('reports a blob that does not parse, and one for another council, by their codes', async () => {
    const report = await runDrill([{ bytes: utf8('{"format":"keyward-escrow/2"') }, { bytes: new Uint8Array([0xff, 0xfe]) }, bytesOf(forOther), bytesOf(good[0])], members.slice(1));
    expect(report.results.map((entry) => [entry.result, entry.fileId])).toEqual([['MALFORMED', ''], ['MALFORMED', ''], ['NO_MATCHING_KEY', forOther.fileId], ['GOOD', good[0].fileId]]);
  });

  it('does not count a blob for another council of the same members as GOOD', async () => {
    const forRenamed = await escrowedTo(renamed, patternBytes(10, 4));
    const report = await runDrill([bytesOf(good[0]), bytesOf(forRenamed)], members);
    expect(report.council.id).toBe(council.id);
    expect(report.results.map((entry) => entry.result)).toEqual(['GOOD', 'NO_MATCHING_KEY']);
  });

  it('stops before any blob with a key that is not a member, or fewer than k distinct members', async () => {
    await expectCode(runDrill(good.map(bytesOf), [members[0], stranger]), 'NO_MATCHING_KEY');
    await expectCode(runDrill(good.map(bytesOf), [members[0]]), 'QUORUM_NOT_MET');
    await expectCode(runDrill(good.map(bytesOf), [members[1], members[1]]), 'QUORUM_NOT_MET');
    await expectCode(runDrill([bytesOf(forOther)], members), 'NO_MATCHING_KEY');
    await expectCode(runDrill(good.map(bytesOf), members, { council: otherCouncil }), 'NO_MATCHING_KEY');
  });
});

describe('checking a drill report (§8.5)', () => {
  let report: DrillReport;
  beforeAll(async () => {
    report = await runDrill(good.map(bytesOf), members);
  });
  const changed = (changes: Partial<DrillReport>) => parseDrillReport({ ...report, ...changes });

  it('refuses a report for another council', async () => {
    await expectCode(verifyDrillReport(report, otherCouncil), 'SIGNER_UNTRUSTED');
    await expectCode(verifyDrillReport(changed({ council: { ...report.council, threshold: 3 } }), council), 'SIGNER_UNTRUSTED');
    // Only the council ID tells these two apart.
    await expectCode(verifyDrillReport(report, renamed), 'SIGNER_UNTRUSTED');
  });

  it('refuses a member named at another index', async () => {
    const swapped = [{ index: 1, id: members[1].id }, { index: 2, id: members[0].id }, report.members[2]!];
    await expectCode(verifyDrillReport(changed({ members: swapped }), council), 'SIGNER_UNTRUSTED');
  });

  it('refuses a report signed by fewer than k members', async () => {
    await expectCode(verifyDrillReport(changed({ members: report.members.slice(0, 1), signatures: report.signatures.slice(0, 1) }), council), 'QUORUM_NOT_MET');
  });

  it('refuses a changed result, and signatures that do not name the members in order', async () => {
    const results = report.results.map((entry) => ({ ...entry }));
    results[1]!.result = 'ESCROW_INVALID';
    await expectCode(verifyDrillReport(changed({ results }), council), 'SIGNATURE_INVALID');
    await expectCode(verifyDrillReport(changed({ signatures: [...report.signatures].reverse() }), council), 'SIGNATURE_INVALID');
    await expectCode(verifyDrillReport(changed({ signatures: report.signatures.slice(0, 2) }), council), 'SIGNATURE_INVALID');
    await expectCode(verifyDrillReport(changed({ signatures: report.signatures.map((entry) => ({ ...entry, id: stranger.id })) }), council), 'SIGNATURE_INVALID');
  });

  it('reads strictly', async () => {
    await expectCode(() => parseDrillReport({ ...report, extra: '' }), 'MALFORMED');
    await expectCode(() => parseDrillReport({ ...report, members: [...report.members].reverse() }), 'MALFORMED');
    await expectCode(() => parseDrillReport({ ...report, results: [{ ...report.results[0]!, result: 'FINE' }] }), 'MALFORMED');
    await expectCode(() => parseDrillReport(serializeDrill(report).replace('"format"', '"format":"keyward-drill/2","format"')), 'MALFORMED');
  });

  it('passes nothing when there is nothing to drill', () => {
    expect(drillPassed({ ...report, results: [] })).toBe(false);
  });
});

const serializeDrill = (report: DrillReport) => serializeSigned(report);
