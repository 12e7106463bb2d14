// @vitest-environment happy-dom
import { configure, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { StoreProvider } from '../../app/providers.tsx';
import { formatKeyIdForHumans } from '../../store/format.ts';
import { createTestStore, recordingDownloader, testKeyPem } from '../../store/test-adapters.ts';
import { evadingCouncilEscrow, makeCouncilFile, testCouncil } from '../../store/test-councils.ts';
import { identityPem, testIdentity } from '../../store/test-identities.ts';
import { DrillPanel } from './drill-panel.tsx';

// Imports, checks and drills run real RSA and PBKDF2 on a shared machine: wait for them, however long they take here.
configure({ asyncUtilTimeout: 20_000 });

const plaintext = new Uint8Array(20_000).map((_, i) => (i * 5) & 0xff);
const owner = await testIdentity('owner.pem');
const alice = await testIdentity('authority.pem');
const bob = await testIdentity('stranger.pem');
const carol = await testIdentity('rsa4096.pem');
const council = await testCouncil([{ name: 'Alice', identity: alice }, { name: 'Bob', identity: bob }, { name: 'Carol', identity: carol }], 2);
const first = await makeCouncilFile({ owner, council, plaintext, name: 'a.bin' });
const second = await makeCouncilFile({ owner, council, plaintext, name: 'b.bin' });
const evading = await evadingCouncilEscrow(second.escrowJson, owner, council);

async function setup() {
  const download = recordingDownloader();
  const { store, adapters } = await createTestStore({ download });
  render(
    <StoreProvider store={store}>
      <DrillPanel />
    </StoreProvider>,
  );
  return { store, adapters, download, user: userEvent.setup() };
}

type User = ReturnType<typeof userEvent.setup>;

async function loadMember(user: User, text: string) {
  const field = screen.getByLabelText('Member’s private identity (PEM or JWK)');
  await user.clear(field);
  await user.click(field);
  await user.paste(text);
  await user.click(screen.getByRole('button', { name: 'Load member identity' }));
}

const blobFile = (json: string, name: string) => new File([json], name, { type: 'application/json' });

describe('DrillPanel (spec v2 §8.5)', () => {
  it('runs a drill with two members, one identity encrypted: GOOD per blob, passed, and the signed report downloads', async () => {
    const { download, user, adapters } = await setup();
    const { exportPrivateIdentity, parseDrillReport, verifyDrillReport } = await import('../../core/index.ts');
    await user.upload(screen.getByLabelText('Choose blobs for the drill'), [blobFile(first.escrowJson, 'a.json'), blobFile(second.escrowJson, 'b.json')]);
    await loadMember(user, await identityPem(alice, 'private'));
    const present = await screen.findByRole('list', { name: 'Members present' });
    await within(present).findByRole('listitem', { name: 'Member 1 “Alice”' });

    // An encrypted identity: its passphrase is asked for.
    expect(screen.queryByLabelText('Passphrase')).not.toBeInTheDocument();
    await loadMember(user, await exportPrivateIdentity(bob, 'encrypted-pem', { passphrase: 'correct horse battery' }));
    await user.click(screen.getByRole('button', { name: 'Load member identity' }));
    await waitFor(() => { expect(screen.getByRole('alert')).toHaveAttribute('data-code', 'PASSPHRASE_REQUIRED'); });
    await user.type(screen.getByLabelText('Passphrase'), 'correct horse battery');
    await user.click(screen.getByRole('button', { name: 'Load member identity' }));
    await within(present).findByRole('listitem', { name: 'Member 2 “Bob”' });
    // Held in memory for the drill only: nothing is stored.
    expect(await adapters.keyStore.list()).toEqual([]);

    await user.click(screen.getByRole('button', { name: 'Run the drill' }));
    const result = await screen.findByRole('group', { name: 'Drill result' });
    expect(within(result).getByRole('status')).toHaveTextContent('The drill passed: the shares of the 2 members present open every one of the 2 blobs.');
    const rows = within(result).getByRole('list', { name: 'Drill results' });
    expect(within(rows).getByRole('listitem', { name: 'a.json' })).toHaveTextContent(`${first.serial}GOOD`);
    expect(within(rows).getByRole('listitem', { name: 'b.json' })).toHaveTextContent(`${second.serial}GOOD`);

    await user.click(within(result).getByRole('button', { name: 'Download drill report' }));
    await within(result).findByText(/signed by every member present/);
    expect(download.saved.map((s) => s.name)).toEqual(['keyward-drill.json']);
    const report = parseDrillReport(await download.saved[0]!.blob.text());
    await verifyDrillReport(report, council);
    expect(report.members).toEqual([{ index: 1, id: alice.id }, { index: 2, id: bob.id }]);

    // Ending the drill forgets the keys, the blobs and the result.
    await user.click(screen.getByRole('button', { name: 'End the drill and forget the keys' }));
    expect(screen.getByRole('heading', { name: 'Council drill' })).toHaveFocus();
    expect(screen.queryByRole('list', { name: 'Members present' })).not.toBeInTheDocument();
    expect(screen.queryByRole('group', { name: 'Drill result' })).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Run the drill' })).toBeDisabled();
  });

  it('fails the drill on an evading blob, whose own member checks pass, with the code’s sentence on that blob', async () => {
    const { user } = await setup();
    await user.upload(screen.getByLabelText('Choose blobs for the drill'), [blobFile(first.escrowJson, 'a.json'), blobFile(evading, 'evading.json')]);
    await loadMember(user, await identityPem(carol, 'private'));
    await screen.findByRole('listitem', { name: 'Member 3 “Carol”' });
    await loadMember(user, await identityPem(alice, 'private'));
    // Listed in the council's order, as the report lists them, whatever the order they were loaded in.
    await screen.findByRole('listitem', { name: 'Member 1 “Alice”' });
    const present = screen.getByRole('list', { name: 'Members present' });
    expect(within(present).getAllByRole('listitem').map((li) => li.getAttribute('aria-label'))).toEqual(['Member 1 “Alice”', 'Member 3 “Carol”']);
    await user.click(screen.getByRole('button', { name: 'Run the drill' }));

    const result = await screen.findByRole('group', { name: 'Drill result' });
    expect(within(result).getByRole('status')).toHaveTextContent('The drill failed: 1 of the 2 blobs did not pass.');
    const bad = within(result).getByRole('listitem', { name: 'evading.json' });
    expect(bad).toHaveTextContent('ESCROW_INVALID');
    expect(within(bad).getByRole('alert')).toHaveTextContent('This escrow blob does not open the file it names');
    expect(within(result).getByRole('listitem', { name: 'a.json' })).toHaveTextContent('GOOD');
  });

  it('with fewer than k members: QUORUM_NOT_MET’s sentence and no report', async () => {
    const { user, download } = await setup();
    await user.upload(screen.getByLabelText('Choose blobs for the drill'), [blobFile(first.escrowJson, 'a.json')]);
    await loadMember(user, await identityPem(bob, 'private'));
    await screen.findByRole('listitem', { name: 'Member 2 “Bob”' });
    expect(screen.getByText(/2 of its 3 members are needed, 1 is present/)).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Run the drill' }));

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveAttribute('data-code', 'QUORUM_NOT_MET');
    expect(alert).toHaveTextContent('Fewer council members than the council needs have contributed');
    expect(screen.queryByRole('group', { name: 'Drill result' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Download drill report' })).not.toBeInTheDocument();
    expect(download.saved).toEqual([]);
  });

  it('adds this desk’s own stored identity with one click, beside a member’s pasted one', async () => {
    const { store, user } = await setup();
    const imported = await store.getState().importAuthorityKey({ text: await identityPem(bob, 'private'), name: 'Bob’s desk' });
    if ('error' in imported) throw new Error(imported.error.message);
    await user.upload(screen.getByLabelText('Choose blobs for the drill'), [blobFile(first.escrowJson, 'a.json')]);
    await user.click(await screen.findByRole('button', { name: 'Add this desk’s identity “Bob’s desk”' }));
    await screen.findByRole('listitem', { name: 'Member 2 “Bob”' });
    expect(screen.queryByRole('button', { name: /Add this desk’s identity/ })).not.toBeInTheDocument();
    await loadMember(user, await identityPem(carol, 'private'));
    // Loading reads the key first: under load the drill would otherwise start with Bob alone (QUORUM_NOT_MET).
    await screen.findByRole('listitem', { name: 'Member 3 “Carol”' });
    await user.click(screen.getByRole('button', { name: 'Run the drill' }));
    const result = await screen.findByRole('group', { name: 'Drill result' });
    expect(within(result).getByRole('status')).toHaveTextContent('The drill passed');
    expect(result).toHaveTextContent('members 2, 3.');
  });

  it('refuses a public identity, a v1 private key and the same member twice when loading members', async () => {
    const { user } = await setup();
    // Before any blob names the council, an identity is named by the start of its identity ID.
    await loadMember(user, await identityPem(carol, 'private'));
    const carolShort = `Identity ${formatKeyIdForHumans(carol.id).slice(0, 9)}…`;
    await screen.findByRole('listitem', { name: carolShort });
    await user.click(screen.getByRole('button', { name: `Remove ${carolShort}` }));

    await loadMember(user, await identityPem(alice, 'public'));
    await waitFor(() => { expect(screen.getByRole('alert')).toHaveAttribute('data-code', 'KEY_NOT_PRIVATE'); });
    await loadMember(user, testKeyPem('stranger.pem'));
    await waitFor(() => { expect(screen.getByRole('alert')).toHaveAttribute('data-code', 'KEY_UNSUPPORTED'); });
    expect(screen.getByRole('alert')).toHaveTextContent('a drill report is signed by every member, and this v1 key has no signing key');
    await loadMember(user, await identityPem(alice, 'private'));
    await screen.findByRole('list', { name: 'Members present' });
    await loadMember(user, await identityPem(alice, 'private'));
    await waitFor(() => { expect(screen.getByRole('alert')).toHaveAttribute('data-code', 'MEMBER_TWICE'); });
    expect(within(screen.getByRole('list', { name: 'Members present' })).getAllByRole('listitem')).toHaveLength(1);
  });
});
