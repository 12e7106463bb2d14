// @vitest-environment happy-dom
import { act, render, screen, waitFor } from '@testing-library/react';
import { createTestStore, storeAsUnbackable, testKeyPem } from '../store/test-adapters.ts';
import { AuthorityView } from './authority-view.tsx';
import { StoreProvider } from './providers.tsx';

describe('AuthorityView', () => {
  it('warns while the authority key has no backup (nothing escrows it), and not once it has one', async () => {
    const { store } = await createTestStore();
    render(
      <StoreProvider store={store}>
        <AuthorityView />
      </StoreProvider>,
    );
    const created = await store.getState().generateKey({ name: 'Desk', bits: 3072, role: 'authority-own', keepExportable: true });
    if (!('key' in created)) throw new Error('generateKey failed');
    // Saved without a backup (declined), but kept exportable: the warning stays until a backup exists.
    expect(await store.getState().keepNewKeyWithoutBackup()).toBeNull();
    expect(await screen.findByRole('status')).toHaveTextContent(
      'Your authority key has no backup, and no one holds an escrow of it. If this browser loses its data, every escrow blob made for it becomes useless.',
    );

    expect(await store.getState().exportPrivateBackup(created.key.keyId, 'correct horse battery')).toBeNull();
    await waitFor(() => {
      expect(screen.queryByText(/no backup, and no one holds an escrow/)).not.toBeInTheDocument();
    });

    // A key imported from a file the authority already keeps needs no warning.
    const imported = await store.getState().importAuthorityKey({ text: testKeyPem('authority.pem'), name: 'Imported' });
    expect('key' in imported).toBe(true);
    expect(screen.queryByText(/no backup, and no one holds an escrow/)).not.toBeInTheDocument();
  }, 60_000);

  it('asks for no backup that can no longer be made', async () => {
    const { store, adapters } = await createTestStore();
    render(
      <StoreProvider store={store}>
        <AuthorityView />
      </StoreProvider>,
    );
    // What older versions stored at Create when the page was left before the backup: non-extractable, no backup, no decision.
    const imported = await act(() => store.getState().importAuthorityKey({ text: testKeyPem('authority.pem'), name: 'Desk' }));
    if (!('key' in imported)) throw new Error('import failed');
    await act(() => storeAsUnbackable({ store, adapters }, imported.key));
    const banner = await screen.findByRole('status');
    expect(banner).toHaveTextContent('Decide below whether to replace or keep a key that can no longer be backed up.');
    expect(banner).not.toHaveTextContent('Export a passphrase-protected backup');
  });
});
