// @vitest-environment happy-dom
import { createTestStore, recordingDownloader, testKeyPem } from '../test-adapters.ts';
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
