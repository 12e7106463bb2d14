/** v2 §8.1: the council descriptor, read strictly, and its council ID. */
import { b64u, concat, sha256, toHex, utf8 } from '../bytes.ts';
import { canonicalJson } from '../canonical.ts';
import { expectCode, makeIdentity, makeKeyPair } from '../test-support.ts';
import { type Council, COUNCIL_FORMAT, councilId, createCouncil, isCouncilText, memberIndexOf, parseCouncil, serializeCouncil } from './council.ts';
import { type PrivateIdentity, identityIdOf } from './identity.ts';

let alice: PrivateIdentity;
let bob: PrivateIdentity;
let carol: PrivateIdentity;
/** Seventeen identities, each with its own RSA key (§8.1 refuses one key under two identities). */
let many: PrivateIdentity[];
let council: Council;
/** Alice's RSA key with another signing key, and Alice's signing key with another RSA key: other identity IDs. */
let sharedRsa: PrivateIdentity;
let sharedSigning: PrivateIdentity;

const member = (name: string, identity: PrivateIdentity) => ({ name, id: identity.id, publicKey: b64u(identity.rsaSpki), signingKey: b64u(identity.ed25519Spki) });

beforeAll(async () => {
  [alice, bob, carol] = await Promise.all([makeIdentity(), makeIdentity(), makeIdentity()]);
  many = await Promise.all(Array.from({ length: 17 }, () => makeIdentity()));
  sharedRsa = await makeIdentity(alice.encryption);
  sharedSigning = { ...alice, encryption: carol.encryption, rsaSpki: carol.rsaSpki, id: await identityIdOf(carol.rsaSpki, alice.ed25519Spki) };
  council = await createCouncil({
    name: 'Recovery board',
    threshold: 2,
    members: [
      { name: 'Alice', identity: alice },
      { name: 'Bob', identity: bob },
      { name: 'Carol', identity: carol },
    ],
  });
});

/** The descriptor as JSON, with `changes`. */
const descriptor = (changes: Record<string, unknown> = {}): Record<string, unknown> => ({ ...(JSON.parse(serializeCouncil(council)) as Record<string, unknown>), ...changes });

describe('council descriptor (§8.1)', () => {
  it('is written canonical with one newline, without ID or identities, and read back to the same council', async () => {
    const text = serializeCouncil(council);
    expect(text).toBe(`${canonicalJson({ format: COUNCIL_FORMAT, name: 'Recovery board', threshold: 2, members: [member('Alice', alice), member('Bob', bob), member('Carol', carol)] })}\n`);
    const read = await parseCouncil(text);
    expect(read.id).toBe(council.id);
    expect(read.members).toEqual(council.members);
    expect(read.identities.map((i) => i.id)).toEqual([alice.id, bob.id, carol.id]);
    // Any white space: the ID is over the canonical form.
    expect((await parseCouncil(JSON.stringify(JSON.parse(text), null, 2))).id).toBe(council.id);
    expect(isCouncilText(text)).toBe(true);
    expect(isCouncilText('{"format":"keyward-escrow/2"}')).toBe(false);
    expect(isCouncilText('not json')).toBe(false);
  });

  it('the council ID is SHA-256 of "keyward/v2 council", 0x00 and the canonical descriptor, and pins every field', async () => {
    const body = serializeCouncil(council).slice(0, -1);
    expect(council.id).toBe(`SHA256:${toHex(await sha256(concat(utf8('keyward/v2 council'), new Uint8Array([0]), utf8(body))))}`);
    expect(await councilId(council)).toBe(council.id);
    const ids = new Set([council.id]);
    for (const changed of [
      descriptor({ name: 'Recovery board ' }),
      descriptor({ threshold: 3 }),
      descriptor({ members: [member('Alice', alice), member('Carol', carol), member('Bob', bob)] }),
      descriptor({ members: [member('Alice', alice), member('Bob', bob), member('Caroline', carol)] }),
    ]) {
      ids.add((await parseCouncil(changed)).id);
    }
    expect(ids.size).toBe(5);
    // Never an identity ID.
    expect(council.id).not.toBe(alice.id);
  });

  it('memberIndexOf is 1-based, 0 for a non-member', () => {
    expect(memberIndexOf(council, alice)).toBe(1);
    expect(memberIndexOf(council, carol)).toBe(3);
    expect(memberIndexOf(council, many[0]!)).toBe(0);
  });

  it('takes 1 to 16 members and any threshold from 1 to n', async () => {
    const one = await parseCouncil(descriptor({ threshold: 1, members: [member('Alice', alice)] }));
    expect(one.threshold).toBe(1);
    const sixteen = await parseCouncil(descriptor({ threshold: 16, members: many.slice(0, 16).map((m, i) => member(`m${i + 1}`, m)) }));
    expect(sixteen.members).toHaveLength(16);
    expect(memberIndexOf(sixteen, many[15]!)).toBe(16);
  });

  describe('refuses (MALFORMED)', () => {
    it.for([
      ['no members (n = 0)', () => descriptor({ threshold: 1, members: [] }), /1 to 16 members/],
      ['17 members', () => descriptor({ threshold: 2, members: many.map((m, i) => member(`m${i}`, m)) }), /1 to 16 members/],
      ['k = 0', () => descriptor({ threshold: 0 }), /threshold/],
      ['k > n', () => descriptor({ threshold: 4 }), /threshold/],
      ['a float threshold', () => descriptor({ threshold: 1.5 }), /threshold must be an integer from 1/],
      ['a threshold given as a string', () => descriptor({ threshold: '2' }), /threshold/],
      ['a member twice', () => descriptor({ members: [member('Alice', alice), member('Bob', bob), member('Alice again', alice)] }), /twice/],
      ['one RSA key under two identities', () => descriptor({ members: [member('Alice', alice), member('Bob', bob), member('Alice\'s RSA key', sharedRsa)] }), /RSA key of an earlier member/],
      ['one signing key under two identities', () => descriptor({ members: [member('Alice', alice), member('Bob', bob), member('Alice\'s signing key', sharedSigning)] }), /signing key of an earlier member/],
      ['a member id not of its keys', () => descriptor({ members: [member('Alice', alice), { ...member('Bob', bob), id: carol.id }, member('Carol', carol)] }), /members\[1\]\.id/],
      ['a member signing key of another', () => descriptor({ members: [member('Alice', alice), { ...member('Bob', bob), signingKey: b64u(carol.ed25519Spki) }, member('Carol', carol)] }), /members\[1\]\.id/],
      ['an unknown field', () => descriptor({ note: 'x' }), /field/],
      ['an unknown field in a member', () => descriptor({ members: [member('Alice', alice), { ...member('Bob', bob), role: 'chair' }, member('Carol', carol)] }), /field/],
      ['a missing name', () => descriptor({ name: undefined }), /name/],
      ['another format', () => descriptor({ format: 'keyward-council/1' }), /format/],
      ['members not an array', () => descriptor({ members: member('Alice', alice) }), /array/],
    ] as const)('%s', async ([, make, reason]) => {
      await expectCode(parseCouncil(JSON.stringify(make())), 'MALFORMED', reason);
    });

    it('a key given twice in the text', async () => {
      const text = serializeCouncil(council).replace('"name":"Recovery board"', '"name":"Other","name":"Recovery board"');
      await expectCode(parseCouncil(text), 'MALFORMED', /twice/);
    });

    it('a member RSA key under 2048 bits (createCouncil: KEY_TOO_WEAK)', async () => {
      const weak = await makeIdentity(await makeKeyPair(1024));
      await expectCode(parseCouncil(descriptor({ members: [member('Alice', alice), member('Weak', weak)] })), 'MALFORMED', /KEY_TOO_WEAK/);
      await expectCode(createCouncil({ name: '', threshold: 1, members: [{ name: 'Weak', identity: weak }] }), 'KEY_TOO_WEAK');
    });
  });

  it('createCouncil refuses k or n out of range and a member twice (MALFORMED)', async () => {
    await expectCode(createCouncil({ name: '', threshold: 1, members: [] }), 'MALFORMED');
    await expectCode(createCouncil({ name: '', threshold: 3, members: [{ name: 'A', identity: alice }, { name: 'B', identity: bob }] }), 'MALFORMED');
    await expectCode(createCouncil({ name: '', threshold: 1, members: [{ name: 'A', identity: alice }, { name: 'A', identity: alice }] }), 'MALFORMED', /twice/);
  });
});
