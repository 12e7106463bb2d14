// @vitest-environment happy-dom
/**
 * With an escrow service configured, an authority or a council that the
 * service does not keep escrow for is said so where it is pinned (first run)
 * and where it is listed (Keys); nothing is said when that is not known or
 * when the service lists it.
 */
import { act, render, screen, waitFor, within } from '@testing-library/react';
import { StoreProvider } from '../../app/providers.tsx';
import { exportPublicIdentity } from '../../core/index.ts';
import { createTestStore, makeIdentity, testKeyPem } from '../../store/test-adapters.ts';
import { pinnableCouncil } from '../../store/test-owner-councils.ts';
import { FirstRun } from './first-run.tsx';
import { KeysPanel } from './keys-panel.tsx';

const NOTE = /escrow service does not keep escrow for this (authority|council)/;

async function setup(view: 'first-run' | 'keys') {
  const { store } = await createTestStore();
  await store.getState().importKey({ text: testKeyPem('owner.pem'), name: 'Ada Lovelace', accept: 'private' });
  const authority = await makeIdentity();
  const added = await store.getState().importKey({ text: await exportPublicIdentity(authority, 'pem'), name: 'IT backup', accept: 'public' });
  if ('error' in added) throw new Error(added.error.message);
  render(<StoreProvider store={store}>{view === 'keys' ? <KeysPanel /> : <FirstRun />}</StoreProvider>);
  await waitFor(() => {
    expect(store.getState().persist).not.toBe('unknown');
  });
  const served = (list: { kind: 'identity' | 'council'; id: string }[] | null) => {
    act(() => {
      store.setState({ servedAuthorities: list?.map((a) => ({ ...a, name: 'listed' })) ?? null });
    });
  };
  return { store, authority, served };
}

describe('NotKeptNote', () => {
  it('says so beside the authority being compared in the first run, only when the service is known not to keep it', async () => {
    const { authority, served } = await setup('first-run');
    await screen.findByRole('heading', { name: /^Compare the identity ID/ });
    expect(screen.queryByText(NOTE)).toBeNull();
    served([]);
    expect(screen.getByText(NOTE)).toHaveTextContent('this authority');
    // A council listed under the same ID is not this identity.
    served([{ kind: 'council', id: authority.id }]);
    expect(screen.getByText(NOTE)).toBeInTheDocument();
    served([{ kind: 'identity', id: authority.id }]);
    expect(screen.queryByText(NOTE)).toBeNull();
  });

  it('says so on the authority\'s and a council\'s cards in Keys', async () => {
    const { store, authority, served } = await setup('keys');
    const { council } = await pinnableCouncil();
    expect(await store.getState().pinCouncil(council, council.id)).toBeNull();
    const councilCard = within(await screen.findByRole('list', { name: 'Pinned councils' })).getByRole('listitem', { name: 'Recovery council' });
    const authorityCard = screen.getByRole('listitem', { name: 'IT backup' });
    served([{ kind: 'identity', id: authority.id }]);
    expect(within(authorityCard).queryByText(NOTE)).toBeNull();
    expect(within(councilCard).getByText(NOTE)).toHaveTextContent('this council');
    served([{ kind: 'council', id: council.id }]);
    expect(within(councilCard).queryByText(NOTE)).toBeNull();
    expect(within(authorityCard).getByText(NOTE)).toHaveTextContent('this authority');
    // The owner's own key pair is no authority: nothing is said on it.
    expect(within(screen.getByRole('listitem', { name: 'Ada Lovelace' })).queryByText(NOTE)).toBeNull();
  });
});
