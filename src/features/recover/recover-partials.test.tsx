// @vitest-environment happy-dom
/** The owner opens a file with partial recovery blobs from a pinned council's members (spec v2 §8.4), and every refusal. */
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { StoreProvider } from '../../app/providers.tsx';
import { userMessage } from '../../core/index.ts';
import { bytesOf, createTestStore } from '../../store/test-adapters.ts';
import { councilRecoveryFixture, pinnableCouncil } from '../../store/test-owner-councils.ts';
import { DecryptRows } from '../decrypt/decrypt-rows.tsx';
import { RecoverPanel } from './recover-panel.tsx';

const plaintext = new Uint8Array(90_000).map((_, i) => (i * 13 + 5) & 0xff);

/** The owner after losing the key: a new identity, the council pinned again; the recover panel and the decrypt rows. */
async function setup() {
  const made = await councilRecoveryFixture({ plaintext, name: 'ledger.ods' });
  const { store } = await createTestStore();
  const own = await store.getState().importKey({ text: made.newOwnerPem, name: 'Ada (new)', accept: 'private' });
  if ('error' in own) throw new Error(own.error.message);
  expect(await store.getState().pinCouncil(made.council, made.council.id)).toBeNull();
  render(
    <StoreProvider store={store}>
      <DecryptRows />
      <RecoverPanel />
    </StoreProvider>,
  );
  return { made, store, user: userEvent.setup() };
}

type Setup = Awaited<ReturnType<typeof setup>>;

/** Drops the file and `blobs` on the recover panel and starts; resolves to the new row once it ended. */
async function openWith({ store, user }: Setup, file: File, blobs: File[]) {
  await user.upload(screen.getByLabelText('Choose encrypted file'), file);
  await user.upload(screen.getByLabelText('Choose recovery blob'), blobs);
  expect(screen.getByRole('group', { name: 'Drop the recovery blob' })).toHaveAccessibleDescription(`Chosen: ${blobs.map((b) => b.name).join(', ')}`);
  const count = store.getState().decryptJobs.length;
  await user.click(screen.getByRole('button', { name: blobs.length > 1 ? `Decrypt with ${blobs.length} recovery blobs` : 'Decrypt with recovery blob' }));
  await waitFor(
    () => {
      expect(['done', 'failed']).toContain(store.getState().decryptJobs[count]?.status);
    },
    { timeout: 30_000 },
  );
  // The list takes the jobs once per animation frame: wait until the row shows how it ended.
  const row = await waitFor(() => {
    const shown = within(screen.getByRole('list', { name: 'Files being decrypted' })).getAllByRole('listitem')[count]!;
    expect(within(shown).queryByRole('alert') ?? within(shown).queryByRole('button', { name: /^Download/ })).not.toBeNull();
    return shown;
  });
  return { job: store.getState().decryptJobs[count]!, row };
}

/** The row shows the code's one sentence, and offers nothing to download. */
function expectRefused(row: HTMLElement, code: 'QUORUM_NOT_MET' | 'SIGNER_UNTRUSTED') {
  const alert = within(row).getByRole('alert');
  expect(alert).toHaveAttribute('data-code', code);
  expect(alert).toHaveTextContent(userMessage(code));
  expect(within(row).queryByRole('button', { name: /^Download/ })).not.toBeInTheDocument();
}

describe('RecoverPanel with partial recovery blobs', () => {
  it('opens the file with partials from k distinct members of the pinned council', async () => {
    const test = await setup();
    const { job, row } = await openWith(test, test.made.file, [await test.made.partial(1), await test.made.partial(3)]);
    expect(job.status).toBe('done');
    expect(job.via).toBe('recovery');
    expect(await bytesOf(job.output!)).toEqual(plaintext);
    expect(within(row).getByRole('button', { name: 'Download ledger.ods' })).toBeInTheDocument();
  }, 90_000);

  it('refuses fewer than k partials, and two partials of one member, with QUORUM_NOT_MET and nothing offered', async () => {
    const test = await setup();
    const one = await openWith(test, test.made.file, [await test.made.partial(2)]);
    expect(one.job.status).toBe('failed');
    expectRefused(one.row, 'QUORUM_NOT_MET');

    // Member 2 issued twice (two files, two signatures): one member counts once.
    const twice = await openWith(test, test.made.file, [await test.made.partial(2, 'first.json'), await test.made.partial(2, 'again.json')]);
    expect(twice.job.status).toBe('failed');
    expectRefused(twice.row, 'QUORUM_NOT_MET');
    expect(test.store.getState().decryptJobs.filter((j) => j.output)).toEqual([]);
  }, 90_000);

  it('refuses partials from members of a council that is not pinned here with SIGNER_UNTRUSTED', async () => {
    const test = await setup();
    // Another council (other identities), whose members issue for this owner: validly signed, never pinned.
    const rogue = await councilRecoveryFixture({ plaintext, name: 'ledger.ods', council: await pinnableCouncil({ name: 'Recovery council' }) });
    const refused = await openWith(test, rogue.file, [await rogue.partial(1), await rogue.partial(2)]);
    expect(refused.job.status).toBe('failed');
    expectRefused(refused.row, 'SIGNER_UNTRUSTED');
  }, 90_000);
});
