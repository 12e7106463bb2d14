// @vitest-environment happy-dom
import { formatKeyIdForHumans } from '../../store/format.ts';
import { act, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { StoreProvider } from '../../app/providers.tsx';
import { createTestStore, keyIdOfPem, recordingDownloader, storeAsUnbackable, testKeyPem } from '../../store/test-adapters.ts';
import { AuthorityKeys } from './authority-keys.tsx';

async function setup() {
  const download = recordingDownloader();
  const { store, adapters } = await createTestStore({ download });
  render(
    <StoreProvider store={store}>
      <AuthorityKeys />
    </StoreProvider>,
  );
  return { store, adapters, download, user: userEvent.setup() };
}

/** What older versions stored at Create, when the page was left before the backup: non-extractable, no backup, no decision. */
async function setupUnbackable() {
  const setUp = await setup();
  const { store, adapters } = setUp;
  const imported = await act(() => store.getState().importAuthorityKey({ text: testKeyPem('authority.pem'), name: 'Desk' }));
  if (!('key' in imported)) throw new Error('import failed');
  await act(() => storeAsUnbackable({ store, adapters }, imported.key));
  return setUp;
}

describe('AuthorityKeys', () => {
  it('imports the authority key pair from pasted PEM and exports its public key', async () => {
    const { store, download, user } = await setup();
    expect(screen.getByRole('heading', { name: 'Backup authority' })).toBeInTheDocument();

    await user.click(screen.getByLabelText('Authority private key (PEM or JWK)'));
    await user.paste(testKeyPem('authority.pem'));
    await user.type(screen.getByLabelText('Name for the imported key'), 'IT backup desk');
    await user.click(screen.getByRole('button', { name: 'Import authority key' }));

    const card = await screen.findByRole('listitem', { name: 'IT backup desk' });
    const keyId = await keyIdOfPem(testKeyPem('authority.pub.pem'));
    expect(within(card).getByText(formatKeyIdForHumans(keyId))).toBeInTheDocument();
    expect(store.getState().keys.map((k) => k.role)).toEqual(['authority-own']);
    // Imported from a file the authority already has: no backup button is needed.
    expect(within(card).queryByRole('button', { name: 'Export backup…' })).not.toBeInTheDocument();

    await user.click(within(card).getByRole('button', { name: 'Export public key (PEM)' }));
    // The export runs in the crypto adapter first: wait for the download (a busy machine made this flaky).
    await waitFor(() => {
      expect(download.saved.map((s) => s.name)).toEqual(['IT-backup-desk.pub.pem']);
    });
    expect(await keyIdOfPem(await download.saved[0]!.blob.text())).toBe(keyId);
  });

  it('says a public key cannot be the authority key pair, and stores nothing', async () => {
    const { store, user } = await setup();

    await user.click(screen.getByLabelText('Authority private key (PEM or JWK)'));
    await user.paste(testKeyPem('authority.pub.pem'));
    await user.click(screen.getByRole('button', { name: 'Import authority key' }));

    expect(await screen.findByRole('alert')).toHaveTextContent('This is a public key, but a private key is needed here.');
    expect(store.getState().keys).toEqual([]);
  });

  it('asks for the passphrase of an encrypted key', async () => {
    const { user } = await setup();

    await user.click(screen.getByLabelText('Authority private key (PEM or JWK)'));
    await user.paste(testKeyPem('owner-encrypted.pem'));
    await user.type(screen.getByLabelText('Name for the imported key'), 'Desk');
    await user.click(screen.getByRole('button', { name: 'Import authority key' }));
    expect(await screen.findByRole('alert')).toHaveAttribute('data-code', 'PASSPHRASE_REQUIRED');

    await user.type(screen.getByLabelText('Passphrase'), testKeyPem('owner-encrypted.passphrase.txt').trim());
    await user.click(screen.getByRole('button', { name: 'Import authority key' }));
    expect(await screen.findByRole('list', { name: 'Authority key pairs' }, { timeout: 20_000 })).toBeInTheDocument();
  });

  it('creates a key pair and saves it only once its backup is downloaded', async () => {
    const { store, download, user } = await setup();

    await user.click(screen.getByRole('button', { name: 'Create authority key pair' }));
    expect(await screen.findByRole('alert')).toHaveAttribute('data-code', 'NAME_REQUIRED');
    expect(screen.getByLabelText('Authority key name')).toHaveAttribute('aria-invalid', 'true');
    await user.type(screen.getByLabelText('Authority key name'), 'Desk 2');
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
    expect(screen.getByLabelText('Authority key name')).not.toHaveAttribute('aria-invalid');
    expect(screen.getByRole('radio', { name: '3072 bits' })).toBeChecked();
    await user.click(screen.getByRole('button', { name: 'Create authority key pair' }));

    const step = await screen.findByRole('region', { name: 'Back up your new key pair' }, { timeout: 30_000 });
    expect(store.getState().keys).toEqual([]);
    expect(within(step).getByRole('checkbox', { name: /every escrow blob made for this key becomes useless/ })).not.toBeChecked();
    await user.type(within(step).getByLabelText('Backup passphrase'), 'correct horse');
    await user.type(within(step).getByLabelText('Repeat passphrase'), 'correct horse');
    await user.click(within(step).getByRole('button', { name: 'Download backup' }));

    const card = await screen.findByRole('listitem', { name: 'Desk 2' }, { timeout: 20_000 });
    expect(store.getState().keys[0]).toMatchObject({ role: 'authority-own', modulusBits: 3072, extractable: false });
    expect(within(card).getByText('Backed up')).toBeInTheDocument();
    expect(download.saved.map((s) => s.name)).toEqual(['Desk-2.backup.pem']);
    expect(await download.saved[0]!.blob.text()).toContain('-----BEGIN ENCRYPTED PRIVATE KEY-----');
    expect(within(card).queryByRole('button', { name: 'Export backup…' })).not.toBeInTheDocument();
  }, 60_000);
  it('takes an import error away as soon as the key is changed', async () => {
    const { user } = await setup();
    const field = screen.getByLabelText('Authority private key (PEM or JWK)');

    await user.click(field);
    await user.paste(testKeyPem('authority.pub.pem'));
    await user.click(screen.getByRole('button', { name: 'Import authority key' }));
    expect(await screen.findByRole('alert')).toHaveAttribute('data-code', 'KEY_NOT_PRIVATE');

    await user.clear(field);
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
    await user.paste(testKeyPem('authority.pem'));
    await user.type(screen.getByLabelText('Name for the imported key'), 'Desk');
    await user.click(screen.getByRole('button', { name: 'Import authority key' }));
    expect(await screen.findByRole('list', { name: 'Authority key pairs' })).toBeInTheDocument();
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it('says plainly when an authority key pair can never be backed up, and records keeping it', async () => {
    const { store, user } = await setupUnbackable();
    const card = await screen.findByRole('listitem', { name: 'Desk' });
    expect(within(card).getByText(/has no backup, and none can be made any more/)).toHaveTextContent(
      'If this browser loses its data, no escrow blob made for it can ever be opened again.',
    );
    expect(within(card).getByText(/Whether owners have already escrowed files to it cannot be known here/)).toBeInTheDocument();

    await user.click(within(card).getByRole('button', { name: 'Keep it without a backup' }));
    await waitFor(() => {
      expect(store.getState().keys[0]?.backupDeclinedAt).toBeGreaterThan(0);
    });
    expect(within(card).queryByText(/none can be made any more/)).not.toBeInTheDocument();
    // The buttons are gone: focus is on the badge that says what was kept, not on the page body.
    await waitFor(() => {
      expect(within(card).getByText('No backup, none can be made')).toHaveFocus();
    });
  });

  it('replaces an authority key pair that can never be backed up only after saying every escrow blob for it becomes unopenable', async () => {
    const { store, user } = await setupUnbackable();
    const card = await screen.findByRole('listitem', { name: 'Desk' });

    await user.click(within(card).getByRole('button', { name: 'Delete it and create a new key pair…' }));
    let dialog = screen.getByRole('dialog', { name: 'Delete this authority key pair?' });
    expect(dialog).toHaveTextContent('Every escrow blob already made for this key pair can then never be opened, by you or anyone');
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(store.getState().keys).toHaveLength(1);

    await user.click(within(card).getByRole('button', { name: 'Delete it and create a new key pair…' }));
    dialog = screen.getByRole('dialog', { name: 'Delete this authority key pair?' });
    await user.click(within(dialog).getByRole('button', { name: 'Delete key pair' }));
    expect(await screen.findByRole('button', { name: 'Create authority key pair' })).toBeInTheDocument();
    expect(store.getState().keys).toEqual([]);
    expect(screen.getByRole('heading', { name: 'Your authority key pair' })).toHaveFocus();
  });
});
