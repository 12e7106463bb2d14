// @vitest-environment happy-dom
import { configure, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { StoreProvider } from '../../app/providers.tsx';
import { formatKeyIdForHumans } from '../../store/format.ts';
import { createTestStore, recordingDownloader, testKeyPem } from '../../store/test-adapters.ts';
import { identityPem, testIdentity } from '../../store/test-identities.ts';
import { CouncilSetup } from './council-setup.tsx';

// Imports, checks and drills run real RSA and PBKDF2 on a shared machine: wait for them, however long they take here.
configure({ asyncUtilTimeout: 20_000 });

const alice = await testIdentity('authority.pem');
const bob = await testIdentity('stranger.pem');
const carol = await testIdentity('rsa4096.pem');

async function setup() {
  const download = recordingDownloader();
  const { store } = await createTestStore({ download });
  render(
    <StoreProvider store={store}>
      <CouncilSetup />
    </StoreProvider>,
  );
  return { store, download, user: userEvent.setup() };
}

type User = ReturnType<typeof userEvent.setup>;

async function addMember(user: User, text: string, name: string) {
  const field = screen.getByLabelText('Member’s public identity (PEM or JWK)');
  await user.clear(field);
  await user.click(field);
  await user.paste(text);
  const nameField = screen.getByLabelText('Member name');
  await user.clear(nameField);
  await user.type(nameField, name);
  await user.click(screen.getByRole('button', { name: 'Add member' }));
}

describe('CouncilSetup', () => {
  it('sets up a 2-of-3 council from pasted and chosen identity files, downloads it and shows the council ID to read out', async () => {
    const { download, user } = await setup();
    await addMember(user, await identityPem(alice, 'public'), 'Alice');
    const members = await screen.findByRole('list', { name: 'Council members' });
    await within(members).findByRole('listitem', { name: 'Alice' });
    // A file chosen is read into the field, so what is added is what is shown.
    await user.upload(screen.getByLabelText('Or choose the member’s public identity file'), new File([await identityPem(bob, 'public')], 'bob.pub.pem'));
    await waitFor(() => { expect(screen.getByLabelText<HTMLTextAreaElement>('Member’s public identity (PEM or JWK)').value).toContain('BEGIN PUBLIC KEY'); });
    await user.type(screen.getByLabelText('Member name'), 'Bob');
    await user.click(screen.getByRole('button', { name: 'Add member' }));
    await within(members).findByRole('listitem', { name: 'Bob' });
    await addMember(user, await identityPem(carol, 'public'), 'Carol');
    const carolRow = await within(members).findByRole('listitem', { name: 'Carol' });
    expect(carolRow).toHaveTextContent(`Member 3: CarolRemove`);
    expect(carolRow).toHaveTextContent(`Identity ID ${formatKeyIdForHumans(carol.id)} (4096 bits)`);

    // The control says the bounds: 1 … n.
    const threshold = screen.getByLabelText('Threshold (members needed to recover)');
    expect(within(threshold).getAllByRole('option').map((o) => o.textContent)).toEqual(['1 of 3', '2 of 3', '3 of 3']);
    expect(threshold).toHaveAccessibleDescription(/From 1 to the number of members \(3\); a council has 1 to 16 members\. Any 2 of the 3 members together recover a file; 1 cannot\./);
    await user.type(screen.getByLabelText('Council name'), 'Recovery council');
    await user.click(screen.getByRole('button', { name: 'Create council' }));

    const created = await screen.findByRole('group', { name: 'The council ID to read out' });
    const { parseCouncil } = await import('../../core/index.ts');
    expect(download.saved.map((s) => s.name)).toEqual(['Recovery-council.keyward-council.json']);
    const council = await parseCouncil(await download.saved[0]!.blob.text());
    expect(council.threshold).toBe(2);
    expect(within(created).getByText(formatKeyIdForHumans(council.id))).toHaveAttribute('data-key-id', council.id);
    expect(created).toHaveTextContent('Saved Recovery-council.keyward-council.json: council “Recovery council”, 2 of 3 members.');
    expect(created).toHaveFocus();

    await user.click(within(created).getByRole('button', { name: 'Set up another council' }));
    expect(screen.getByRole('heading', { name: 'Set up a council' })).toHaveFocus();
    expect(screen.queryByRole('list', { name: 'Council members' })).not.toBeInTheDocument();
  });

  it('refuses a v1 key, a private identity and a duplicate member next to the form, and lists none of them', async () => {
    const { user } = await setup();
    await addMember(user, await identityPem(alice, 'public'), 'Alice');
    await screen.findByRole('listitem', { name: 'Alice' });

    await addMember(user, testKeyPem('stranger.pub.pem'), 'Bob');
    expect(await screen.findByRole('alert')).toHaveAttribute('data-code', 'KEY_UNSUPPORTED');
    expect(screen.getByRole('alert')).toHaveTextContent('a council member needs an identity');

    await addMember(user, await identityPem(bob, 'private'), 'Bob');
    await waitFor(() => { expect(screen.getByRole('alert')).toHaveAttribute('data-code', 'KEY_NOT_PUBLIC'); });
    expect(screen.getByRole('alert')).toHaveTextContent('never hand out a private key');

    await addMember(user, await identityPem(alice, 'public'), 'Alice again');
    await waitFor(() => { expect(screen.getByRole('alert')).toHaveAttribute('data-code', 'MEMBER_TWICE'); });
    expect(screen.getByRole('alert')).toHaveTextContent('This identity is already in the list as “Alice”');

    expect(within(screen.getByRole('list', { name: 'Council members' })).getAllByRole('listitem')).toHaveLength(1);
    expect(screen.getByRole('button', { name: 'Create council' })).toBeEnabled();
  });

  it('offers no threshold and no council before a member is added, and lowers k with a removed member', async () => {
    const { user } = await setup();
    expect(screen.getByRole('button', { name: 'Create council' })).toBeDisabled();
    expect(screen.getByLabelText('Threshold (members needed to recover)')).toBeDisabled();
    await addMember(user, await identityPem(alice, 'public'), 'Alice');
    await addMember(user, await identityPem(bob, 'public'), 'Bob');
    await screen.findByRole('listitem', { name: 'Bob' });
    const threshold = screen.getByLabelText('Threshold (members needed to recover)');
    await user.selectOptions(threshold, '2');
    await user.click(screen.getByRole('button', { name: 'Remove Bob' }));
    await waitFor(() => { expect(threshold).toHaveValue('1'); });
    expect(within(threshold).getAllByRole('option').map((o) => o.textContent)).toEqual(['1 of 1']);
  });
});
