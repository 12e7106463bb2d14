// @vitest-environment happy-dom
import { render, screen, waitFor } from '@testing-library/react';
import { createTestStore, testKeyPem } from '../store/test-adapters.ts';
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
});
