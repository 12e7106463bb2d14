// @vitest-environment happy-dom
import { createTestStore, recordingDownloader, testKeyPem } from '../test-adapters.ts';
import { evadingCouncilEscrow, makeCouncilFile, testCouncil } from '../test-councils.ts';
import { identityPem, testIdentity } from '../test-identities.ts';

const alice = await testIdentity('authority.pem');
const bob = await testIdentity('stranger.pem');
const carol = await testIdentity('rsa4096.pem');

async function councilStore() {
  const download = recordingDownloader();
  const { store } = await createTestStore({ download });
  return { store, download };
}

describe('council slice: setting a council up (spec v2 §8.1)', () => {
  it('makes the canonical descriptor of the members in order, downloads NAME.keyward-council.json and shows its council ID', async () => {
    const { store, download } = await councilStore();
    for (const [identity, name] of [[alice, 'Alice'], [bob, 'Bob'], [carol, 'Carol']] as const) {
      expect(await store.getState().addCouncilMember({ text: await identityPem(identity, 'public'), name })).toBeNull();
    }
    expect(store.getState().councilDraft.map((m) => [m.name, m.id])).toEqual([['Alice', alice.id], ['Bob', bob.id], ['Carol', carol.id]]);

    expect(await store.getState().createCouncil({ name: 'Recovery council', threshold: 2 })).toBeNull();

    const { councilId, parseCouncil } = await import('../../core/index.ts');
    expect(download.saved.map((s) => s.name)).toEqual(['Recovery-council.keyward-council.json']);
    const text = await download.saved[0]!.blob.text();
    const council = await parseCouncil(text);
    expect(council.members.map((m) => m.id)).toEqual([alice.id, bob.id, carol.id]);
    expect(council.threshold).toBe(2);
    // Canonical, and one newline (§8.1: what the OpenSSL command hashes).
    const { canonicalJson } = await import('../../core/index.ts');
    expect(text).toBe(`${canonicalJson(JSON.parse(text))}\n`);
    expect(store.getState().councilCreated).toMatchObject({ id: await councilId(council), name: 'Recovery council', threshold: 2, fileName: 'Recovery-council.keyward-council.json' });
  });

  it('refuses a v1 key, a private identity and the same identity twice, each with its own code, and adds nothing', async () => {
    const { store } = await councilStore();
    expect(await store.getState().addCouncilMember({ text: await identityPem(alice, 'public'), name: 'Alice' })).toBeNull();

    expect((await store.getState().addCouncilMember({ text: testKeyPem('stranger.pub.pem'), name: 'Bob' }))?.code).toBe('KEY_UNSUPPORTED');
    expect((await store.getState().addCouncilMember({ text: await identityPem(bob, 'private'), name: 'Bob' }))?.code).toBe('KEY_NOT_PUBLIC');
    const twice = await store.getState().addCouncilMember({ text: await identityPem(alice, 'public'), name: 'Alice again' });
    expect(twice).toMatchObject({ code: 'MEMBER_TWICE' });
    expect(twice?.message).toContain('“Alice”');
    expect((await store.getState().addCouncilMember({ text: await identityPem(bob, 'public'), name: '  ' }))?.code).toBe('NAME_REQUIRED');

    expect(store.getState().councilDraft.map((m) => m.name)).toEqual(['Alice']);
  });

  it('refuses a 17th member (COUNCIL_FULL) and a threshold outside 1 … n (the core’s MALFORMED), and downloads nothing', async () => {
    const { store, download } = await councilStore();
    const { generateIdentity } = await import('../../core/index.ts');
    const texts = [alice, bob, carol].map((i) => identityPem(i, 'public'));
    for (let i = 0; i < 13; i++) texts.push(generateIdentity({ bits: 3072, extractable: true }).then((identity) => identityPem(identity, 'public')));
    const all = await Promise.all(texts);
    for (const [i, text] of all.entries()) expect(await store.getState().addCouncilMember({ text, name: `Member ${String(i + 1)}` })).toBeNull();
    const seventeenth = await identityPem(await generateIdentity({ bits: 3072, extractable: true }), 'public');
    expect((await store.getState().addCouncilMember({ text: seventeenth, name: 'One too many' }))?.code).toBe('COUNCIL_FULL');
    expect(store.getState().councilDraft).toHaveLength(16);

    expect((await store.getState().createCouncil({ name: 'x', threshold: 17 }))?.code).toBe('MALFORMED');
    expect((await store.getState().createCouncil({ name: 'x', threshold: 0 }))?.code).toBe('MALFORMED');
    expect(download.saved).toEqual([]);
    expect(store.getState().councilCreated).toBeNull();
  }, 120_000);
});

describe('council slice: a drill (spec v2 §8.5)', () => {
  const plaintext = new Uint8Array(10_000).map((_, i) => (i * 3) & 0xff);
  const blobFile = (json: string, name: string) => new File([json], name, { type: 'application/json' });

  async function drillSample() {
    const owner = await testIdentity('owner.pem');
    const council = await testCouncil([{ name: 'Alice', identity: alice }, { name: 'Bob', identity: bob }, { name: 'Carol', identity: carol }], 2);
    const good = await makeCouncilFile({ owner, council, plaintext, name: 'a.bin' });
    const evading = await evadingCouncilEscrow(good.escrowJson, owner, council);
    return { owner, council, good, evading };
  }

  it('runs over the blobs’ bytes with the members present, keeps the keys out of the key store, and forgets them when cleared', async () => {
    const { store, download } = await councilStore();
    const { council, good, evading } = await drillSample();
    expect(await store.getState().addDrillBlobs([blobFile(good.escrowJson, 'a.json'), blobFile(evading, 'evading.json'), blobFile('{"not":"a blob"}', 'junk.json')])).toBeNull();
    expect(store.getState().drillBlobs.map((b) => [b.fileName, b.serial, b.council?.id])).toEqual([
      ['a.json', good.serial, council.id],
      ['evading.json', good.serial, council.id],
      ['junk.json', undefined, undefined],
    ]);
    expect(await store.getState().addDrillMember({ text: await identityPem(carol, 'private') })).toBeNull();
    expect(await store.getState().addDrillMember({ text: await identityPem(alice, 'private') })).toBeNull();

    expect(await store.getState().runDrill()).toBeNull();
    const outcome = store.getState().drillOutcome!;
    expect(outcome.passed).toBe(false);
    expect(outcome.members).toEqual([{ index: 1, id: alice.id }, { index: 3, id: carol.id }]);
    expect(outcome.results.map((r) => [r.fileName, r.result, r.error?.code])).toEqual([
      ['a.json', 'GOOD', undefined],
      ['evading.json', 'ESCROW_INVALID', 'ESCROW_INVALID'],
      ['junk.json', 'MALFORMED', 'MALFORMED'],
    ]);
    expect(store.getState().downloadDrillReport()).toBeNull();
    const { parseDrillReport, verifyDrillReport, sha256, b64u } = await import('../../core/index.ts');
    const report = parseDrillReport(await download.saved[0]!.blob.text());
    await verifyDrillReport(report, council);
    // Each result names the blob by the hash of its bytes as dropped.
    expect(report.results[0]!.blob).toBe(b64u(await sha256(new TextEncoder().encode(good.escrowJson))));
    expect(store.getState().keys).toEqual([]);

    store.getState().clearDrill();
    expect(store.getState().drillMembers).toEqual([]);
    expect(store.getState().drillBlobs).toEqual([]);
    // The keys are gone too: the drill now has no one.
    await store.getState().addDrillBlobs([blobFile(good.escrowJson, 'a.json')]);
    expect((await store.getState().runDrill())?.code).toBe('QUORUM_NOT_MET');
  });

  it('passes on good blobs only, and stops with QUORUM_NOT_MET (no outcome) below k, and NO_MATCHING_KEY for a key that is not a member', async () => {
    const { store } = await councilStore();
    const { good } = await drillSample();
    await store.getState().addDrillBlobs([blobFile(good.escrowJson, 'a.json')]);
    await store.getState().addDrillMember({ text: await identityPem(bob, 'private') });
    expect((await store.getState().runDrill())?.code).toBe('QUORUM_NOT_MET');
    expect(store.getState().drillOutcome).toBeNull();

    await store.getState().addDrillMember({ text: await identityPem(alice, 'private') });
    expect(await store.getState().runDrill()).toBeNull();
    expect(store.getState().drillOutcome?.passed).toBe(true);

    const stranger = await testIdentity('new-owner.pem');
    await store.getState().addDrillMember({ text: await identityPem(stranger, 'private') });
    expect(store.getState().drillOutcome).toBeNull();
    expect((await store.getState().runDrill())?.code).toBe('NO_MATCHING_KEY');
  });

  it('refuses a public identity (KEY_NOT_PRIVATE), a v1 key (KEY_UNSUPPORTED), an encrypted identity without its passphrase, and one identity twice', async () => {
    const { store } = await councilStore();
    const { exportPrivateIdentity } = await import('../../core/index.ts');
    expect((await store.getState().addDrillMember({ text: await identityPem(alice, 'public') }))?.code).toBe('KEY_NOT_PRIVATE');
    expect((await store.getState().addDrillMember({ text: testKeyPem('stranger.pem') }))?.code).toBe('KEY_UNSUPPORTED');
    const locked = await exportPrivateIdentity(bob, 'encrypted-pem', { passphrase: 'correct horse battery' });
    expect((await store.getState().addDrillMember({ text: locked }))?.code).toBe('PASSPHRASE_REQUIRED');
    expect(await store.getState().addDrillMember({ text: locked, passphrase: 'correct horse battery' })).toBeNull();
    expect((await store.getState().addDrillMember({ text: await identityPem(bob, 'private') }))?.code).toBe('MEMBER_TWICE');
    expect(store.getState().drillMembers).toEqual([{ id: bob.id }]);
  });
});

describe('council slice: this desk’s identity in a drill', () => {
  it('adds a stored authority identity once (MEMBER_TWICE after), and nothing that is not stored here (KEY_GONE)', async () => {
    const { store } = await councilStore();
    const imported = await store.getState().importAuthorityKey({ text: await identityPem(bob, 'private'), name: 'Bob' });
    if ('error' in imported) throw new Error(imported.error.message);
    expect(store.getState().addDeskIdentityToDrill(imported.key.keyId)).toBeNull();
    expect(store.getState().drillMembers).toEqual([{ id: bob.id }]);
    expect(store.getState().addDeskIdentityToDrill(imported.key.keyId)?.code).toBe('MEMBER_TWICE');
    expect(store.getState().addDeskIdentityToDrill(alice.encryption.keyId)?.code).toBe('KEY_GONE');
    expect(store.getState().drillMembers).toEqual([{ id: bob.id }]);
  });
});

describe('authority slice with a council blob: a member’s desk (spec v2 §8.3, §8.4)', () => {
  it('checks a council blob with the member’s identity, and issues a partial and a receipt from it', async () => {
    const owner = await testIdentity('owner.pem');
    const newOwner = await testIdentity('new-owner.pem');
    const council = await testCouncil([{ name: 'Alice', identity: alice }, { name: 'Bob', identity: bob }, { name: 'Carol', identity: carol }], 2);
    const good = await makeCouncilFile({ owner, council, plaintext: new Uint8Array(5000), name: 'a.bin' });
    const { store, download } = await councilStore();
    await store.getState().importAuthorityKey({ text: await identityPem(carol, 'private'), name: 'Carol' });
    await store.getState().loadEscrowBlobs([new File([good.escrowJson], 'a.json')]);
    const escrow = store.getState().escrowCase!;
    expect(escrow.verified).toBe(true);
    expect(escrow.member).toEqual({ council: { id: council.id, name: 'Recovery council', threshold: 2, members: [{ name: 'Alice', id: alice.id }, { name: 'Bob', id: bob.id }, { name: 'Carol', id: carol.id }] }, index: 3, provesKey: false });

    const text = await identityPem(newOwner, 'public');
    expect((await store.getState().issueRecovery(text, '', 'SHA256:' + '0'.repeat(64)))?.code).toBe('KEY_NOT_CONFIRMED');
    expect(await store.getState().issueRecovery(text, '', newOwner.id)).toBeNull();
    expect(await store.getState().downloadReceipt()).toBeNull();
    expect(download.saved.map((s) => s.name)).toEqual([`${good.serial}-member-3.keyward-partial.json`, `${good.serial}.keyward-receipt.json`]);
    const { parsePartialRecovery } = await import('../../core/index.ts');
    const partial = parsePartialRecovery(await download.saved[0]!.blob.text());
    expect(partial.issuer).toMatchObject({ kind: 'member', id: carol.id, council: council.id, index: 3 });
  });

  it('checks a council blob dropped before the member’s identity was imported again once it is', async () => {
    const owner = await testIdentity('owner.pem');
    const council = await testCouncil([{ name: 'Alice', identity: alice }, { name: 'Bob', identity: bob }], 2);
    const good = await makeCouncilFile({ owner, council, plaintext: new Uint8Array(5000), name: 'a.bin' });
    const { store } = await councilStore();
    await store.getState().loadEscrowBlobs([new File([good.escrowJson], 'a.json')]);
    expect(store.getState().escrowCase?.error?.code).toBe('NO_MATCHING_KEY');
    await store.getState().importAuthorityKey({ text: await identityPem(bob, 'private'), name: 'Bob' });
    expect(store.getState().escrowCase).toMatchObject({ verified: true, member: { index: 2 } });
  });
});
