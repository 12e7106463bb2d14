// @vitest-environment happy-dom
import { formatKeyIdForHumans } from '../../store/format.ts';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { StoreProvider } from '../../app/providers.tsx';
import { createTestStore, keyIdOfPem, recordingDownloader, storeAsUnbackable, testKeyPem } from '../../store/test-adapters.ts';
import { exportPublicIdentity, generateIdentity, identityFromKeyPair } from '../../core/index.ts';
import { KeysPanel } from './keys-panel.tsx';

/** An imported key pair (non-extractable) and a confirmed authority, as after the first run. */
async function setup(options: { exportable?: boolean } = {}) {
  const download = recordingDownloader();
  const { store } = await createTestStore({ download });
  await store.getState().importKey({ text: testKeyPem('owner.pem'), name: 'Ada Lovelace', keepExportable: options.exportable ?? false });
  const authority = await store.getState().importKey({ text: testKeyPem('authority.pub.pem'), name: 'IT backup desk' });
  if ('error' in authority) throw new Error(authority.error.message);
  await store.getState().confirmAuthority(authority.key.keyId);
  render(
    <StoreProvider store={store}>
      <KeysPanel />
    </StoreProvider>,
  );
  await waitFor(() => {
    expect(store.getState().persist).not.toBe('unknown');
  });
  return { store, download, user: userEvent.setup() };
}

const card = (name: string) => within(screen.getByRole('list', { name: 'Stored keys' })).getByRole('listitem', { name });

describe('KeysPanel', () => {
  it('shows each key as a card with its role, size, key ID and badges', async () => {
    await setup();
    const items = within(screen.getByRole('list', { name: 'Stored keys' })).getAllByRole('listitem');
    expect(items).toHaveLength(2);

    const own = card('Ada Lovelace');
    expect(own).toHaveTextContent('My key pair');
    expect(own).toHaveTextContent('3072 bits');
    expect(within(own).getByText(formatKeyIdForHumans(await keyIdOfPem(testKeyPem('owner.pub.pem'))))).toBeInTheDocument();
    expect(within(own).getByText('Private key stays in this browser')).toBeInTheDocument();
    expect(within(own).getByText('Imported from a key file (your backup)')).toBeInTheDocument();
    expect(within(own).getByRole('button', { name: 'Export backup…' })).toBeInTheDocument();

    const authority = card('IT backup desk');
    expect(authority).toHaveTextContent('Backup authority');
    expect(within(authority).getByText(/^Key ID confirmed/)).toBeInTheDocument();
    expect(within(authority).queryByRole('button', { name: 'Export backup…' })).not.toBeInTheDocument();
    expect(within(authority).queryByText('Private key stays in this browser')).not.toBeInTheDocument();
  });

  it('labels the ID each card shows: a v1 key cannot sign until a signing key is added, then shows its new identity ID', async () => {
    const { store, user } = await setup();
    const own = card('Ada Lovelace');
    const keyId = await keyIdOfPem(testKeyPem('owner.pub.pem'));
    expect(within(own).getByText(formatKeyIdForHumans(keyId)).parentElement).toHaveTextContent(/^Key ID .* v1 key, cannot sign$/);
    // An authority's v1 key is shown the same way, and cannot be upgraded from here (no private key).
    expect(within(card('IT backup desk')).getByText('v1 key, cannot sign')).toBeInTheDocument();
    expect(within(card('IT backup desk')).queryByRole('button', { name: 'Add a signing key' })).not.toBeInTheDocument();

    await user.click(within(own).getByRole('button', { name: 'Add a signing key' }));
    const told = await within(card('Ada Lovelace')).findByRole('status', undefined, { timeout: 20_000 });
    expect(told).toHaveTextContent(/new identity ID.*send it to whoever uses your key/);
    // The button it replaced is gone: the focus is on what to do next, not lost on the page (moved once it is shown).
    await waitFor(() => {
      expect(told).toHaveFocus();
    });
    const identityId = store.getState().keys.find((k) => k.keyId === keyId)!.identity!.id;
    expect(within(card('Ada Lovelace')).getByText(formatKeyIdForHumans(identityId)).parentElement).toHaveTextContent(/^Identity ID /);
    expect(within(card('Ada Lovelace')).queryByText('v1 key, cannot sign')).not.toBeInTheDocument();
    expect(within(card('Ada Lovelace')).queryByRole('button', { name: 'Add a signing key' })).not.toBeInTheDocument();
  });

  it('exports public keys as PEM and JWK through the downloader', async () => {
    const { download, user } = await setup();
    await user.click(within(card('Ada Lovelace')).getByRole('button', { name: 'Export public key (PEM)' }));
    await user.click(within(card('IT backup desk')).getByRole('button', { name: 'Export public key (JWK)' }));

    await waitFor(() => {
      expect(download.saved.map((s) => s.name)).toEqual(['Ada-Lovelace.pub.pem', 'IT-backup-desk.pub.jwk.json']);
    });
    const pem = await download.saved[0]!.blob.text();
    expect(pem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(await keyIdOfPem(pem)).toBe(await keyIdOfPem(testKeyPem('owner.pub.pem')));
    expect(JSON.parse(await download.saved[1]!.blob.text())).toMatchObject({ kty: 'RSA', key_ops: ['encrypt'] });
    expect(await keyIdOfPem(await download.saved[1]!.blob.text())).toBe(await keyIdOfPem(testKeyPem('authority.pub.pem')));
  });

  it('explains that a non-extractable key cannot be backed up any more', async () => {
    const { download, user } = await setup();
    await user.click(within(card('Ada Lovelace')).getByRole('button', { name: 'Export backup…' }));

    const notice = within(card('Ada Lovelace')).getByRole('alert');
    expect(notice).toHaveAttribute('data-code', 'KEY_NOT_EXTRACTABLE');
    expect(notice).toHaveTextContent('stored so that it can be used but never read out');
    expect(within(card('Ada Lovelace')).queryByLabelText('Backup passphrase')).not.toBeInTheDocument();
    expect(download.saved).toEqual([]);
  });

  it('exports a backup of an exportable key after checking the repeated passphrase', async () => {
    const { download, user } = await setup({ exportable: true });
    const own = card('Ada Lovelace');
    expect(within(own).getByText('Private key can be exported')).toBeInTheDocument();
    await user.click(within(own).getByRole('button', { name: 'Export backup…' }));
    await user.type(within(own).getByLabelText('Backup passphrase'), 'short');
    await user.type(within(own).getByLabelText('Repeat passphrase'), 'short');
    await user.click(within(own).getByRole('button', { name: 'Download backup' }));
    expect(await within(own).findByRole('alert')).toHaveAttribute('data-code', 'PASSPHRASE_SHORT');

    await user.type(within(own).getByLabelText('Backup passphrase'), ' and long');
    await user.type(within(own).getByLabelText('Repeat passphrase'), ' and long');
    await user.click(within(own).getByRole('button', { name: 'Download backup' }));
    expect(await within(own).findByText(/^Backup exported/, undefined, { timeout: 20_000 })).toBeInTheDocument();
    expect(download.saved.map((s) => s.name)).toEqual(['Ada-Lovelace.backup.pem']);
    expect(await download.saved[0]!.blob.text()).toContain('ENCRYPTED PRIVATE KEY');
    expect(within(own).queryByLabelText('Backup passphrase')).not.toBeInTheDocument();
  }, 30_000);

  it('deletes a key only after a confirmation that says what becomes unreadable', async () => {
    const { store, user } = await setup();
    await user.click(within(card('Ada Lovelace')).getByRole('button', { name: 'Delete…' }));
    let dialog = screen.getByRole('dialog', { name: 'Delete this key?' });
    expect(dialog).toHaveTextContent(
      'Files encrypted for this key can no longer be opened in this browser unless you have a backup or your backup authority recovers them.',
    );
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(store.getState().keys).toHaveLength(2);

    await user.click(within(card('IT backup desk')).getByRole('button', { name: 'Delete…' }));
    dialog = screen.getByRole('dialog', { name: 'Delete this key?' });
    expect(dialog).toHaveTextContent('New files can no longer be escrowed to this authority');
    await user.click(within(dialog).getByRole('button', { name: 'Delete key' }));

    await waitFor(() => {
      expect(store.getState().keys.map((k) => k.name)).toEqual(['Ada Lovelace']);
    });
    expect(within(screen.getByRole('list', { name: 'Stored keys' })).getAllByRole('listitem')).toHaveLength(1);
    // The card and its Delete button are gone: focus is on the list's heading, not on the page body.
    expect(screen.getByRole('heading', { name: 'Your keys' })).toHaveFocus();
  });

  it('renames a key', async () => {
    const { store, user } = await setup();
    await user.click(within(card('IT backup desk')).getByRole('button', { name: 'Rename' }));
    const field = within(card('IT backup desk')).getByRole('textbox', { name: 'New name' });
    await user.clear(field);
    await user.type(field, 'Backup desk (Zurich)');
    await user.click(screen.getByRole('button', { name: 'Save name' }));

    expect(await screen.findByRole('listitem', { name: 'Backup desk (Zurich)' })).toBeInTheDocument();
    expect(store.getState().keys[1]?.name).toBe('Backup desk (Zurich)');
  });

  it('adds another authority to confirm, and keeps the form when the key is refused', async () => {
    const { store, user } = await setup();
    await user.click(screen.getByRole('button', { name: 'Import a key' }));
    const field = screen.getByLabelText('Your key (PEM or JWK)');
    await user.click(field);
    await user.paste(testKeyPem('ec-p256.pub.pem'));
    await user.click(screen.getByRole('button', { name: 'Import key' }));
    expect(await screen.findByRole('alert')).toHaveAttribute('data-code', 'KEY_UNSUPPORTED');
    expect(field).toHaveValue(testKeyPem('ec-p256.pub.pem'));

    await user.clear(field);
    await user.click(field);
    await user.paste(testKeyPem('stranger.pub.pem'));
    await user.type(screen.getByRole('textbox', { name: 'Name for this key' }), 'Legal hold');
    await user.click(screen.getByRole('button', { name: 'Import key' }));

    expect(await screen.findByText('Added “Legal hold” (Backup authority).')).toBeInTheDocument();
    const added = card('Legal hold');
    expect(within(added).getByText('Key ID not confirmed')).toBeInTheDocument();
    expect(field).toHaveValue('');
    await user.click(within(added).getByRole('button', { name: 'Confirm authority' }));
    // The Confirm button is gone: focus is on what it did, not on the page body.
    const confirmed = await within(card('Legal hold')).findByText(/^Key ID confirmed/);
    await waitFor(() => {
      expect(confirmed).toHaveFocus();
    });
    expect(store.getState().keys.find((k) => k.name === 'Legal hold')?.confirmedAt).toBeGreaterThan(0);
  });

  it('backs up a key pair created here before it is saved and listed', async () => {
    const { store, download, user } = await setup();
    await user.click(screen.getByRole('button', { name: 'Create a key pair' }));
    await user.type(screen.getByRole('textbox', { name: 'Name for this key' }), 'Ada 2027');
    await user.click(screen.getByRole('radio', { name: '4096 bits' }));
    await user.click(screen.getByRole('button', { name: 'Create key pair' }));

    const step = await screen.findByRole('region', { name: 'Back up your new key pair' }, { timeout: 60_000 });
    expect(step).toHaveTextContent('4096 bits');
    // Not saved (nor listed) before its backup.
    expect(screen.queryByRole('listitem', { name: 'Ada 2027' })).not.toBeInTheDocument();
    await user.type(within(step).getByLabelText('Backup passphrase'), 'correct horse battery');
    await user.type(within(step).getByLabelText('Repeat passphrase'), 'correct horse battery');
    await user.click(within(step).getByRole('button', { name: 'Download backup' }));

    const saved = await screen.findByRole('listitem', { name: 'Ada 2027' }, { timeout: 20_000 });
    expect(saved).toHaveTextContent('4096 bits');
    expect(within(saved).getByText(/^Backup exported/)).toBeInTheDocument();
    expect(screen.getByText('Added “Ada 2027” (My key pair).')).toBeInTheDocument();
    expect(download.saved.map((s) => s.name)).toEqual(['Ada-2027.backup.pem']);
    expect(store.getState().newKey).toBeNull();
    expect(screen.queryByText(/No backup exported yet for/)).not.toBeInTheDocument();
  }, 90_000);

  it('after "Keep it" on a key that can never be backed up, focus goes to the badge that says so, not to the page body', async () => {
    const test = await createTestStore();
    const { store } = test;
    const imported = await store.getState().importKey({ text: testKeyPem('owner.pem'), name: 'Ada Lovelace' });
    if (!('key' in imported)) throw new Error('import failed');
    await storeAsUnbackable(test, imported.key);
    render(
      <StoreProvider store={store}>
        <KeysPanel />
      </StoreProvider>,
    );
    const user = userEvent.setup();
    const ada = card('Ada Lovelace');
    await user.click(within(ada).getByRole('button', { name: 'Keep it: only my backup authority can recover my files' }));
    const badge = await within(ada).findByText('Kept without a backup');
    await waitFor(() => {
      expect(badge).toHaveFocus();
    });
    expect(store.getState().keys[0]?.backupDeclinedAt).toBeGreaterThan(0);
  });

  it('does not confirm an authority whose identity was replaced after its ID was shown (another tab), and says so', async () => {
    const { store, adapters } = await createTestStore();
    const desk = await generateIdentity({ bits: 3072, extractable: true });
    const added = await store.getState().importKey({ text: await exportPublicIdentity(desk, 'pem'), name: 'IT backup desk', accept: 'public' });
    if ('error' in added) throw new Error(added.error.message);
    render(
      <StoreProvider store={store}>
        <KeysPanel />
      </StoreProvider>,
    );
    const authority = await screen.findByRole('listitem', { name: 'IT backup desk' });
    expect(within(authority).getByText(formatKeyIdForHumans(desk.id))).toBeInTheDocument();
    const other = await identityFromKeyPair(desk.encryption);
    await adapters.keyStore.put({ ...added.key, identity: { ...added.key.identity!, id: other.id, ed25519Spki: other.ed25519Spki, signingKey: other.signingKey } });

    await userEvent.setup().click(within(authority).getByRole('button', { name: 'Confirm authority' }));
    expect(await within(screen.getByRole('listitem', { name: 'IT backup desk' })).findByRole('alert')).toHaveAttribute('data-code', 'KEY_CHANGED');
    expect((await adapters.keyStore.get(added.key.keyId))?.confirmedAt).toBeUndefined();
  }, 60_000);
});
