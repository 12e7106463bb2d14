// @vitest-environment happy-dom
import { configure, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { StoreProvider } from '../../app/providers.tsx';
import { createTestStore, makeSignedFile, recordingDownloader } from '../../store/test-adapters.ts';
import { fakeService } from '../../store/test-desk-service.ts';
import { identityPem, testIdentity } from '../../store/test-identities.ts';
import { DeskPanel } from './desk-panel.tsx';

// Imports and checks run real RSA on a shared machine: wait for them, however long they take here.
configure({ asyncUtilTimeout: 20_000 });

const owner = await testIdentity('owner.pem');
const authority = await testIdentity('authority.pem');
const officer = await testIdentity('stranger.pem');
const plaintext = new Uint8Array(3000).map((_, i) => i & 0xff);
const minutes = await makeSignedFile({ owner, authority, plaintext, name: 'minutes.pdf', description: 'Board minutes November' });
const elsewhere = await makeSignedFile({ owner, authority: officer, plaintext, name: 'other.txt', description: 'Another authority' });

async function setup(options: { service?: boolean } = {}) {
  const service = fakeService();
  service.know(officer, 'Olive Officer', ['officer']);
  service.know(owner, 'Ada Lovelace', ['person']);
  await service.deposit(minutes.escrowJson, '2026-11-02T09:00:00.000Z');
  await service.deposit(elsewhere.escrowJson, '2026-11-03T09:00:00.000Z');
  const download = recordingDownloader();
  const { store } = await createTestStore({ download, ...(options.service === false ? {} : { serviceClient: () => Promise.resolve(service.client) }) });
  await store.getState().loadDesk();
  const imported = await store.getState().importAuthorityKey({ text: await identityPem(authority, 'private'), name: 'IT backup desk' });
  if ('error' in imported) throw new Error(imported.error.message);
  render(
    <StoreProvider store={store}>
      <DeskPanel />
    </StoreProvider>,
  );
  return { store, service, download, user: userEvent.setup() };
}

async function signIn(user: ReturnType<typeof userEvent.setup>, text: string) {
  const field = screen.getByLabelText('Your private identity (PEM or JWK)');
  await user.click(field);
  await user.paste(text);
  await user.click(screen.getByRole('button', { name: 'Sign in' }));
}

describe('the service desk', () => {
  it('is not there when the app has no escrow service', async () => {
    await setup({ service: false });
    expect(screen.queryByRole('heading', { name: 'Escrow service desk' })).toBeNull();
  });

  it('signs an officer in, moves focus to who is signed in, finds a deposit by serial, and signs out to the heading', async () => {
    const { user } = await setup();
    await signIn(user, await identityPem(officer, 'private'));
    const who = await screen.findByText(/Signed in as/);
    expect(who).toHaveTextContent('Olive Officer (officer)');
    // The focus moves once it is shown.
    await waitFor(() => {
      expect(who).toHaveFocus();
    });
    // The identity's text is not kept in the page.
    expect(screen.queryByLabelText('Your private identity (PEM or JWK)')).toBeNull();

    await user.type(screen.getByLabelText('Serial'), minutes.serial);
    await user.click(screen.getByRole('button', { name: 'Search' }));
    expect(await screen.findByText('1 deposit found.')).toBeInTheDocument();
    const found = within(screen.getByRole('list', { name: 'Deposits found' })).getAllByRole('listitem');
    expect(found.map((li) => li.getAttribute('aria-label'))).toEqual([`File ${minutes.serial}`]);
    expect(found[0]).toHaveTextContent('Board minutes November');
    expect(found[0]).toHaveTextContent('No receipt yet');

    await user.click(screen.getByRole('button', { name: 'Sign out' }));
    expect(screen.getByRole('heading', { name: 'Escrow service desk' })).toHaveFocus();
    expect(screen.getByLabelText('Your private identity (PEM or JWK)')).toBeInTheDocument();
  });

  it('marks a deposit whose owner\'s identity was revoked as not the person\'s', async () => {
    const { service, user } = await setup();
    const impostor = await testIdentity('new-owner.pem');
    const payroll = await makeSignedFile({ owner: impostor, authority, plaintext, name: 'payroll.xlsx', description: 'Payroll export' });
    await service.deposit(payroll.escrowJson, '2026-11-04T09:00:00.000Z', '2026-11-04T10:30:00.000Z');
    await signIn(user, await identityPem(officer, 'private'));
    await screen.findByText(/Signed in as/);
    await user.click(screen.getByRole('button', { name: 'Search' }));
    expect(await screen.findByText('3 deposits found.')).toBeInTheDocument();
    const row = (serial: string) => within(screen.getByRole('list', { name: 'Deposits found' })).getByRole('listitem', { name: `File ${serial}` });
    expect(row(payroll.serial)).toHaveTextContent('Identity revoked 2026-11-04 10:30 UTC: not');
    expect(row(minutes.serial)).not.toHaveTextContent('Identity revoked');
  });

  it('refuses a person at the desk with NOT_PERMITTED’s sentence', async () => {
    const { user } = await setup();
    await signIn(user, await identityPem(owner, 'private'));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveAttribute('data-code', 'NOT_PERMITTED');
    expect(alert).toHaveTextContent('Your identity may not do this at the escrow service');
    expect(screen.queryByText(/Signed in as/)).toBeNull();
  });

  it('offers the audit log to officers only (the service keeps it from council members)', async () => {
    const { user, service } = await setup();
    const member = await testIdentity('rsa4096.pem');
    service.know(member, 'Mia Member', ['member']);
    await signIn(user, await identityPem(member, 'private'));
    expect(await screen.findByText(/Signed in as/)).toHaveTextContent('Mia Member (member)');
    expect(screen.getByRole('button', { name: 'Search' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Download and verify the audit log' })).toBeNull();
  });

  it('exports, shows each blob’s check, uploads the receipt of a checked one and offers none for a refused one', async () => {
    const { user, service, download } = await setup();
    await signIn(user, await identityPem(officer, 'private'));
    await user.click(await screen.findByRole('button', { name: 'Search' }));
    await user.click(await screen.findByRole('button', { name: 'Export the 2 deposits found' }));
    expect(await screen.findByText(/^Saved keyward-bundle-.*\.json with 2 escrow blobs/)).toBeInTheDocument();
    expect(download.saved.map((s) => s.name)).toEqual([expect.stringMatching(/^keyward-bundle-/)]);

    const rows = within(screen.getByRole('list', { name: 'Blobs of the bundle' }));
    const good = rows.getByRole('listitem', { name: `File ${minutes.serial}` });
    const bad = rows.getByRole('listitem', { name: `File ${elsewhere.serial}` });
    await waitFor(() => { expect(within(good).getByText('Checked')).toBeInTheDocument(); });
    await waitFor(() => { expect(within(bad).getByRole('alert')).toHaveAttribute('data-code', 'NO_MATCHING_KEY'); });
    expect(within(bad).getByRole('button', { name: `Upload receipt for ${elsewhere.serial}` })).toBeDisabled();

    await user.click(within(good).getByRole('button', { name: `Upload receipt for ${minutes.serial}` }));
    expect(await within(good).findByText(/Receipt stored by the service \(audit entry \d+\)/)).toBeInTheDocument();
    expect([...service.receipts.keys()]).toEqual([minutes.fileId]);
    expect(within(good).getByRole('button', { name: `Upload receipt for ${minutes.serial}` })).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Upload every receipt' })).toBeDisabled();
  });

  it('shows the service’s refusal of a receipt file with its sentence', async () => {
    const { user } = await setup();
    await signIn(user, await identityPem(officer, 'private'));
    const { issueReceipt, serializeSigned } = await import('../../core/index.ts');
    // Valid for minutes, but handed in as the receipt of another deposit: the service checks it against that one.
    const receipt = { ...(await issueReceipt(minutes.escrowBlob, authority, { name: 'IT backup desk' })), fileId: elsewhere.fileId, serial: elsewhere.serial };
    await user.upload(await screen.findByLabelText('Choose receipt files to upload'), new File([serializeSigned(receipt)], 'forged.keyward-receipt.json'));
    const item = await within(await screen.findByRole('list', { name: 'Receipt files uploaded' })).findByRole('listitem', { name: 'forged.keyward-receipt.json' });
    const alert = within(item).getByRole('alert');
    expect(alert.getAttribute('data-code')).toMatch(/^(SIGNATURE_INVALID|BLOB_MISMATCH|SIGNER_UNTRUSTED)$/);
    expect(alert.textContent.length).toBeGreaterThan(20);
  });

  it('verifies the audit log and shows its head, or names the entry that breaks it', async () => {
    const { user, service } = await setup();
    await signIn(user, await identityPem(officer, 'private'));
    await user.click(await screen.findByRole('button', { name: 'Download and verify the audit log' }));
    const verified = await screen.findByRole('group', { name: 'Audit log verified' });
    expect(verified).toHaveTextContent(`The audit log verifies: ${String(service.audit.length)} entries`);
    expect(verified.querySelector('[data-head]')?.getAttribute('data-head')).toBe(service.audit.at(-1)?.hash);

    service.audit.splice(0, 1);
    await user.click(screen.getByRole('button', { name: 'Download and verify the audit log' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveAttribute('data-code', 'AUDIT_BROKEN');
    expect(alert).toHaveTextContent('at entry 1');
    expect(screen.queryByRole('group', { name: 'Audit log verified' })).toBeNull();
  });
});
