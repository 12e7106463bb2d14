// @vitest-environment happy-dom
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { StoreProvider } from '../../app/providers.tsx';
import { formatKeyIdForHumans } from '../../store/format.ts';
import { hasPinnedAuthority } from '../../store/slices/keys-slice.ts';
import { createTestStore, testKeyPem } from '../../store/test-adapters.ts';
import { pinnableCouncil } from '../../store/test-owner-councils.ts';
import { FirstRun } from './first-run.tsx';
import { KeysPanel } from './keys-panel.tsx';

/** An owner key pair imported, no authority yet: the first run's step 2 (or, with `panel`, the Keys panel). */
async function setup(view: 'first-run' | 'keys' = 'first-run') {
  const { store, adapters } = await createTestStore();
  await store.getState().importKey({ text: testKeyPem('owner.pem'), name: 'Ada Lovelace', accept: 'private' });
  render(<StoreProvider store={store}>{view === 'keys' ? <KeysPanel /> : <FirstRun />}</StoreProvider>);
  await waitFor(() => {
    expect(store.getState().persist).not.toBe('unknown');
  });
  return { store, adapters, user: userEvent.setup() };
}

const councilFile = (text: string, name = 'recovery.keyward-council.json') => new File([text], name, { type: 'application/json' });

/** The council's JSON changed by `change` (the organisation's file, damaged or forged on the way). */
function changed(text: string, change: (value: { threshold: number; members: { id: string; name: string }[] }) => void): string {
  const value = JSON.parse(text) as { threshold: number; members: { id: string; name: string }[] };
  change(value);
  return JSON.stringify(value);
}

describe('CouncilPin', () => {
  it('shows the council to compare (name, k of n, each member, the council ID) and stores it only once confirmed', async () => {
    const { store, adapters, user } = await setup();
    const { council, text } = await pinnableCouncil();

    await user.upload(screen.getByLabelText('Choose council file'), councilFile(text));
    const compare = await screen.findByRole('group', { name: 'Compare the council ID' }, { timeout: 20_000 });
    expect(within(compare).getByRole('heading', { name: 'Compare the council ID' })).toHaveFocus();
    expect(compare).toHaveTextContent('Recovery council');
    expect(compare).toHaveTextContent('2 of 3: any 2 of its 3 members together can recover a file escrowed to it; fewer cannot.');
    // The council ID as the core computes it (spec v2 §8.1), grouped in fours as identity IDs are.
    expect(within(compare).getByText(formatKeyIdForHumans(council.id))).toHaveAttribute('data-key-id', council.id);
    expect(within(compare).getByText(formatKeyIdForHumans(council.id)).parentElement).toHaveTextContent(/^Council ID /);
    const members = within(compare).getAllByRole('listitem');
    expect(members.map((m) => m.textContent)).toEqual(
      council.members.map((m) => `${m.name} Identity ID ${formatKeyIdForHumans(m.id)}`),
    );
    // Nothing is pinned before the person confirms.
    expect(store.getState().councils).toEqual([]);
    expect(await adapters.keyStore.listCouncils()).toEqual([]);

    await user.click(within(compare).getByRole('button', { name: 'Confirm council' }));
    await waitFor(() => {
      expect(store.getState().councils.map((c) => c.id)).toEqual([council.id]);
    });
    expect(store.getState().councils[0]).toMatchObject({ name: 'Recovery council', threshold: 2, members: council.members });
    expect(hasPinnedAuthority(store.getState())).toBe(true);
  });

  it('discards a council whose ID differs: nothing stored', async () => {
    const { store, adapters, user } = await setup();
    const { text } = await pinnableCouncil();
    await user.upload(screen.getByLabelText('Choose council file'), councilFile(text));
    const compare = await screen.findByRole('group', { name: 'Compare the council ID' }, { timeout: 20_000 });
    await user.click(within(compare).getByRole('button', { name: 'The council ID differs: discard this council' }));
    expect(screen.queryByRole('group', { name: 'Compare the council ID' })).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Choose council file' })).toBeInTheDocument();
    expect(store.getState().councils).toEqual([]);
    expect(await adapters.keyStore.listCouncils()).toEqual([]);
    expect(hasPinnedAuthority(store.getState())).toBe(false);
  });

  it('refuses a file that is not a sound council: its code and sentence shown, nothing to confirm, nothing stored', async () => {
    const { store, adapters, user } = await setup();
    const { text } = await pinnableCouncil();
    const cases: [string, string][] = [
      // A member named by another identity's ID (its keys are not the ones the ID names).
      ['swapped-id', changed(text, (v) => { v.members[0]!.id = v.members[1]!.id; })],
      // k greater than n.
      ['too-high', changed(text, (v) => { v.threshold = 4; })],
      // One member twice.
      ['twice', changed(text, (v) => { v.members[2] = v.members[0]!; })],
      // A key given twice in the JSON.
      ['duplicate-key', text.replace('{"format"', '{"threshold":1,"format"')],
      // A public key, not a council.
      ['a-key', testKeyPem('authority.pub.pem')],
    ];
    for (const [name, bad] of cases) {
      await user.upload(screen.getByLabelText('Choose council file'), councilFile(bad, `${name}.keyward-council.json`));
      const alert = await screen.findByRole('alert', {}, { timeout: 20_000 });
      expect(alert, name).toHaveAttribute('data-code', 'MALFORMED');
      expect(alert, name).toHaveTextContent(/^Council: This file or blob is damaged or not in the Keyward format/);
      expect(screen.queryByRole('button', { name: 'Confirm council' }), name).not.toBeInTheDocument();
    }
    expect(store.getState().councils).toEqual([]);
    expect(await adapters.keyStore.listCouncils()).toEqual([]);
  });

  it('lists a pinned council with the keys, pins another from the Keys panel, and removes one', async () => {
    const { store, user } = await setup('keys');
    const first = await pinnableCouncil();
    const second = await pinnableCouncil({ name: 'Board', threshold: 1, size: 2 });
    expect(await store.getState().pinCouncil(first.council, first.council.id)).toBeNull();

    const list = await screen.findByRole('list', { name: 'Pinned councils' });
    const card = within(list).getByRole('listitem', { name: 'Recovery council' });
    expect(card).toHaveTextContent('Backup council');
    expect(card).toHaveTextContent('2 of 3');
    expect(within(card).getByText(formatKeyIdForHumans(first.council.id))).toBeInTheDocument();
    expect(within(card).getByText(/^Council ID confirmed/)).toBeInTheDocument();

    await user.upload(screen.getByLabelText('Choose council file'), councilFile(second.text));
    const compare = await screen.findByRole('group', { name: 'Compare the council ID' }, { timeout: 20_000 });
    expect(compare).toHaveTextContent('1 of 2: any 1 of its 2 members together can recover a file escrowed to it; each member alone can.');
    await user.click(within(compare).getByRole('button', { name: 'Confirm council' }));
    await waitFor(() => {
      expect(within(list).getAllByRole('listitem', { name: /^(Recovery council|Board)$/ })).toHaveLength(2);
    });
    expect(screen.getByText('Pinned “Board”.')).toHaveAttribute('role', 'status');

    await user.click(within(card).getByRole('button', { name: 'Remove…' }));
    await user.click(screen.getByRole('button', { name: 'Remove council' }));
    await waitFor(() => {
      expect(store.getState().councils.map((c) => c.id)).toEqual([second.council.id]);
    });
  });
});
