// @vitest-environment happy-dom
import { act, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { StoreProvider } from '../../app/providers.tsx';
import { exportPublicIdentity, generateIdentity, identityFromKeyPair, importPrivateIdentity } from '../../core/index.ts';
import { formatKeyIdForHumans } from '../../store/format.ts';
import { createTestStore, keyIdOfPem, recordingDownloader, testKeyPem } from '../../store/test-adapters.ts';
import { FirstRun } from './first-run.tsx';

const PASSPHRASE = testKeyPem('owner-encrypted.passphrase.txt').trim();

async function setup() {
  const download = recordingDownloader();
  const { store, adapters } = await createTestStore({ download });
  render(
    <StoreProvider store={store}>
      <FirstRun />
    </StoreProvider>,
  );
  await waitFor(() => {
    expect(store.getState().persist).not.toBe('unknown');
  });
  return { store, adapters, download, user: userEvent.setup() };
}

type User = ReturnType<typeof userEvent.setup>;

async function pasteInto(user: User, label: string, text: string) {
  const field = screen.getByLabelText(label);
  await user.clear(field);
  await user.click(field);
  await user.paste(text);
}

/** Whether the owner view would now replace the first-run screen. */
const ready = (keys: { role: string; privateKey?: CryptoKey; confirmedAt?: number }[]) =>
  keys.some((k) => k.role === 'owner' && k.privateKey) && keys.some((k) => k.role === 'authority' && k.confirmedAt);

describe('FirstRun', () => {
  it('creates a key pair, downloads its backup, adds and confirms the authority', async () => {
    const { store, download, user } = await setup();
    expect(screen.getByRole('heading', { name: 'Welcome to Keyward' })).toBeInTheDocument();
    expect(store.getState().persist).toBe('denied');

    await user.click(screen.getByRole('button', { name: 'Create a key pair' }));
    expect(screen.getByRole('radio', { name: '3072 bits' })).toBeChecked();
    expect(screen.getByRole('radio', { name: '4096 bits' })).not.toBeChecked();
    expect(screen.getByRole('checkbox', { name: 'Keep the private key exportable' })).not.toBeChecked();
    await user.type(screen.getByRole('textbox', { name: 'Name for this key' }), 'Ada Lovelace');
    await user.click(screen.getByRole('button', { name: 'Create key pair' }));

    // The new key pair waits, unsaved, for its backup; the focus moves to that step.
    const step = await screen.findByRole('heading', { name: 'Back up your new key pair' }, { timeout: 30_000 });
    expect(step).toHaveFocus();
    const own = store.getState().newKey!.key;
    expect(own).toMatchObject({ name: 'Ada Lovelace', role: 'owner', modulusBits: 3072 });
    expect(store.getState().keys).toEqual([]);
    // A new key pair is an identity: the ID to compare is its identity ID, labelled as such.
    const ownId = own.identity!.id;
    expect(screen.getByText(formatKeyIdForHumans(ownId))).toHaveAttribute('data-key-id', ownId);
    expect(screen.getByText(formatKeyIdForHumans(ownId)).parentElement).toHaveTextContent(/^Identity ID /);
    // The authority step waits for the backup (or a clear "no").
    expect(screen.queryByLabelText('Authority public key (PEM or JWK)')).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Save the key without a backup' })).toBeDisabled();

    await user.type(screen.getByLabelText('Backup passphrase'), 'correct horse battery');
    await user.type(screen.getByLabelText('Repeat passphrase'), 'correct horse batery');
    await user.click(screen.getByRole('button', { name: 'Download backup' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(/The two passphrases differ/);
    expect(download.saved).toEqual([]);

    await user.clear(screen.getByLabelText('Repeat passphrase'));
    // Stale once the passphrase it was about changes.
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
    await user.type(screen.getByLabelText('Repeat passphrase'), 'correct horse battery');
    await user.click(screen.getByRole('button', { name: 'Download backup' }));
    expect(await screen.findByText(/Backup downloaded/, undefined, { timeout: 20_000 })).toBeInTheDocument();
    expect(download.saved.map((s) => s.name)).toEqual(['Ada-Lovelace.backup.pem']);
    const backup = await download.saved[0]!.blob.text();
    expect(backup).toContain('-----BEGIN ENCRYPTED PRIVATE KEY-----');
    // The backup holds both private keys of the identity (two encrypted blocks under one passphrase).
    const restored = await importPrivateIdentity(backup, { passphrase: 'correct horse battery' });
    expect(restored.id).toBe(ownId);
    expect(restored.encryption.keyId).toBe(own.keyId);
    expect(store.getState().keys[0]).toMatchObject({ keyId: own.keyId, name: 'Ada Lovelace', extractable: false });
    expect(screen.queryByRole('heading', { name: 'Back up your new key pair' })).not.toBeInTheDocument();
    // A private key is saved now: the browser is asked to keep the storage.
    await waitFor(() => {
      expect(store.getState().persist).toBe('granted');
    });
    expect(screen.getByText(/agreed to keep Keyward’s storage/)).toBeInTheDocument();

    await pasteInto(user, 'Authority public key (PEM or JWK)', testKeyPem('authority.pub.pem'));
    await user.type(screen.getByRole('textbox', { name: 'Authority name' }), 'IT backup desk');
    await user.click(screen.getByRole('button', { name: 'Add authority' }));

    const authorityKeyId = await keyIdOfPem(testKeyPem('authority.pub.pem'));
    expect(await screen.findByText(formatKeyIdForHumans(authorityKeyId))).toHaveAttribute('data-key-id', authorityKeyId);
    expect(screen.getByText('Compare this key ID with your backup authority (for example over the phone) before you trust it.')).toBeInTheDocument();
    expect(ready(store.getState().keys)).toBe(false);

    await user.click(screen.getByRole('button', { name: 'Confirm authority' }));
    await waitFor(() => {
      expect(ready(store.getState().keys)).toBe(true);
    });
  }, 60_000);

  it('saves a new key without a backup only once the person ticks what that means, or discards it', async () => {
    const { store, user } = await setup();
    await user.click(screen.getByRole('button', { name: 'Create a key pair' }));
    // No name: refused with the table's sentence, and the error goes once a name is typed.
    await user.click(screen.getByRole('button', { name: 'Create key pair' }));
    expect(await screen.findByRole('alert')).toHaveAttribute('data-code', 'NAME_REQUIRED');
    expect(screen.getByRole('textbox', { name: 'Name for this key' })).toHaveAttribute('aria-invalid', 'true');
    await user.type(screen.getByRole('textbox', { name: 'Name for this key' }), 'Ada');
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Create key pair' }));
    await screen.findByRole('heading', { name: 'Back up your new key pair' }, { timeout: 30_000 });

    // Discarded: nothing saved, the choice starts again.
    await user.click(screen.getByRole('button', { name: 'Discard this key pair' }));
    expect(store.getState().newKey).toBeNull();
    expect(store.getState().keys).toEqual([]);
    await user.click(screen.getByRole('button', { name: 'Create a key pair' }));
    await user.type(screen.getByRole('textbox', { name: 'Name for this key' }), 'Ada');
    await user.click(screen.getByRole('button', { name: 'Create key pair' }));
    await screen.findByRole('heading', { name: 'Back up your new key pair' }, { timeout: 30_000 });

    const keep = screen.getByRole('button', { name: 'Save the key without a backup' });
    expect(keep).toBeDisabled();
    await user.click(screen.getByRole('checkbox', { name: /only my backup authority can recover my files/ }));
    await user.click(keep);
    expect(await screen.findByRole('textbox', { name: 'Authority public key (PEM or JWK)' })).toBeInTheDocument();
    expect(store.getState().keys[0]).toMatchObject({ name: 'Ada', extractable: false });
    expect(store.getState().keys[0]?.backupDeclinedAt).toBeGreaterThan(0);
    expect(screen.getByText(/Saved without a backup/)).toBeInTheDocument();
  }, 60_000);

  it('says plainly when a saved key can never be backed up, and lets it be replaced while unused', async () => {
    const { store, adapters, user } = await setup();
    // What a reload before the backup left behind in older versions: non-extractable, no backup, no decision.
    const imported = await act(() => store.getState().importKey({ text: testKeyPem('owner.pem'), name: 'Ada' }));
    if (!('key' in imported)) throw new Error('import failed');
    const stuck = { ...imported.key, backedUpAt: undefined };
    await act(async () => {
      await store.getState().deleteKey(imported.key.keyId);
      await adapters.keyStore.put({ ...stuck, origin: 'generated' });
      await store.getState().loadKeys();
    });

    expect(await screen.findByText(/has no backup, and none can be made any more/)).toBeInTheDocument();
    expect(screen.queryByLabelText('Authority public key (PEM or JWK)')).not.toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Delete it and create a new key pair' }));
    expect(await screen.findByRole('button', { name: 'Create a key pair' })).toBeInTheDocument();
    expect(store.getState().keys).toEqual([]);
  }, 60_000);

  it('shows import errors next to the form and keeps what was entered', async () => {
    const { store, user } = await setup();
    await user.click(screen.getByRole('button', { name: 'Import a key pair' }));
    expect(screen.getByLabelText('Passphrase')).toHaveAccessibleDescription(/Only for an encrypted key/);

    // A public key is not my key pair.
    await pasteInto(user, 'Your key (PEM or JWK)', testKeyPem('owner.pub.pem'));
    await user.click(screen.getByRole('button', { name: 'Import key' }));
    expect(await screen.findByRole('alert')).toHaveAttribute('data-code', 'KEY_NOT_PRIVATE');

    await pasteInto(user, 'Your key (PEM or JWK)', testKeyPem('weak-1024.pem'));
    // The error was about the text that is gone now.
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Import key' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('This RSA key is too weak (1024 bits)');
    expect(screen.getByLabelText('Your key (PEM or JWK)')).toHaveValue(testKeyPem('weak-1024.pem'));

    await pasteInto(user, 'Your key (PEM or JWK)', testKeyPem('owner-encrypted.pem'));
    expect(screen.getByLabelText('Passphrase')).toHaveAccessibleDescription('This key is encrypted: enter its passphrase.');
    await user.type(screen.getByRole('textbox', { name: 'Name for this key' }), 'Ada');
    await user.type(screen.getByLabelText('Passphrase'), 'wrong passphrase');
    await user.click(screen.getByRole('button', { name: 'Import key' }));
    const alert = await screen.findByRole('alert', undefined, { timeout: 20_000 });
    expect(alert).toHaveAttribute('data-code', 'PASSPHRASE_WRONG');
    expect(alert).toHaveTextContent('The passphrase is wrong, or the encrypted key is damaged.');
    expect(screen.getByLabelText('Your key (PEM or JWK)')).toHaveValue(testKeyPem('owner-encrypted.pem'));
    expect(screen.getByRole('textbox', { name: 'Name for this key' })).toHaveValue('Ada');
    expect(store.getState().keys).toEqual([]);

    await user.clear(screen.getByLabelText('Passphrase'));
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
    await user.type(screen.getByLabelText('Passphrase'), PASSPHRASE);
    await user.click(screen.getByRole('button', { name: 'Import key' }));
    const keyId = await keyIdOfPem(testKeyPem('owner-encrypted.pub.pem'));
    expect(await screen.findByText(formatKeyIdForHumans(keyId), undefined, { timeout: 20_000 })).toBeInTheDocument();
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
    expect(screen.getByText(/Imported from a key file/)).toBeInTheDocument();
    expect(screen.queryByRole('heading', { name: 'Download a backup' })).not.toBeInTheDocument();
    expect(store.getState().keys).toMatchObject([{ name: 'Ada', role: 'owner', extractable: false }]);

    // Still in set-up: the key pair can be removed again and another one chosen.
    await user.click(screen.getByRole('button', { name: 'Delete…' }));
    await user.click(await screen.findByRole('button', { name: 'Delete key' }));
    expect(await screen.findByRole('button', { name: 'Import a key pair' })).toBeInTheDocument();
    expect(store.getState().keys).toEqual([]);
  }, 60_000);

  it('reads a chosen key file into the form and suggests a name from it, for the person to check', async () => {
    const { store, user } = await setup();
    await user.click(screen.getByRole('button', { name: 'Import a key pair' }));
    expect(screen.getByRole('group', { name: 'Drop a key file' })).toBeInTheDocument();
    await user.upload(screen.getByLabelText('Choose key file'), new File([testKeyPem('owner-pkcs1.pem')], 'owner-pkcs1.pem'));

    expect(screen.getByLabelText('Your key (PEM or JWK)')).toHaveValue(testKeyPem('owner-pkcs1.pem'));
    const name = screen.getByRole('textbox', { name: 'Name for this key' });
    expect(name).toHaveValue('owner-pkcs1');
    expect(name).toHaveFocus();
    expect(name).toHaveAccessibleDescription('Suggested from the file name “owner-pkcs1.pem”: change it to say whose key this is.');
    await user.click(screen.getByRole('checkbox', { name: 'Keep the private key exportable' }));
    await user.click(screen.getByRole('button', { name: 'Import key' }));
    await waitFor(() => {
      expect(store.getState().keys).toMatchObject([{ name: 'owner-pkcs1', role: 'owner', extractable: true }]);
    });
  });

  it('accepts only an authority’s public key, and lets a wrong one be removed before it is confirmed', async () => {
    const { store, user } = await setup();
    await act(() => store.getState().importKey({ text: testKeyPem('owner.pem'), name: 'Ada' }));
    const form = await screen.findByRole('heading', { name: '2. Your backup authority' });
    expect(form).toBeInTheDocument();
    expect(screen.queryByLabelText('Passphrase')).not.toBeInTheDocument();

    await pasteInto(user, 'Authority public key (PEM or JWK)', testKeyPem('authority.pem'));
    await user.click(screen.getByRole('button', { name: 'Add authority' }));
    expect(await screen.findByRole('alert')).toHaveAttribute('data-code', 'KEY_NOT_PUBLIC');

    await pasteInto(user, 'Authority public key (PEM or JWK)', testKeyPem('owner.pub.pem'));
    await user.click(screen.getByRole('button', { name: 'Add authority' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('This is the public key of “Ada”, a key pair stored in this browser');

    await pasteInto(user, 'Authority public key (PEM or JWK)', testKeyPem('stranger.pub.pem'));
    await user.type(screen.getByRole('textbox', { name: 'Authority name' }), 'Not them');
    await user.click(screen.getByRole('button', { name: 'Add authority' }));
    const remove = await screen.findByRole('button', { name: 'The key ID differs: remove this key' });
    expect(within(remove.closest('div')!.parentElement!).getByText('Not them')).toBeInTheDocument();
    await user.click(remove);

    expect(await screen.findByLabelText('Authority public key (PEM or JWK)')).toHaveValue('');
    expect(store.getState().keys.map((k) => k.role)).toEqual(['owner']);
  });

  it('asks to compare an authority identity by its identity ID, and does not confirm one replaced after it was shown', async () => {
    const { store, adapters, user } = await setup();
    const owner = await store.getState().importKey({ text: testKeyPem('owner.pem'), name: 'Ada' });
    if ('error' in owner) throw new Error(owner.error.message);
    const desk = await generateIdentity({ bits: 3072, extractable: true });
    const added = await store.getState().importKey({ text: await exportPublicIdentity(desk, 'pem'), name: 'IT backup desk', accept: 'public' });
    if ('error' in added) throw new Error(added.error.message);
    expect(await screen.findByRole('heading', { name: 'Compare the identity ID' })).toBeInTheDocument();
    expect(screen.getByText(formatKeyIdForHumans(desk.id)).parentElement).toHaveTextContent(/^Identity ID /);

    const other = await identityFromKeyPair(desk.encryption);
    await adapters.keyStore.put({ ...added.key, identity: { ...added.key.identity!, id: other.id, ed25519Spki: other.ed25519Spki, signingKey: other.signingKey } });
    await user.click(screen.getByRole('button', { name: 'Confirm authority' }));
    expect(await screen.findByRole('alert')).toHaveAttribute('data-code', 'KEY_CHANGED');
    expect(ready(store.getState().keys)).toBe(false);
    // Now showing the identity that is stored, which the person compares and confirms.
    expect(screen.getByText(formatKeyIdForHumans(other.id))).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Confirm authority' }));
    await waitFor(() => {
      expect(ready(store.getState().keys)).toBe(true);
    });
  }, 60_000);
});
