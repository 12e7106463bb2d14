// @vitest-environment happy-dom
import { formatKeyIdForHumans } from '../../store/format.ts';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { StoreProvider } from '../../app/providers.tsx';
import {
  bytesOf,
  createTestStore,
  keyIdOfPem,
  makeIdentity,
  makeKeywardFile,
  makeSignedFile,
  recordingDownloader,
  storeWithIdentities,
  testKeyPem,
} from '../../store/test-adapters.ts';
import { DecryptPanel } from './decrypt-panel.tsx';

const ownerPubPem = testKeyPem('owner.pub.pem');
const authorityPubPem = testKeyPem('authority.pub.pem');
const plaintext = new Uint8Array(100_000).map((_, i) => (i * 13) & 0xff);

async function setup() {
  const download = recordingDownloader();
  const { store } = await createTestStore({ download });
  await store.getState().importKey({ text: testKeyPem('owner.pem'), name: 'Ada' });
  render(
    <StoreProvider store={store}>
      <DecryptPanel />
    </StoreProvider>,
  );
  return { store, download, user: userEvent.setup() };
}

const rowFor = (name: string) => within(screen.getByRole('list', { name: 'Files being decrypted' })).getByRole('listitem', { name });
/** The file's row, once it is listed (it is listed when the store has read the file, not at once). */
const findRow = (name: string) => screen.findByRole('listitem', { name }, { timeout: 20_000 });

describe('DecryptPanel', () => {
  it('decrypts a dropped file and downloads it under its original name', async () => {
    const { download, user } = await setup();
    const made = await makeKeywardFile({ plaintext, name: 'report.pdf', ownerPublicPem: ownerPubPem, authorityPublicPem: authorityPubPem });

    expect(screen.getByRole('heading', { name: 'Decrypt files' })).toBeInTheDocument();
    expect(screen.getByRole('group', { name: 'Drop .keyward files to decrypt' })).toBeInTheDocument();
    await user.upload(screen.getByLabelText('Choose files to decrypt'), made.file);

    const button = await screen.findByRole('button', { name: 'Download report.pdf' }, { timeout: 20_000 });
    expect(within(rowFor('report.pdf.keyward')).getByText(/100 KB/)).toBeInTheDocument();
    // A v1 file names no signer, and the row says so.
    expect(within(rowFor('report.pdf.keyward')).getByText('unsigned (v1)')).toBeInTheDocument();
    await user.click(button);
    expect(download.saved.map((s) => s.name)).toEqual(['report.pdf']);
    expect(await bytesOf(download.saved[0]!.blob)).toEqual(plaintext);
  });

  it('lists the key IDs a file is for when no key here matches', async () => {
    const { user } = await setup();
    const made = await makeKeywardFile({ plaintext, name: 'theirs.txt', ownerPublicPem: testKeyPem('stranger.pub.pem'), authorityPublicPem: authorityPubPem });

    await user.upload(screen.getByLabelText('Choose files to decrypt'), made.file);

    const alert = await within(await findRow('theirs.txt.keyward')).findByRole('alert', {}, { timeout: 20_000 });
    expect(alert).toHaveTextContent('None of your keys can open this.');
    // Named once, in the one notation every screen uses (grouped in fours), never as SHA256:….
    const strangerKeyId = await keyIdOfPem(testKeyPem('stranger.pub.pem'));
    expect(within(alert).getByText(formatKeyIdForHumans(strangerKeyId))).toHaveAttribute('data-key-id', strangerKeyId);
    expect(alert).not.toHaveTextContent('SHA256:');
    expect(screen.queryByRole('button', { name: /^Download/ })).not.toBeInTheDocument();
  });

  it('refuses a tampered file with a sentence and no download, then still opens a good one', async () => {
    const { user } = await setup();
    const made = await makeKeywardFile({ plaintext, name: 'report.pdf', ownerPublicPem: ownerPubPem, authorityPublicPem: authorityPubPem });
    const bytes = await bytesOf(made.file);
    bytes[bytes.length - 1]! ^= 0x80;

    await user.upload(screen.getByLabelText('Choose files to decrypt'), new File([bytes as Uint8Array<ArrayBuffer>], 'tampered.keyward'));
    const alert = await within(await findRow('tampered.keyward')).findByRole('alert', {}, { timeout: 20_000 });
    expect(alert).toHaveAttribute('data-code', 'CHUNK_TAMPERED');
    expect(alert).toHaveTextContent('has been changed or damaged, so nothing was saved');
    expect(screen.queryByRole('button', { name: /^Download/ })).not.toBeInTheDocument();

    await user.upload(screen.getByLabelText('Choose files to decrypt'), made.file);
    await screen.findByRole('button', { name: 'Download report.pdf' }, { timeout: 20_000 });

    await user.click(screen.getByRole('button', { name: 'Clear finished' }));
    expect(screen.queryByRole('list', { name: 'Files being decrypted' })).not.toBeInTheDocument();
  });

  it('shows progress with a Cancel button while a file is being decrypted', async () => {
    const { store, user } = await setup();
    const a = await makeKeywardFile({ plaintext, name: 'a.bin', ownerPublicPem: ownerPubPem, authorityPublicPem: authorityPubPem });
    const b = await makeKeywardFile({ plaintext, name: 'b.bin', ownerPublicPem: ownerPubPem, authorityPublicPem: authorityPubPem });

    await user.upload(screen.getByLabelText('Choose files to decrypt'), [a.file, b.file]);

    // b waits for a: its row has a progress bar and can be cancelled.
    const row = rowFor('b.bin.keyward');
    expect(within(row).getByRole('progressbar', { name: 'Decrypting b.bin.keyward' })).toBeInTheDocument();
    await user.click(within(row).getByRole('button', { name: 'Cancel' }));
    expect(await within(row).findByText('Cancelled. Nothing was saved.')).toBeInTheDocument();
    await waitFor(() => { expect(store.getState().decryptJobs[0]!.status).toBe('done'); }, { timeout: 20_000 });
  });

  it('says a file signed by one of this browser’s identities is signed by you', async () => {
    const [me, desk] = await Promise.all([makeIdentity(), makeIdentity()]);
    const { store } = await storeWithIdentities(me, desk);
    render(
      <StoreProvider store={store}>
        <DecryptPanel />
      </StoreProvider>,
    );
    const made = await makeSignedFile({ owner: me, authority: desk, plaintext, name: 'signed.pdf' });
    await userEvent.setup().upload(screen.getByLabelText('Choose files to decrypt'), made.file);
    await screen.findByRole('button', { name: 'Download signed.pdf' }, { timeout: 20_000 });
    expect(within(rowFor('signed.pdf.keyward')).getByText('Signed by you')).toBeInTheDocument();
    expect(within(rowFor('signed.pdf.keyward')).queryByText('unsigned (v1)')).not.toBeInTheDocument();
  }, 60_000);
});
