// @vitest-environment happy-dom
import { configure, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { StoreProvider } from '../../app/providers.tsx';
import { formatKeyIdForHumans } from '../../store/format.ts';
import { createTestStore, recordingDownloader } from '../../store/test-adapters.ts';
import { brokenShareEscrow, evadingCouncilEscrow, makeCouncilFile, testCouncil } from '../../store/test-councils.ts';
import { identityPem, testIdentity } from '../../store/test-identities.ts';
import { EscrowCasePanel } from './escrow-case-panel.tsx';

// Imports, checks and drills run real RSA and PBKDF2 on a shared machine: wait for them, however long they take here.
configure({ asyncUtilTimeout: 20_000 });

const plaintext = new Uint8Array(40_000).map((_, i) => (i * 11) & 0xff);
const owner = await testIdentity('owner.pem');
const newOwner = await testIdentity('new-owner.pem');
const alice = await testIdentity('authority.pem');
const bob = await testIdentity('stranger.pem');
const carol = await testIdentity('rsa4096.pem');
const council = await testCouncil([{ name: 'Alice', identity: alice }, { name: 'Bob', identity: bob }, { name: 'Carol', identity: carol }], 2);
const good = await makeCouncilFile({ owner, council, plaintext, name: 'report.pdf' });

/** Bob's desk: his private identity imported as today's authority identity. */
async function setup(member: typeof bob = bob) {
  const download = recordingDownloader();
  const { store } = await createTestStore({ download });
  const imported = await store.getState().importAuthorityKey({ text: await identityPem(member, 'private'), name: 'Bob at the desk' });
  if ('error' in imported) throw new Error(imported.error.message);
  render(
    <StoreProvider store={store}>
      <EscrowCasePanel />
    </StoreProvider>,
  );
  return { store, download, user: userEvent.setup() };
}

const escrowFile = (json: string, name = 'report.pdf.keyward-escrow.json') => new File([json], name, { type: 'application/json' });

describe('EscrowCasePanel, a council member’s desk (spec v2 §8.3, §8.4)', () => {
  it('runs the member’s check and says plainly what it cannot prove, and what a drill with k members does', async () => {
    const { user } = await setup();
    await user.upload(screen.getByLabelText('Choose escrow blobs'), escrowFile(good.escrowJson));

    const details = await screen.findByRole('group', { name: 'Escrow blob details' });
    const status = within(details).getByRole('status');
    expect(status).toHaveTextContent(`Your share checked: signed by identity ${formatKeyIdForHumans(owner.id)} for file ${good.serial}, and your share unwraps.`);
    expect(status).toHaveTextContent('You are member 2 of the council “Recovery council” (2 of 3).');
    expect(status).toHaveTextContent('One member’s check cannot prove that the shares combine to the file key. A drill with 2 members of the council does.');
    expect(status).not.toHaveTextContent(/opens file/);
    expect(details).toHaveTextContent(`CouncilRecovery council (2 of 3) council ID ${formatKeyIdForHumans(council.id)}`);
    // One member's share never opens the file: no decrypt option.
    expect(screen.queryByRole('heading', { name: /Decrypt the file/i })).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Download partial recovery blob' })).toBeInTheDocument();
  });

  it('with k = 1, says the check proved the key (the share alone is the file key)', async () => {
    const solo = await testCouncil([{ name: 'Alice', identity: alice }, { name: 'Bob', identity: bob }], 1, 'Either of two');
    const file = await makeCouncilFile({ owner, council: solo, plaintext, name: 'solo.bin' });
    const { user } = await setup();
    await user.upload(screen.getByLabelText('Choose escrow blobs'), escrowFile(file.escrowJson));
    const status = within(await screen.findByRole('group', { name: 'Escrow blob details' })).getByRole('status');
    expect(status).toHaveTextContent(`Checked: signed by identity ${formatKeyIdForHumans(owner.id)}, opens file ${file.serial}.`);
    expect(status).toHaveTextContent('With a threshold of 1, your share alone is the file key.');
    expect(status).not.toHaveTextContent(/cannot prove/);
  });

  it('shows the code’s sentence, never “checked”, for a changed blob, a blob for another council and a share that does not unwrap', async () => {
    const other = await testCouncil([{ name: 'Alice', identity: alice }, { name: 'Carol', identity: carol }], 2, 'Another council');
    const forOther = await makeCouncilFile({ owner, council: other, plaintext, name: 'other.bin' });
    const { user } = await setup();
    await user.upload(screen.getByLabelText('Choose escrow blobs'), [
      escrowFile(good.escrowJson.replace('Quarterly report', 'Quarterly report (altered)'), 'altered.json'),
      escrowFile(forOther.escrowJson, 'other-council.json'),
      escrowFile(await brokenShareEscrow(good.escrowJson, owner, 2), 'broken-share.json'),
      escrowFile(await evadingCouncilEscrow(good.escrowJson, owner, council), 'evading.json'),
    ]);
    const list = await screen.findByRole('list', { name: 'Escrow blobs' });
    const row = (name: string) => within(list).getByRole('listitem', { name });
    await waitFor(() => { expect(row('evading.json')).toHaveTextContent('Your share checked'); });
    expect(within(row('altered.json')).getByRole('alert')).toHaveAttribute('data-code', 'SIGNATURE_INVALID');
    expect(within(row('other-council.json')).getByRole('alert')).toHaveAttribute('data-code', 'NO_MATCHING_KEY');
    expect(within(row('broken-share.json')).getByRole('alert')).toHaveAttribute('data-code', 'ESCROW_INVALID');
    expect(within(row('broken-share.json')).getByRole('alert')).toHaveTextContent('This escrow blob does not open the file it names');
    for (const name of ['altered.json', 'other-council.json', 'broken-share.json']) expect(row(name)).not.toHaveTextContent(/checked/i);
    expect(screen.getByText(/1 of 4 open with your authority key/)).toHaveTextContent(
      'Checked (signed): 1. Unsigned (v1): 0. Of the checked, council blobs where only your share could be checked (a drill proves the shares combine): 1.',
    );
    // An evading blob passes one member's check: which is why the sentence says a drill is needed.
    expect(row('evading.json')).toHaveTextContent('One member’s check cannot prove that the shares combine to the file key.');
  });

  it('issues a partial recovery blob for the owner’s new identity once its ID was compared, and a receipt signed by the member', async () => {
    const { download, user } = await setup();
    await user.upload(screen.getByLabelText('Choose escrow blobs'), escrowFile(good.escrowJson));
    await screen.findByRole('group', { name: 'Escrow blob details' });

    expect(screen.getByText(/their app shows this file as confirmed by you, a member of the council\./)).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Download receipt' }));
    await screen.findByText(/Send it to the owner\./);

    const field = screen.getByLabelText("Owner's new public identity (PEM or JWK)");
    await user.click(field);
    await user.paste(await identityPem(newOwner, 'public'));
    const compare = await screen.findByRole('group', { name: 'The new identity to compare' });
    expect(within(compare).getByText(formatKeyIdForHumans(newOwner.id))).toHaveAttribute('data-key-id', newOwner.id);
    await user.click(screen.getByRole('button', { name: 'Download partial recovery blob' }));
    expect((await screen.findAllByRole('alert')).some((a) => a.getAttribute('data-code') === 'KEY_NOT_CONFIRMED')).toBe(true);
    await user.click(within(compare).getByLabelText('I compared this identity ID with the owner, by phone or in person'));
    await user.click(screen.getByRole('button', { name: 'Download partial recovery blob' }));

    const name = `${good.serial}-member-2.keyward-partial.json`;
    await waitFor(() => { expect(download.saved.map((s) => s.name)).toEqual([`${good.serial}.keyward-receipt.json`, name]); });
    const receipt = JSON.parse(await download.saved[0]!.blob.text()) as { authority: { id: string } };
    expect(receipt.authority.id).toBe(bob.id);
    const partial = JSON.parse(await download.saved[1]!.blob.text()) as Record<string, unknown>;
    expect(partial).toMatchObject({ format: 'keyward-recovery/2', owner: { id: newOwner.id }, issuer: { kind: 'member', id: bob.id, council: council.id, index: 2 } });
    expect(partial).not.toHaveProperty('wrappedKey');
    const done = screen.getAllByRole('status').find((element) => element.textContent.includes(name))!;
    expect(done).toHaveTextContent('with partials of enough other members of the council');
  });

  it('refuses to issue a partial to another member of the council (KEY_IS_AUTHORITY), or to the identity the file was made for', async () => {
    const { user } = await setup();
    await user.upload(screen.getByLabelText('Choose escrow blobs'), escrowFile(good.escrowJson));
    const field = await screen.findByLabelText("Owner's new public identity (PEM or JWK)");
    await user.click(field);
    await user.paste(await identityPem(carol, 'public'));
    await waitFor(() => { expect(screen.getAllByRole('alert').map((a) => a.getAttribute('data-code'))).toContain('KEY_IS_AUTHORITY'); });
    await user.clear(field);
    await user.click(field);
    await user.paste(await identityPem(owner, 'public'));
    await waitFor(() => { expect(screen.getAllByRole('alert').map((a) => a.getAttribute('data-code'))).toContain('KEY_IS_ESCROWED_OWNER'); });
    expect(screen.getByRole('button', { name: 'Download partial recovery blob' })).toBeDisabled();
  });
});
