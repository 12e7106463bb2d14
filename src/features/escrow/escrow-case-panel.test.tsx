// @vitest-environment happy-dom
import { formatKeyIdForHumans } from '../../store/format.ts';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { StoreProvider } from '../../app/providers.tsx';
import { bytesOf, createTestStore, keyIdOfPem, makeKeywardFile, recordingDownloader, testKeyPem } from '../../store/test-adapters.ts';
import { EscrowCasePanel } from './escrow-case-panel.tsx';

const plaintext = new Uint8Array(90_000).map((_, i) => (i * 11) & 0xff);
const ownerPubPem = testKeyPem('owner.pub.pem');
const authorityPubPem = testKeyPem('authority.pub.pem');

async function setup() {
  const download = recordingDownloader();
  const { store } = await createTestStore({ download });
  await store.getState().importAuthorityKey({ text: testKeyPem('authority.pem'), name: 'IT backup desk' });
  render(
    <StoreProvider store={store}>
      <EscrowCasePanel />
    </StoreProvider>,
  );
  return { store, download, user: userEvent.setup() };
}

const escrowFile = (json: string) => new File([json], 'report.pdf.keyward-escrow.json', { type: 'application/json' });

describe('EscrowCasePanel', () => {
  it('shows a checked escrow blob, decrypts its file, and issues a recovery blob', async () => {
    const { download, user } = await setup();
    const made = await makeKeywardFile({ plaintext, name: 'report.pdf', ownerPublicPem: ownerPubPem, authorityPublicPem: authorityPubPem, description: 'Board minutes' });

    expect(screen.getByRole('heading', { name: 'Recover from an escrow blob' })).toBeInTheDocument();
    await user.upload(screen.getByLabelText('Choose escrow blobs'), escrowFile(made.escrowJson));

    const details = await screen.findByRole('group', { name: 'Escrow blob details' });
    expect(within(details).getByText(made.serial)).toBeInTheDocument();
    expect(within(details).getByText('Board minutes')).toBeInTheDocument();
    expect(within(details).getByText('Ada Lovelace')).toBeInTheDocument();
    expect(within(details).getByText(formatKeyIdForHumans(await keyIdOfPem(ownerPubPem)))).toBeInTheDocument();
    expect(within(details).getByText(formatKeyIdForHumans(await keyIdOfPem(authorityPubPem)))).toBeInTheDocument();
    expect(within(details).getByText('Unsigned (v1)')).toBeInTheDocument();

    // (a) the file itself
    await user.upload(screen.getByLabelText('Choose encrypted file'), made.file);
    await user.click(await screen.findByRole('button', { name: 'Download report.pdf' }, { timeout: 20_000 }));
    expect(download.saved[0]!.name).toBe('report.pdf');
    expect(await bytesOf(download.saved[0]!.blob)).toEqual(plaintext);

    // (b) a recovery blob, after a private key was pasted by mistake: refused as soon as it is pasted
    await user.click(screen.getByLabelText("Owner's new public key (PEM or JWK)"));
    await user.paste(testKeyPem('new-owner.pem'));
    expect(await screen.findByRole('alert')).toHaveAttribute('data-code', 'KEY_NOT_PUBLIC');
    expect(screen.getByRole('button', { name: 'Download recovery blob' })).toBeDisabled();

    await user.clear(screen.getByLabelText("Owner's new public key (PEM or JWK)"));
    await user.click(screen.getByLabelText("Owner's new public key (PEM or JWK)"));
    await user.paste(testKeyPem('new-owner.pub.pem'));
    await user.type(screen.getByLabelText('Owner name (optional)'), 'Ada L.');
    const compare = await screen.findByRole('group', { name: 'The new key to compare' });
    const newKeyId = await keyIdOfPem(testKeyPem('new-owner.pub.pem'));
    expect(within(compare).getByText(formatKeyIdForHumans(newKeyId))).toHaveAttribute('data-key-id', newKeyId);
    expect(compare).toHaveTextContent('New key of Ada L.');
    await user.click(within(compare).getByLabelText('I compared this key ID with the owner, by phone or in person'));
    await user.click(screen.getByRole('button', { name: 'Download recovery blob' }));

    const name = `${made.serial}.keyward-recovery.json`;
    await screen.findByText(/Send it to the owner/);
    const done = screen.getAllByRole('status').find((element) => element.textContent.includes(name))!;
    expect(done).toHaveTextContent("Issued for the owner's new key");
    expect(within(done).getByText(formatKeyIdForHumans(await keyIdOfPem(testKeyPem('new-owner.pub.pem'))))).toBeInTheDocument();
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
    expect(download.saved[1]!.name).toBe(name);
    expect(JSON.parse(await download.saved[1]!.blob.text())).toMatchObject({ format: 'keyward-recovery/1', owner: { name: 'Ada L.' } });

    await user.click(screen.getByRole('button', { name: 'Close' }));
    expect(screen.getByRole('group', { name: 'Drop escrow blobs' })).toBeInTheDocument();
    expect(screen.queryByRole('group', { name: 'Escrow blob details' })).not.toBeInTheDocument();
    // Close is gone with the case: focus is on the heading above the drop zone, not on the page body.
    expect(screen.getByRole('heading', { name: 'Recover from an escrow blob' })).toHaveFocus();
  });

  it('names the authority key a blob is for, and offers no recovery', async () => {
    const { user } = await setup();
    const made = await makeKeywardFile({ plaintext, name: 'x.bin', ownerPublicPem: ownerPubPem, authorityPublicPem: testKeyPem('stranger.pub.pem') });

    await user.upload(screen.getByLabelText('Choose escrow blobs'), escrowFile(made.escrowJson));

    const details = await screen.findByRole('group', { name: 'Escrow blob details' });
    const alert = within(details).getByRole('alert');
    expect(alert).toHaveAttribute('data-code', 'NO_MATCHING_KEY');
    expect(alert).toHaveTextContent(formatKeyIdForHumans(await keyIdOfPem(testKeyPem('stranger.pub.pem'))));
    expect(screen.queryByRole('button', { name: 'Download recovery blob' })).not.toBeInTheDocument();
    expect(screen.queryByRole('group', { name: 'Drop the encrypted file' })).not.toBeInTheDocument();
  });

  it('never says "Checked" above a v1 blob, which a forger can make open: it is labelled unsigned (v1)', async () => {
    const { user } = await setup();
    const made = await makeKeywardFile({ plaintext, name: 'x.bin', ownerPublicPem: ownerPubPem, authorityPublicPem: authorityPubPem, ownerName: 'Ada' });
    // The forgery of the requirements: a real blob's public fields, a random key wrapped for the authority, its MAC recomputed.
    const { b64u, deriveFileKeys, fromB64u, importPublicKey, parseBlob, sealBlob, serializeBlob, wrapFileKey } = await import('../../core/index.ts');
    const real = parseBlob(made.escrowJson);
    const randomKey = crypto.getRandomValues(new Uint8Array(32));
    const keys = await deriveFileKeys(randomKey, fromB64u(real.salt, 'salt'));
    const wrappedKey = b64u(await wrapFileKey(randomKey, (await importPublicKey(authorityPubPem)).publicKey));
    const forged = serializeBlob(await sealBlob({ ...real, description: 'Forged', wrappedKey }, keys.blobMacKey));

    await user.upload(screen.getByLabelText('Choose escrow blobs'), escrowFile(forged));

    const details = await screen.findByRole('group', { name: 'Escrow blob details' });
    expect(await within(details).findByText('Unsigned (v1)')).toBeInTheDocument();
    expect(details).not.toHaveTextContent(/Checked/);
  });

  it('shows a tampered blob as not checked', async () => {
    const { user } = await setup();
    const made = await makeKeywardFile({ plaintext, name: 'x.bin', ownerPublicPem: ownerPubPem, authorityPublicPem: authorityPubPem, ownerName: 'Ada' });

    await user.upload(screen.getByLabelText('Choose escrow blobs'), escrowFile(made.escrowJson.replace('"Ada"', '"Mallory"')));

    const details = await screen.findByRole('group', { name: 'Escrow blob details' });
    expect(within(details).getByRole('alert')).toHaveAttribute('data-code', 'BLOB_TAMPERED');
    expect(within(details).queryByText('Unsigned (v1)')).not.toBeInTheDocument();
  });

  it('puts the reason a file is not an escrow blob next to the drop zone, and stays usable', async () => {
    const { user } = await setup();
    const made = await makeKeywardFile({ plaintext, name: 'x.bin', ownerPublicPem: ownerPubPem, authorityPublicPem: authorityPubPem });

    await user.upload(screen.getByLabelText('Choose escrow blobs'), new File(['<b>not json</b>'], 'notes.json'));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('notes.json: This file or blob is damaged or not in the Keyward format');

    await user.upload(screen.getByLabelText('Choose escrow blobs'), escrowFile(made.escrowJson));
    expect(await screen.findByText('Unsigned (v1)')).toBeInTheDocument();
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it('refuses another file with this blob', async () => {
    const { user } = await setup();
    const made = await makeKeywardFile({ plaintext, name: 'x.bin', ownerPublicPem: ownerPubPem, authorityPublicPem: authorityPubPem });
    const other = await makeKeywardFile({ plaintext, name: 'y.bin', ownerPublicPem: ownerPubPem, authorityPublicPem: authorityPubPem });

    await user.upload(screen.getByLabelText('Choose escrow blobs'), escrowFile(made.escrowJson));
    await user.upload(await screen.findByLabelText('Choose encrypted file'), other.file);

    const row = within(screen.getByRole('list', { name: 'Files being decrypted' })).getByRole('listitem', { name: 'y.bin.keyward' });
    expect(await within(row).findByRole('alert', {}, { timeout: 20_000 })).toHaveAttribute('data-code', 'BLOB_MISMATCH');
    expect(within(row).queryByRole('button', { name: /^Download/ })).not.toBeInTheDocument();
  });
  it('checks several blobs at once, lists each with its own result, and opens a good one', async () => {
    const { user } = await setup();
    const good = await makeKeywardFile({ plaintext, name: 'a.bin', ownerPublicPem: ownerPubPem, authorityPublicPem: authorityPubPem, description: 'Board minutes' });
    const altered = await makeKeywardFile({ plaintext, name: 'b.bin', ownerPublicPem: ownerPubPem, authorityPublicPem: authorityPubPem, ownerName: 'Ada' });
    const stranger = await makeKeywardFile({ plaintext, name: 'c.bin', ownerPublicPem: ownerPubPem, authorityPublicPem: testKeyPem('stranger.pub.pem') });

    await user.upload(screen.getByLabelText('Choose escrow blobs'), [
      escrowFile(altered.escrowJson.replace('"Ada"', '"Mallory"')),
      new File([stranger.escrowJson], 'c.keyward-escrow.json'),
      new File([good.escrowJson], 'a.keyward-escrow.json'),
    ]);

    const list = await screen.findByRole('list', { name: 'Escrow blobs' });
    const row = (name: string) => within(list).getByRole('listitem', { name });
    await waitFor(() => {
      expect(within(row('a.keyward-escrow.json')).getByText('Unsigned (v1)')).toBeInTheDocument();
    });
    expect(within(row('report.pdf.keyward-escrow.json')).getByRole('alert')).toHaveAttribute('data-code', 'BLOB_TAMPERED');
    expect(within(row('c.keyward-escrow.json')).getByRole('alert')).toHaveAttribute('data-code', 'NO_MATCHING_KEY');
    expect(row('a.keyward-escrow.json')).toHaveTextContent(good.serial);
    expect(row('a.keyward-escrow.json')).toHaveTextContent('Board minutes');
    expect(row('a.keyward-escrow.json')).toHaveTextContent('Ada Lovelace');
    expect(within(row('c.keyward-escrow.json')).queryByRole('button', { name: 'Open' })).not.toBeInTheDocument();

    await user.click(within(row('a.keyward-escrow.json')).getByRole('button', { name: 'Open' }));
    const details = screen.getByRole('group', { name: 'Escrow blob details' });
    expect(within(details).getByText(good.serial)).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Close' }));
    expect(screen.getByRole('list', { name: 'Escrow blobs' })).toBeInTheDocument();
    expect(screen.getByRole('heading', { name: 'Escrow blobs' })).toHaveFocus();

    // Clearing the list removes its button: focus goes to the heading above the drop zone, not to the page body.
    await user.click(screen.getByRole('button', { name: 'Clear the list' }));
    expect(screen.queryByRole('list', { name: 'Escrow blobs' })).not.toBeInTheDocument();
    expect(screen.getByRole('heading', { name: 'Recover from an escrow blob' })).toHaveFocus();
  });

  it('issues a recovery blob only after the new key ID was compared, and refuses the authority’s own key', async () => {
    const { download, user } = await setup();
    const made = await makeKeywardFile({ plaintext, name: 'x.bin', ownerPublicPem: ownerPubPem, authorityPublicPem: authorityPubPem });
    await user.upload(screen.getByLabelText('Choose escrow blobs'), escrowFile(made.escrowJson));
    const keyField = await screen.findByLabelText("Owner's new public key (PEM or JWK)");

    await user.click(keyField);
    await user.paste(authorityPubPem);
    expect(await screen.findByRole('alert')).toHaveAttribute('data-code', 'KEY_IS_AUTHORITY');
    expect(screen.queryByRole('group', { name: 'The new key to compare' })).not.toBeInTheDocument();

    await user.clear(keyField);
    await user.paste(ownerPubPem);
    expect(await screen.findByRole('alert')).toHaveAttribute('data-code', 'KEY_IS_ESCROWED_OWNER');

    await user.clear(keyField);
    await user.paste(testKeyPem('new-owner.pub.pem'));
    const compare = await screen.findByRole('group', { name: 'The new key to compare' });
    // The name the recovery blob will carry: the escrow blob's, since none was typed.
    expect(compare).toHaveTextContent('New key of Ada Lovelace');
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Download recovery blob' }));
    expect(await screen.findByRole('alert')).toHaveAttribute('data-code', 'KEY_NOT_CONFIRMED');
    expect(download.saved).toEqual([]);

    // Confirming is a change of the form: the error it answers goes at once.
    await user.click(within(compare).getByLabelText('I compared this key ID with the owner, by phone or in person'));
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Download recovery blob' }));
    await screen.findByText(/Send it to the owner/);
    expect(download.saved.map((s) => s.name)).toEqual([`${made.serial}.keyward-recovery.json`]);
  });
});
