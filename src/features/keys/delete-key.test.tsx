// @vitest-environment happy-dom
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { StoreProvider } from '../../app/providers.tsx';
import { storageError } from '../../io/db.ts';
import type { KeyStore } from '../../io/key-store.ts';
import { createTestStore, memoryKeyStore, testKeyPem } from '../../store/test-adapters.ts';
import { DeleteKey } from './delete-key.tsx';
import { RenameForm } from './rename-form.tsx';

/** A key stored in a key store whose changes fail, as when the browser's storage gives out. */
async function failingStore() {
  const memory = memoryKeyStore();
  const failing = () => Promise.reject(storageError('DB_FAILED'));
  const keyStore: KeyStore = { ...memory, remove: failing, update: failing };
  const { store } = await createTestStore({ keyStore });
  const imported = await store.getState().importKey({ text: testKeyPem('authority.pub.pem'), name: 'IT backup desk' });
  if ('error' in imported) throw new Error(imported.error.message);
  return { store, key: imported.key };
}

describe('key actions that fail', () => {
  it('say so next to Delete, and the key stays', async () => {
    const { store, key } = await failingStore();
    render(
      <StoreProvider store={store}>
        <DeleteKey storedKey={key} />
      </StoreProvider>,
    );
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'Delete…' }));
    await user.click(screen.getByRole('button', { name: 'Delete key' }));
    expect(await screen.findByRole('alert')).toHaveAttribute('data-code', 'DB_FAILED');
    expect(store.getState().keys).toHaveLength(1);
    expect(store.getState().notices).toEqual([]);
  });

  it('keep the rename form open with the error, until the name changes', async () => {
    const { store, key } = await failingStore();
    const done = vi.fn();
    render(
      <StoreProvider store={store}>
        <RenameForm storedKey={key} onDone={done} />
      </StoreProvider>,
    );
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('New name'), ' 2');
    await user.click(screen.getByRole('button', { name: 'Save name' }));
    expect(await screen.findByRole('alert')).toHaveAttribute('data-code', 'DB_FAILED');
    expect(done).not.toHaveBeenCalled();
    await user.type(screen.getByLabelText('New name'), 'x');
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });
});
