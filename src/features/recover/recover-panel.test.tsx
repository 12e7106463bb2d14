// @vitest-environment happy-dom
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { StoreProvider } from '../../app/providers.tsx';
import { bytesOf, createTestStore, keyIdOfPem, makeKeywardFile, recordingDownloader, testKeyPem } from '../../store/test-adapters.ts';
import { RecoverPanel } from './recover-panel.tsx';

const plaintext = new Uint8Array(70_000).map((_, i) => (i * 7) & 0xff);

/** A file for the old owner key and a recovery blob for the new one, issued by a separate authority store. */
async function recoveryFixture() {
  const made = await makeKeywardFile({ plaintext, name: 'thesis.tex', ownerPublicPem: testKeyPem('owner.pub.pem'), authorityPublicPem: testKeyPem('authority.pub.pem') });
  const download = recordingDownloader();
  const { store: authority } = await createTestStore({ download });
  await authority.getState().importAuthorityKey({ text: testKeyPem('authority.pem'), name: 'Desk' });
  await authority.getState().loadEscrowBlobs([new File([made.escrowJson], 'thesis.tex.keyward-escrow.json')]);
  const newKey = testKeyPem('new-owner.pub.pem');
  expect(await authority.getState().issueRecovery(newKey, '', await keyIdOfPem(newKey))).toBeNull();
  const saved = download.saved[0]!;
  return { file: made.file, recovery: new File([saved.blob], saved.name, { type: 'application/json' }) };
}

describe('RecoverPanel', () => {
  it('opens a file with a recovery blob for the new key pair', async () => {
    const { file, recovery } = await recoveryFixture();
    const { store } = await createTestStore();
    await store.getState().importKey({ text: testKeyPem('new-owner.pem'), name: 'Ada (new)' });
    render(
      <StoreProvider store={store}>
        <RecoverPanel />
      </StoreProvider>,
    );
    const user = userEvent.setup();
    const decrypt = screen.getByRole('button', { name: 'Decrypt with recovery blob' });

    expect(screen.getByRole('heading', { name: 'Open a file with a recovery blob' })).toBeInTheDocument();
    expect(decrypt).toBeDisabled();
    await user.upload(screen.getByLabelText('Choose encrypted file'), file);
    expect(screen.getByRole('group', { name: 'Drop the encrypted file' })).toHaveAccessibleDescription('Chosen: thesis.tex.keyward');
    expect(decrypt).toBeDisabled();
    await user.upload(screen.getByLabelText('Choose recovery blob'), recovery);
    await user.click(decrypt);

    expect(screen.getByRole('status')).toHaveTextContent('Opening thesis.tex.keyward');
    expect(decrypt).toBeDisabled();
    await waitFor(() => { expect(store.getState().decryptJobs[0]?.status).toBe('done'); }, { timeout: 20_000 });
    const job = store.getState().decryptJobs[0]!;
    expect(job.via).toBe('recovery');
    expect(await bytesOf(job.output!)).toEqual(plaintext);
  });

  it('puts the error on the file’s row when the recovery blob is for another key', async () => {
    const { file, recovery } = await recoveryFixture();
    const { store } = await createTestStore();
    await store.getState().importKey({ text: testKeyPem('owner.pem'), name: 'Ada (old)' });
    render(
      <StoreProvider store={store}>
        <RecoverPanel />
      </StoreProvider>,
    );
    const user = userEvent.setup();

    await user.upload(screen.getByLabelText('Choose encrypted file'), file);
    await user.upload(screen.getByLabelText('Choose recovery blob'), recovery);
    await user.click(screen.getByRole('button', { name: 'Decrypt with recovery blob' }));

    await waitFor(() => { expect(store.getState().decryptJobs[0]?.status).toBe('failed'); }, { timeout: 20_000 });
    expect(store.getState().decryptJobs[0]!.error?.code).toBe('NO_MATCHING_KEY');
  });
});
