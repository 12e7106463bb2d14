// @vitest-environment happy-dom
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { StoreProvider } from '../../app/providers.tsx';
import { storageError } from '../../io/db.ts';
import type { Downloader } from '../../io/download.ts';
import type { RegisterEntry } from '../../store/types.ts';
import { exportPublicIdentity, issueReceipt, serializeSigned } from '../../core/index.ts';
import { formatDate } from '../../store/format.ts';
import { createTestStore, makeIdentity, makeSignedFile, memoryRegisterStore, testKeyPem } from '../../store/test-adapters.ts';
import { RegisterPanel } from './register-panel.tsx';

const OWNER = { name: 'Ada Lovelace', keyId: `SHA256:${'a'.repeat(64)}` };

function entry(n: number, change: Partial<RegisterEntry> = {}): RegisterEntry {
  const serial = `KW-000${n}-ABCD-EFGH-JKMN`;
  return {
    fileId: `file-${n}`,
    serial,
    name: `report ${n}.pdf`,
    size: 1_500 * n,
    type: 'application/pdf',
    encryptedAt: Date.UTC(2026, 10, n, 9, 30),
    description: '',
    owner: OWNER,
    authority: { name: 'IT backup desk', keyId: `SHA256:${'b'.repeat(64)}` },
    escrowBlob: `{"format":"keyward-escrow/1","serial":"${serial}"}`,
    ...change,
  };
}

async function setup(entries: RegisterEntry[], options: { failZip?: boolean } = {}) {
  const registerStore = memoryRegisterStore();
  for (const e of entries) await registerStore.add(e);
  const saved: { name: string; blob: Blob }[] = [];
  const zips: { name: string; names: string[] }[] = [];
  const download: Downloader = {
    save(blob, name) {
      saved.push({ name, blob });
    },
    saveZip(files, name) {
      if (options.failZip) return Promise.reject(new Error('quota'));
      zips.push({ name, names: files.map((f) => f.name) });
      return Promise.resolve();
    },
  };
  const { store } = await createTestStore({ registerStore, download });
  render(
    <StoreProvider store={store}>
      <RegisterPanel />
    </StoreProvider>,
  );
  await screen.findByRole('heading', { name: 'Escrow register' });
  return { store, saved, zips, user: userEvent.setup() };
}

describe('RegisterPanel', () => {
  it('says which encrypted files are still only in this tab, downloaded, or not kept here', async () => {
    const { store } = await setup([entry(1), entry(2), entry(3)]);
    const job = (n: number, change: Record<string, unknown>) => ({
      id: `e${n}`, fileName: `report ${n}.pdf`, size: 1, status: 'done' as const, done: 1, fileId: `file-${n}`,
      outputName: 'x.keyward', escrowName: 'x.keyward-escrow.json', output: new Blob([]), escrowJson: '{}', ...change,
    });
    act(() => {
      store.setState({ encryptJobs: [job(1, {}), job(2, { fileDownloaded: true })] });
    });
    const row = (n: number) => screen.getByRole('row', { name: new RegExp(`^report ${n}\\.pdf`) });
    expect(within(row(1)).getByRole('cell', { name: 'Only in this tab: download it under Encrypt' })).toBeInTheDocument();
    expect(within(row(2)).getByRole('cell', { name: 'Downloaded' })).toBeInTheDocument();
    // Encrypted before a reload (or in another tab): this tab has no copy of the file.
    expect(within(row(3)).getByRole('cell', { name: 'Not kept here: only a copy downloaded earlier exists' })).toBeInTheDocument();
  });

  it('says so when nothing was encrypted here yet', async () => {
    await setup([]);
    expect(await screen.findByText('Nothing encrypted here yet.')).toBeInTheDocument();
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Export register for the authority' })).not.toBeInTheDocument();
  });

  it('lists every entry newest first and downloads an escrow blob again, byte for byte', async () => {
    const { saved, user } = await setup([entry(1, { name: '<b>old</b>.pdf', description: 'Q1 numbers' }), entry(2)]);
    const table = await screen.findByRole('table', { name: 'Files encrypted in this browser' });
    expect(within(table).getAllByRole('columnheader').map((h) => h.textContent)).toEqual(['File', 'Serial', 'Encrypted', 'Authority', 'Size', 'Encrypted file', 'Escrow blob']);

    const [, newest, oldest] = within(table).getAllByRole('row');
    expect(within(newest!).getByRole('rowheader')).toHaveTextContent('report 2.pdf');
    expect(newest).toHaveTextContent('KW-0002-ABCD-EFGH-JKMN');
    expect(newest).toHaveTextContent('3.0 KB');
    expect(newest).toHaveTextContent('IT backup desk');
    expect(within(newest!).getByText((_, el) => el?.tagName === 'TIME')).toHaveAttribute('datetime', '2026-11-02T09:30:00.000Z');
    // Names are text: no element made of them.
    expect(within(oldest!).getByText('<b>old</b>.pdf')).toBeInTheDocument();
    expect(oldest!.querySelector('b')).toBeNull();
    expect(oldest).toHaveTextContent('Q1 numbers');

    await user.click(screen.getByRole('button', { name: 'Download escrow blob for <b>old</b>.pdf' }));
    expect(saved.map((s) => s.name)).toEqual(['<b>old<_b>.pdf.keyward-escrow.json']);
    expect(await saved[0]!.blob.text()).toBe(entry(1).escrowBlob);
  });

  it('exports the whole register for the authority', async () => {
    const { zips, user } = await setup([entry(1), entry(2)]);
    await user.click(await screen.findByRole('button', { name: 'Export register for the authority' }));
    await waitFor(() => {
      expect(zips.map((z) => z.names)).toEqual([['register.csv', 'KW-0002-ABCD-EFGH-JKMN.keyward-escrow.json', 'KW-0001-ABCD-EFGH-JKMN.keyward-escrow.json']]);
    });
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it('clears the register only after a confirmation that says what is lost', async () => {
    const { store, user } = await setup([entry(1), entry(2)]);
    await user.click(await screen.findByRole('button', { name: 'Clear register…' }));
    const dialog = screen.getByRole('dialog', { name: 'Clear the escrow register?' });
    expect(dialog).toHaveTextContent('All 2 entries and their escrow blobs are removed from this browser.');
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(screen.getAllByRole('rowheader')).toHaveLength(2);

    await user.click(screen.getByRole('button', { name: 'Clear register…' }));
    await user.click(within(screen.getByRole('dialog', { name: 'Clear the escrow register?' })).getByRole('button', { name: 'Clear register' }));
    expect(await screen.findByText('Nothing encrypted here yet.')).toBeInTheDocument();
    await store.getState().loadRegister();
    expect(store.getState().register).toEqual([]);
  });

  it('keeps every entry when the register cannot be cleared, and says why', async () => {
    const registerStore = memoryRegisterStore();
    await registerStore.add(entry(1));
    const failing = { ...registerStore, clear: () => Promise.reject(storageError('DB_FAILED')) };
    const { store } = await createTestStore({ registerStore: failing });
    render(
      <StoreProvider store={store}>
        <RegisterPanel />
      </StoreProvider>,
    );
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Clear register…' }));
    await user.click(within(screen.getByRole('dialog', { name: 'Clear the escrow register?' })).getByRole('button', { name: 'Clear register' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(/^Clear register: /);
    expect(screen.getAllByRole('rowheader')).toHaveLength(1);
  });

  it('shows a failed export next to the button, and the table stays usable', async () => {
    const { saved, user } = await setup([entry(1)], { failZip: true });
    await user.click(await screen.findByRole('button', { name: 'Export register for the authority' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(/^Export register: Something went wrong inside Keyward/);
    await user.click(screen.getByRole('button', { name: 'Download escrow blob for report 1.pdf' }));
    expect(saved.map((s) => s.name)).toEqual(['report 1.pdf.keyward-escrow.json']);
  });

  it('shows a file encrypted in this browser as soon as it is done', async () => {
    const { store } = await setup([]);
    await screen.findByText('Nothing encrypted here yet.');
    await store.getState().importKey({ text: testKeyPem('owner.pem'), name: 'Ada' });
    const authority = await store.getState().importKey({ text: testKeyPem('authority.pub.pem'), name: 'IT backup desk' });
    if ('error' in authority) throw new Error(authority.error.message);
    await store.getState().confirmAuthority(authority.key.keyId);

    store.getState().encryptFiles([new File(['hello'], 'hello.txt')], { description: '', authorityKeyId: authority.key.keyId });
    expect(await screen.findByRole('button', { name: 'Download escrow blob for hello.txt' }, { timeout: 20_000 })).toBeInTheDocument();
    expect(screen.getByRole('table')).toHaveTextContent(store.getState().encryptJobs[0]!.serial!);
  });

  it('confirms a file with the authority’s receipt, chosen or dropped; a bad receipt is refused next to the control and changes nothing', async () => {
    const [owner, desk] = await Promise.all([makeIdentity(), makeIdentity()]);
    const made = await makeSignedFile({ owner, authority: desk, plaintext: new Uint8Array(500), name: 'report 1.pdf' });
    const v2 = entry(1, {
      fileId: made.fileId,
      serial: made.serial,
      escrowBlob: made.escrowJson,
      owner: { ...OWNER, identityId: owner.id },
      authority: { name: 'IT backup desk', keyId: desk.encryption.keyId, identityId: desk.id },
    });
    const { store, user } = await setup([v2, entry(2)]);
    const table = await screen.findByRole('table');
    const row = (name: string) => within(table).getByRole('row', { name: new RegExp(name) });
    expect(within(row('report 1.pdf')).getByText('Escrowed, not yet confirmed')).toBeInTheDocument();
    expect(within(row('report 2.pdf')).getByText('unsigned (v1)')).toBeInTheDocument();

    const receipt = serializeSigned(await issueReceipt(made.escrowBlob, desk, { now: new Date(Date.UTC(2026, 10, 3, 14, 0)) }));
    const tampered = receipt.replace('2026-11-03T14:00:00.000Z', '2026-11-02T14:00:00.000Z');
    await user.upload(screen.getByLabelText('Choose receipt file'), new File([tampered], 'r.keyward-receipt.json', { type: 'application/json' }));
    const alert = await screen.findByRole('alert', undefined, { timeout: 20_000 });
    expect(alert).toHaveAttribute('data-code', 'SIGNATURE_INVALID');
    expect(alert).toHaveTextContent('Receipt: A signature does not verify');
    expect(within(row('report 1.pdf')).getByText('Escrowed, not yet confirmed')).toBeInTheDocument();

    // Dropped on the register's receipt zone.
    const zone = screen.getByRole('group', { name: 'Drop a receipt from your backup authority' });
    const dataTransfer = { files: [new File([receipt], 'r.keyward-receipt.json', { type: 'application/json' })], types: ['Files'] };
    fireEvent.drop(zone, { dataTransfer });
    const confirmed = `Confirmed by IT backup desk on ${formatDate(Date.UTC(2026, 10, 3, 14, 0))}`;
    expect(await within(row('report 1.pdf')).findByText(confirmed, undefined, { timeout: 20_000 })).toBeInTheDocument();
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();

    // NAME is the owner's own name for the pinned authority, as stored now.
    const pinned = await store.getState().importKey({ text: await exportPublicIdentity(desk, 'pem'), name: 'Our bank', accept: 'public' });
    if ('error' in pinned) throw new Error(pinned.error.message);
    expect(await within(row('report 1.pdf')).findByText(`Confirmed by Our bank on ${formatDate(Date.UTC(2026, 10, 3, 14, 0))}`)).toBeInTheDocument();
  }, 60_000);
});
