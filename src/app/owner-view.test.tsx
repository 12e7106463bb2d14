// @vitest-environment happy-dom
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { createTestStore, testKeyPem } from '../store/test-adapters.ts';
import { OwnerView } from './owner-view.tsx';
import { StoreProvider } from './providers.tsx';

describe('OwnerView', () => {
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
