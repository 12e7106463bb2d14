// @vitest-environment happy-dom
/** Encrypting to a pinned council (spec v2 §8.3): offered beside the authority keys, named with k of n and its council ID. */
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { StoreProvider } from '../../app/providers.tsx';
import { parseSignedObject } from '../../core/index.ts';
import { formatKeyIdForHumans } from '../../store/format.ts';
import { createTestStore, testKeyPem } from '../../store/test-adapters.ts';
import { identityPem, testIdentity } from '../../store/test-identities.ts';
import { pinnableCouncil } from '../../store/test-owner-councils.ts';
import { EncryptPanel } from './encrypt-panel.tsx';

async function setup(withAuthority: boolean) {
  const { council } = await pinnableCouncil();
  const { store } = await createTestStore();
  await store.getState().importKey({ text: await identityPem(await testIdentity('owner.pem'), 'private'), name: 'Ada Lovelace', accept: 'private' });
  if (withAuthority) {
    const desk = await store.getState().importKey({ text: testKeyPem('authority.pub.pem'), name: 'IT backup desk', accept: 'public' });
    if ('error' in desk) throw new Error(desk.error.message);
    await store.getState().confirmAuthority(desk.key.keyId);
  }
  expect(await store.getState().pinCouncil(council, council.id)).toBeNull();
  render(
    <StoreProvider store={store}>
      <EncryptPanel />
    </StoreProvider>,
  );
  return { council, store, user: userEvent.setup() };
}

describe('EncryptPanel with a pinned council', () => {
  it('escrows to the only pinned council, named with k of n and its council ID', async () => {
    const { council, store } = await setup(false);
    const shown = screen.getByText('Backup authority:').closest('p')!;
    expect(shown).toHaveTextContent('Recovery council');
    expect(shown).toHaveTextContent('council, 2 of 3 members · Council ID');
    expect(within(shown).getByText(formatKeyIdForHumans(council.id))).toHaveAttribute('data-key-id', council.id);

    await userEvent.setup().upload(screen.getByLabelText('Choose files to encrypt'), new File([new Uint8Array(2000).fill(1)], 'a.txt'));
    await screen.findByRole('button', { name: 'Download a.txt.keyward' }, { timeout: 30_000 });
    const blob = parseSignedObject(store.getState().encryptJobs[0]!.escrowJson!);
    expect(blob.kind === 'escrow-v2' && blob.blob.authority).toMatchObject({ kind: 'council', id: council.id });
  }, 60_000);

  it('offers the council beside the confirmed authority keys, and escrows to the one chosen', async () => {
    const { council, store, user } = await setup(true);
    const select = screen.getByRole('combobox', { name: 'Backup authority' });
    expect(within(select).getAllByRole('option').map((o) => o.textContent)).toEqual([
      expect.stringMatching(/^IT backup desk \(/),
      'Recovery council (council, 2 of 3)',
    ]);
    await user.selectOptions(select, council.id);
    expect(screen.getByText(formatKeyIdForHumans(council.id))).toBeInTheDocument();
    await user.upload(screen.getByLabelText('Choose files to encrypt'), new File([new Uint8Array(2000).fill(2)], 'b.txt'));
    await screen.findByRole('button', { name: 'Download b.txt.keyward' }, { timeout: 30_000 });
    expect(store.getState().register[0]?.authority).toMatchObject({ name: 'Recovery council', keyId: council.id });
  }, 60_000);
});

describe('EncryptPanel, a council and a v1 key pair', () => {
  it('offers no drop zone, says why, and the store refuses such a file with KEY_UNSUPPORTED', async () => {
    const { council } = await pinnableCouncil();
    const { store } = await createTestStore();
    await store.getState().importKey({ text: testKeyPem('owner.pem'), name: 'Ada Lovelace', accept: 'private' });
    expect(await store.getState().pinCouncil(council, council.id)).toBeNull();
    render(
      <StoreProvider store={store}>
        <EncryptPanel />
      </StoreProvider>,
    );
    expect(screen.getByRole('alert')).toHaveTextContent('Your key pair cannot sign (a v1 key)');
    expect(screen.queryByRole('button', { name: 'Choose files to encrypt' })).not.toBeInTheDocument();

    store.getState().encryptFiles([new File(['x'], 'c.txt')], { description: '', authorityKeyId: council.id });
    await vi.waitFor(() => {
      expect(store.getState().encryptJobs[0]?.status).toBe('failed');
    });
    expect(store.getState().encryptJobs[0]!.error?.code).toBe('KEY_UNSUPPORTED');
    expect(store.getState().register).toEqual([]);
  }, 60_000);
});
