// @vitest-environment happy-dom
/**
 * The owner's screens: focus follows each first-run step (never left on the
 * page body), each screen has one h1, and the tab row follows the WAI-ARIA
 * tabs pattern.
 */
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { createTestStore, testKeyPem } from '../store/test-adapters.ts';
import { OwnerView } from './owner-view.tsx';
import { StoreProvider } from './providers.tsx';

type User = ReturnType<typeof userEvent.setup>;

async function setup() {
  const { store } = await createTestStore();
  render(
    <StoreProvider store={store}>
      <OwnerView />
    </StoreProvider>,
  );
  await waitFor(() => {
    expect(store.getState().persist).not.toBe('unknown');
  });
  return { store, user: userEvent.setup() };
}

async function pasteInto(user: User, label: string, text: string) {
  await user.click(screen.getByLabelText(label));
  await user.paste(text);
}

const h1s = () => screen.getAllByRole('heading', { level: 1 });

describe('OwnerView', () => {
  it('moves focus to what comes next after Create, Download backup, Add authority and Confirm', async () => {
    const { user } = await setup();
    expect(h1s().map((h) => h.textContent)).toEqual(['Welcome to Keyward']);

    await user.click(screen.getByRole('button', { name: 'Create a key pair' }));
    await user.type(screen.getByRole('textbox', { name: 'Name for this key' }), 'Ada Lovelace');
    await user.click(screen.getByRole('button', { name: 'Create key pair' }));
    const backup = await screen.findByRole('heading', { name: 'Back up your new key pair' }, { timeout: 30_000 });
    await waitFor(() => {
      expect(backup).toHaveFocus();
    });

    await user.type(screen.getByLabelText('Backup passphrase'), 'correct horse battery');
    await user.type(screen.getByLabelText('Repeat passphrase'), 'correct horse battery');
    await user.click(screen.getByRole('button', { name: 'Download backup' }));
    await waitFor(() => {
      expect(screen.getByRole('heading', { name: '2. Your backup authority' })).toHaveFocus();
    }, { timeout: 20_000 });

    await pasteInto(user, 'Authority public key (PEM or JWK)', testKeyPem('authority.pub.pem'));
    await user.type(screen.getByLabelText('Authority name'), 'IT backup desk');
    await user.click(screen.getByRole('button', { name: 'Add authority' }));
    const compare = await screen.findByRole('heading', { name: 'Compare the key ID' }, { timeout: 20_000 });
    await waitFor(() => {
      expect(compare).toHaveFocus();
    });
    expect(h1s()).toHaveLength(1);

    await user.click(screen.getByRole('button', { name: 'Confirm authority' }));
    const title = await screen.findByRole('heading', { name: 'My files', level: 1 });
    await waitFor(() => {
      expect(title).toHaveFocus();
    });
    expect(h1s()).toHaveLength(1);
  }, 90_000);

  it('moves focus back to step 2 when the person removes an authority whose key ID differs', async () => {
    const { store, user } = await setup();
    expect('key' in (await store.getState().importKey({ text: testKeyPem('owner.pem'), name: 'Ada', accept: 'private', keepExportable: false }))).toBe(true);
    await pasteInto(user, 'Authority public key (PEM or JWK)', testKeyPem('stranger.pub.pem'));
    await user.type(screen.getByLabelText('Authority name'), 'Stranger');
    await user.click(screen.getByRole('button', { name: 'Add authority' }));
    await user.click(await screen.findByRole('button', { name: 'The key ID differs: remove this key' }, { timeout: 20_000 }));
    await waitFor(() => {
      expect(screen.getByRole('heading', { name: '2. Your backup authority' })).toHaveFocus();
    });
  }, 60_000);

  it('does not move focus when the page opens on a finished set-up, and its tab row follows the tabs pattern', async () => {
    const { store } = await createTestStore();
    expect('key' in (await store.getState().importKey({ text: testKeyPem('owner.pem'), name: 'Ada', accept: 'private', keepExportable: false }))).toBe(true);
    const added = await store.getState().importKey({ text: testKeyPem('authority.pub.pem'), name: 'Desk', accept: 'public', keepExportable: false });
    if (!('key' in added)) throw new Error('the authority key was not stored');
    await store.getState().confirmAuthority(added.key.keyId);
    render(
      <StoreProvider store={store}>
        <OwnerView />
      </StoreProvider>,
    );
    expect(h1s().map((h) => h.textContent)).toEqual(['My files']);
    expect(document.body).toHaveFocus();

    const user = userEvent.setup();
    const tab = (name: string) => screen.getByRole('tab', { name });
    expect(tab('Encrypt')).toHaveAttribute('tabindex', '0');
    expect(tab('Keys')).toHaveAttribute('tabindex', '-1');
    await user.click(tab('Encrypt'));
    await user.keyboard('{ArrowRight}');
    expect(tab('Decrypt')).toHaveFocus();
    expect(screen.getByRole('tabpanel', { name: 'Decrypt' })).toContainElement(screen.getByRole('heading', { name: 'Decrypt files' }));
    await user.keyboard('{End}');
    expect(tab('Keys')).toHaveFocus();
    expect(screen.getByRole('heading', { name: 'Your keys' })).toBeInTheDocument();
    await user.keyboard('{ArrowRight}');
    expect(tab('Encrypt')).toHaveFocus();
    expect(screen.getByRole('heading', { name: 'Encrypt files' })).toBeInTheDocument();
    await user.keyboard('{ArrowLeft}');
    expect(tab('Keys')).toHaveAttribute('aria-selected', 'true');
    await user.keyboard('{Home}');
    expect(tab('Encrypt')).toHaveAttribute('aria-selected', 'true');
    expect(h1s()).toHaveLength(1);
  }, 60_000);

  it('says on every tab that a new key pair is not saved until its backup is decided, and leads back to it', async () => {
    const { store } = await createTestStore();
    await store.getState().importKey({ text: testKeyPem('owner.pem'), name: 'Ada Lovelace' });
    const authority = await store.getState().importKey({ text: testKeyPem('authority.pub.pem'), name: 'IT backup desk' });
    if ('error' in authority) throw new Error(authority.error.message);
    await store.getState().confirmAuthority(authority.key.keyId);
    render(
      <StoreProvider store={store}>
        <OwnerView />
      </StoreProvider>,
    );
    const user = userEvent.setup();
    await user.click(screen.getByRole('tab', { name: 'Keys' }));
    await user.click(screen.getByRole('button', { name: 'Create a key pair' }));
    await user.type(screen.getByRole('textbox', { name: 'Name for this key' }), 'Ada 2027');
    await user.click(screen.getByRole('button', { name: 'Create key pair' }));
    await screen.findByRole('heading', { name: 'Back up your new key pair' }, { timeout: 30_000 });

    await user.click(screen.getByRole('tab', { name: 'Encrypt' }));
    expect(screen.getByText(/Your new key pair is not saved yet/)).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Finish in Keys' }));
    expect(screen.getByRole('heading', { name: 'Back up your new key pair' })).toBeInTheDocument();
    expect(screen.queryByText(/Your new key pair is not saved yet/)).not.toBeInTheDocument();
  }, 60_000);
});
