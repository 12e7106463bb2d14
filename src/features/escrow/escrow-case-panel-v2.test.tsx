// @vitest-environment happy-dom
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { StoreProvider } from '../../app/providers.tsx';
import { formatKeyIdForHumans } from '../../store/format.ts';
import { createTestStore, makeSignedFile, recordingDownloader, testKeyPem } from '../../store/test-adapters.ts';
import { identityPem, resignedEscrow, testIdentity } from '../../store/test-identities.ts';
import { AuthorityKeys } from './authority-keys.tsx';
import { EscrowCasePanel } from './escrow-case-panel.tsx';

const plaintext = new Uint8Array(60_000).map((_, i) => (i * 7) & 0xff);
const owner = await testIdentity('owner.pem');
const authority = await testIdentity('authority.pem');
const newOwner = await testIdentity('new-owner.pem');
const good = await makeSignedFile({ plaintext, name: 'report.pdf', owner, authority, description: 'Board minutes', ownerName: 'Ada Lovelace' });

async function setup() {
  const download = recordingDownloader();
  const { store } = await createTestStore({ download });
  await store.getState().importAuthorityKey({ text: await identityPem(authority, 'private'), name: 'IT backup desk' });
  render(
    <StoreProvider store={store}>
      <AuthorityKeys />
      <EscrowCasePanel />
    </StoreProvider>,
  );
  return { store, download, user: userEvent.setup() };
}

const escrowFile = (json: string, name = 'report.pdf.keyward-escrow.json') => new File([json], name, { type: 'application/json' });

describe('EscrowCasePanel, signed (v2) escrow blobs', () => {
  it('says a good blob was checked, by whom it was signed and which file it opens, and downloads its receipt', async () => {
    const { download, user } = await setup();
    await user.upload(screen.getByLabelText('Choose escrow blobs'), escrowFile(good.escrowJson));

    const details = await screen.findByRole('group', { name: 'Escrow blob details' });
    const status = within(details).getByRole('status');
    expect(status).toHaveTextContent(`Checked: signed by identity ${formatKeyIdForHumans(owner.id)}, opens file ${good.serial}`);
    // The owner's name is the blob's claim, not a checked fact.
    expect(status).toHaveTextContent('The blob names its owner “Ada Lovelace”: the owner’s own claim, which no check can prove.');
    expect(within(details).getByText('Ada Lovelace').parentElement).toHaveTextContent('Ada Lovelace (the name the blob states)');

    await user.click(screen.getByRole('button', { name: 'Download receipt' }));
    await screen.findByText(/Send it to the owner\./);
    expect(download.saved.map((s) => s.name)).toEqual([`${good.serial}.keyward-receipt.json`]);
  });

  it('never says "Checked" above a forged blob: it shows the sentence that blames the blob', async () => {
    const { b64u, wrapFileKey } = await import('../../core/index.ts');
    const wrappedKey = b64u(await wrapFileKey(crypto.getRandomValues(new Uint8Array(32)), authority.encryption.publicKey));
    const evading = await resignedEscrow(good.escrowJson, owner, (b) => ({ ...b, wrappedKey }));
    const { user } = await setup();

    await user.upload(screen.getByLabelText('Choose escrow blobs'), escrowFile(evading));

    const details = await screen.findByRole('group', { name: 'Escrow blob details' });
    const alert = await within(details).findByRole('alert');
    expect(alert).toHaveAttribute('data-code', 'ESCROW_INVALID');
    expect(alert).toHaveTextContent('This escrow blob does not open the file it names');
    expect(details).not.toHaveTextContent(/Checked/);
    expect(screen.queryByRole('button', { name: 'Download receipt' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Download recovery blob' })).not.toBeInTheDocument();
  });

  it('issues a signed recovery blob to the new identity only after its identity ID was compared', async () => {
    const { download, user } = await setup();
    await user.upload(screen.getByLabelText('Choose escrow blobs'), escrowFile(good.escrowJson));

    const field = await screen.findByLabelText("Owner's new public identity (PEM or JWK)");
    await user.click(field);
    await user.paste(await identityPem(newOwner, 'public'));
    const compare = await screen.findByRole('group', { name: 'The new identity to compare' });
    expect(within(compare).getByText(formatKeyIdForHumans(newOwner.id))).toHaveAttribute('data-key-id', newOwner.id);
    expect(compare).toHaveTextContent('New identity of Ada Lovelace');
    await user.click(within(compare).getByLabelText('I compared this identity ID with the owner, by phone or in person'));
    await user.click(screen.getByRole('button', { name: 'Download recovery blob' }));

    const name = `${good.serial}.keyward-recovery.json`;
    await waitFor(() => {
      expect(download.saved.map((s) => s.name)).toEqual([name]);
    });
    const done = screen.getAllByRole('status').find((element) => element.textContent.includes(name))!;
    expect(done).toHaveTextContent("Signed with your identity and issued for the owner's new identity");
    expect(JSON.parse(await download.saved[0]!.blob.text())).toMatchObject({ format: 'keyward-recovery/2', issuer: { id: authority.id } });
  });

  it('shows the authority’s identity ID for owners to pin, and exports its public identity as PEM and JWK', async () => {
    const { download, user } = await setup();
    const card = await screen.findByRole('listitem', { name: 'IT backup desk' });
    expect(card).toHaveTextContent(`Identity ID ${formatKeyIdForHumans(authority.id)}`);

    await user.click(within(card).getByRole('button', { name: 'Export public identity (PEM)' }));
    await user.click(within(card).getByRole('button', { name: 'Export public identity (JWK)' }));
    await waitFor(() => {
      expect(download.saved.map((s) => s.name)).toEqual(['IT-backup-desk.pub.pem', 'IT-backup-desk.pub.jwk.json']);
    });
    const { importPublicIdentity } = await import('../../core/index.ts');
    for (const saved of download.saved) expect((await importPublicIdentity(await saved.blob.text())).id).toBe(authority.id);
  });

  it('lists many blobs with their own checks, and downloads receipts for the checked ones in one zip', async () => {
    const { download, user } = await setup();
    const second = await makeSignedFile({ plaintext, name: 'b.bin', owner, authority });
    await user.upload(screen.getByLabelText('Choose escrow blobs'), [
      escrowFile(good.escrowJson, 'a.json'),
      escrowFile(good.escrowJson.replace('Board minutes', 'Board minutes (altered)'), 'altered.json'),
      escrowFile(second.escrowJson, 'b.json'),
    ]);

    const list = await screen.findByRole('list', { name: 'Escrow blobs' });
    const row = (name: string) => within(list).getByRole('listitem', { name });
    await waitFor(() => {
      expect(row('b.json')).toHaveTextContent(`Checked: signed by identity ${formatKeyIdForHumans(owner.id)}, opens file ${second.serial}`);
    });
    expect(within(row('altered.json')).getByRole('alert')).toHaveAttribute('data-code', 'SIGNATURE_INVALID');
    expect(row('altered.json')).not.toHaveTextContent(/Checked/);
    expect(screen.getByText(/2 of 3 open with your authority key/)).toHaveTextContent('Checked (signed): 2. Unsigned (v1): 0.');

    await user.click(screen.getByRole('button', { name: 'Download receipts for the 2 checked blobs' }));
    expect(await screen.findByText('2 receipts saved. Send them to the owner.')).toBeInTheDocument();
    expect(download.saved.map((s) => s.name)).toEqual([expect.stringMatching(/^keyward-receipts-.*\.zip$/)]);
    expect(await within(row('a.json')).findByText('Receipt saved')).toBeInTheDocument();
    expect(within(row('altered.json')).queryByText('Receipt saved')).not.toBeInTheDocument();
  });

  it('makes a v1 authority key an identity with a new identity ID, keeping its RSA key for the v1 blobs made for it', async () => {
    const { store } = await createTestStore();
    await store.getState().importAuthorityKey({ text: testKeyPem('authority.pem'), name: 'Old desk' });
    render(
      <StoreProvider store={store}>
        <AuthorityKeys />
      </StoreProvider>,
    );
    const user = userEvent.setup();
    const card = await screen.findByRole('listitem', { name: 'Old desk' });
    expect(card).toHaveTextContent('v1 key, cannot sign');

    await user.click(within(card).getByRole('button', { name: 'Add a signing key' }));
    const note = await within(card).findByText(/This key is now an identity with a new identity ID/);
    // The focus moves once it is shown.
    await waitFor(() => {
      expect(note).toHaveFocus();
    });
    const stored = store.getState().keys[0]!;
    expect(card).toHaveTextContent(`Identity ID ${formatKeyIdForHumans(stored.identity!.id)}`);
    expect(stored.keyId).toBe(authority.encryption.keyId);
  });
});
