// @vitest-environment happy-dom
import { formatKeyIdForHumans } from '../../store/format.ts';
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { StoreProvider } from '../../app/providers.tsx';
import { bytesOf, createTestStore, keyIdOfPem, recordingDownloader, testKeyPem } from '../../store/test-adapters.ts';
import { EncryptPanel } from './encrypt-panel.tsx';

const report = new Uint8Array(150_000).map((_, i) => (i * 13) & 0xff);
const file = (name: string, data: Uint8Array = report) => new File([data as Uint8Array<ArrayBuffer>], name);

/** An owner key pair and confirmed authorities, as after the first-run screen. */
async function setup(
  authorities: { pem: string; name: string; confirm: boolean }[] = [{ pem: 'authority.pub.pem', name: 'IT backup desk', confirm: true }],
  adapters: Parameters<typeof createTestStore>[0] = {},
) {
  const download = recordingDownloader();
  const { store } = await createTestStore({ download, ...adapters });
  await store.getState().importKey({ text: testKeyPem('owner.pem'), name: 'Ada Lovelace' });
  for (const a of authorities) {
    const imported = await store.getState().importKey({ text: testKeyPem(a.pem), name: a.name });
    if ('error' in imported) throw new Error(imported.error.message);
    if (a.confirm) await store.getState().confirmAuthority(imported.key.keyId);
  }
  render(
    <StoreProvider store={store}>
      <EncryptPanel />
    </StoreProvider>,
  );
  await screen.findByRole('heading', { name: 'Encrypt files' });
  return { store, download, user: userEvent.setup() };
}

const rows = () => screen.getByRole('list', { name: 'Files being encrypted' });
const rowFor = (name: string) => within(rows()).getByRole('listitem', { name });
const waitForDone = (name: string) => screen.findByRole('button', { name: `Download ${name}.keyward` }, { timeout: 20_000 });

describe('EncryptPanel', () => {
  it('with several key pairs, lets the person choose (name and key ID) and keeps the choice for the session', async () => {
    const { store, user } = await setup();
    const second = await act(() => store.getState().importKey({ text: testKeyPem('new-owner.pem'), name: 'Ada 2027' }));
    if ('error' in second) throw new Error(second.error.message);
    const ownerKeyId = await keyIdOfPem(testKeyPem('owner.pub.pem'));

    const select = await screen.findByRole('combobox', { name: 'Encrypt for my key pair' });
    expect(within(select).getAllByRole('option').map((o) => o.textContent)).toEqual([
      `Ada Lovelace (${formatKeyIdForHumans(ownerKeyId).slice(0, 9)} …)`,
      `Ada 2027 (${formatKeyIdForHumans(second.key.keyId).slice(0, 9)} …)`,
    ]);
    expect(select).toHaveValue(ownerKeyId);
    await user.selectOptions(select, second.key.keyId);
    expect(screen.getByText(formatKeyIdForHumans(second.key.keyId))).toHaveAttribute('data-key-id', second.key.keyId);

    await user.upload(screen.getByLabelText('Choose files to encrypt'), [file('for-2027.pdf')]);
    await waitForDone('for-2027.pdf');
    expect(store.getState().register[0]?.owner).toEqual({ name: 'Ada 2027', keyId: second.key.keyId });
    // Remembered for the session: a fresh panel (another tab of the app, then back) shows the same choice.
    cleanup();
    render(
      <StoreProvider store={store}>
        <EncryptPanel />
      </StoreProvider>,
    );
    expect(await screen.findByRole('combobox', { name: 'Encrypt for my key pair' })).toHaveValue(second.key.keyId);
  });

  it('marks each output once downloaded and says an undownloaded file exists only in this tab', async () => {
    const { user } = await setup();
    await user.upload(screen.getByLabelText('Choose files to encrypt'), [file('report.pdf')]);
    await waitForDone('report.pdf');
    const row = rowFor('report.pdf');
    expect(row).toHaveTextContent('The encrypted file exists only in this tab until you download it.');
    expect(within(row).queryByText('File downloaded')).not.toBeInTheDocument();
    await user.click(within(row).getByRole('button', { name: 'Download report.pdf.keyward' }));
    expect(within(rowFor('report.pdf')).getByText('File downloaded')).toBeInTheDocument();
    expect(rowFor('report.pdf')).not.toHaveTextContent('exists only in this tab');
    await user.click(within(rowFor('report.pdf')).getByRole('button', { name: 'Download report.pdf.keyward-escrow.json' }));
    expect(within(rowFor('report.pdf')).getByText('Escrow blob downloaded')).toBeInTheDocument();
  });

  it('encrypts chosen files into rows with a serial and downloads each output', async () => {
    const { store, download, user } = await setup();
    expect(screen.getByText('IT backup desk')).toBeInTheDocument();
    expect(screen.getByText(formatKeyIdForHumans(await keyIdOfPem(testKeyPem('authority.pub.pem'))))).toBeInTheDocument();
    expect(screen.queryByRole('combobox', { name: 'Backup authority' })).not.toBeInTheDocument();
    expect(screen.getByRole('textbox', { name: 'Key description (optional)' })).toHaveAccessibleDescription(/escrow blob/);

    await user.type(screen.getByRole('textbox', { name: 'Key description (optional)' }), 'Q3 numbers');
    await user.upload(screen.getByLabelText('Choose files to encrypt'), [file('report.pdf'), file('notes.txt', new Uint8Array(10))]);

    expect(within(rowFor('report.pdf')).getByRole('progressbar', { name: 'Encrypting report.pdf' })).toBeInTheDocument();
    await waitForDone('report.pdf');
    await waitForDone('notes.txt');
    const [first] = store.getState().encryptJobs;
    const row = rowFor('report.pdf');
    expect(within(row).getByText('150 KB')).toBeInTheDocument();
    expect(within(row).getByText('Encrypted')).toBeInTheDocument();
    expect(row).toHaveTextContent(`Serial ${first!.serial!}`);
    expect(within(row).queryByRole('progressbar')).not.toBeInTheDocument();
    expect(within(row).queryByRole('button', { name: 'Cancel' })).not.toBeInTheDocument();
    expect(screen.getByRole('status')).toHaveTextContent('2 of 2 files finished');

    await user.click(within(row).getByRole('button', { name: 'Download report.pdf.keyward' }));
    await user.click(within(row).getByRole('button', { name: 'Download report.pdf.keyward-escrow.json' }));
    expect(download.saved.map((s) => s.name)).toEqual(['report.pdf.keyward', 'report.pdf.keyward-escrow.json']);
    expect(await bytesOf(download.saved[0]!.blob)).toEqual(await bytesOf(first!.output!));
    expect(JSON.parse(await download.saved[1]!.blob.text())).toMatchObject({ description: 'Q3 numbers', serial: first!.serial });

    await user.click(screen.getByRole('button', { name: 'Download all as zip' }));
    await waitFor(() => {
      expect(download.saved.map((s) => s.name)).toContain('keyward-encrypted.zip');
    });
  });

  it('takes files dropped on the drop zone; the same file twice gives two rows', async () => {
    const { store } = await setup();
    const twice = file('photo.jpg');
    fireEvent.drop(screen.getByRole('group', { name: 'Drop files to encrypt' }), { dataTransfer: { files: [twice, twice], types: ['Files'] } });

    // Rows are rendered once per animation frame.
    expect(await within(rows()).findAllByRole('listitem', { name: 'photo.jpg' })).toHaveLength(2);
    await waitFor(() => {
      expect(screen.getAllByRole('button', { name: 'Download photo.jpg.keyward' })).toHaveLength(2);
    }, { timeout: 20_000 });
    const [a, b] = store.getState().encryptJobs;
    expect(a!.serial).not.toBe(b!.serial);
  });

  it('offers a select of confirmed authorities only, and escrows to the one chosen', async () => {
    const { store, user } = await setup([
      { pem: 'authority.pub.pem', name: 'IT backup desk', confirm: true },
      { pem: 'stranger.pub.pem', name: 'Legal hold', confirm: true },
      { pem: 'new-owner.pub.pem', name: 'Not confirmed', confirm: false },
    ]);
    const select = screen.getByRole('combobox', { name: 'Backup authority' });
    const options = within(select).getAllByRole('option').map((o) => o.textContent);
    expect(options).toHaveLength(2);
    expect(options[0]).toMatch(/^IT backup desk \(/);
    expect(options[1]).toMatch(/^Legal hold \(/);

    const legal = await keyIdOfPem(testKeyPem('stranger.pub.pem'));
    await user.selectOptions(select, legal);
    expect(screen.getByText(formatKeyIdForHumans(legal))).toBeInTheDocument();
    await user.upload(screen.getByLabelText('Choose files to encrypt'), file('contract.pdf'));
    await waitForDone('contract.pdf');
    expect(JSON.parse(store.getState().encryptJobs[0]!.escrowJson!)).toMatchObject({ authority: { name: 'Legal hold', keyId: legal } });
  });

  it('shows file names as text, exactly as given', async () => {
    const { user } = await setup();
    await user.upload(screen.getByLabelText('Choose files to encrypt'), [file('<b>bold</b>.txt'), file('\u202egnp.exe')]);
    const html = rowFor('<b>bold</b>.txt');
    expect(within(html).getByText('<b>bold</b>.txt')).toBeInTheDocument();
    expect(html.querySelector('b')).toBeNull();
    expect(within(rowFor('\u202egnp.exe')).getByText('\u202egnp.exe')).toHaveClass('row__name');
    // What is saved has no bidi override and no path separator; the button says exactly that.
    await screen.findByRole('button', { name: 'Download gnp.exe.keyward' }, { timeout: 20_000 });
    await screen.findByRole('button', { name: 'Download <b>bold<_b>.txt.keyward' }, { timeout: 20_000 });
  });

  it('cancels a waiting file, shows an error next to the file it concerns, and stays usable', async () => {
    const { store, user } = await setup([
      { pem: 'authority.pub.pem', name: 'IT backup desk', confirm: true },
      { pem: 'stranger.pub.pem', name: 'Legal hold', confirm: true },
    ]);
    await user.upload(screen.getByLabelText('Choose files to encrypt'), [file('first.bin', new Uint8Array(8_000_000)), file('waits.bin')]);
    const waiting = rowFor('waits.bin');
    expect(within(waiting).getByText('Waiting')).toBeInTheDocument();
    await user.click(within(waiting).getByRole('button', { name: 'Cancel' }));
    expect(await within(waiting).findByText('Cancelled. Nothing was saved.')).toBeInTheDocument();
    expect(within(waiting).queryByRole('button', { name: 'Cancel' })).not.toBeInTheDocument();
    await waitForDone('first.bin');

    // The authority chosen is deleted while its file waits behind a large one: that row fails, the next one (other authority) works.
    const legal = await keyIdOfPem(testKeyPem('stranger.pub.pem'));
    const itDesk = await keyIdOfPem(testKeyPem('authority.pub.pem'));
    act(() => {
      store.getState().encryptFiles([file('big.bin', new Uint8Array(6_000_000))], { description: '', authorityKeyId: legal });
    });
    await user.upload(screen.getByLabelText('Choose files to encrypt'), file('orphan.txt'));
    act(() => {
      store.getState().encryptFiles([file('after.txt')], { description: '', authorityKeyId: legal });
    });
    await act(() => store.getState().deleteKey(itDesk));

    const alert = await within(await screen.findByRole('listitem', { name: 'orphan.txt' }, { timeout: 20_000 })).findByRole('alert', {}, { timeout: 20_000 });
    expect(alert).toHaveTextContent('The backup authority chosen for this file is no longer stored here');
    expect(within(rowFor('orphan.txt')).getByText('Not encrypted')).toBeInTheDocument();
    expect(within(rowFor('orphan.txt')).queryByRole('button', { name: /^Download/ })).not.toBeInTheDocument();
    await waitForDone('after.txt');

    await user.click(screen.getByRole('button', { name: 'Clear finished' }));
    expect(screen.queryByRole('list', { name: 'Files being encrypted' })).not.toBeInTheDocument();
  });

  it('keeps Download all as zip disabled until a file is done', async () => {
    const { user } = await setup();
    await user.upload(screen.getByLabelText('Choose files to encrypt'), file('big.bin', new Uint8Array(3_000_000)));
    expect(screen.getByRole('button', { name: 'Download all as zip' })).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Clear finished' })).toBeDisabled();
    await waitForDone('big.bin');
    expect(screen.getByRole('button', { name: 'Download all as zip' })).toBeEnabled();
  });

  it('offers to pick each output file first where the browser can, and a row waits for that click', async () => {
    const asked: string[] = [];
    const savePicker = { pick: (name: string) => Promise.resolve((asked.push(name), null)) };
    const { store, user } = await setup(undefined, { savePicker });
    const option = screen.getByRole('checkbox', { name: /Choose where each encrypted file goes before it starts/ });
    await user.click(option);
    await user.upload(screen.getByLabelText('Choose files to encrypt'), file('plan.txt'));

    const row = rowFor('plan.txt');
    expect(within(row).getByText('Waiting')).toBeInTheDocument();
    await user.click(within(row).getByRole('button', { name: /^Choose where to save\s*plan\.txt\.keyward\s*…$/ }));
    expect(asked).toEqual(['plan.txt.keyward']);
    // Closed without a choice: still waiting, nothing started.
    expect(store.getState().encryptJobs[0]).toMatchObject({ status: 'queued', awaitingTarget: true });
  });

  it('does not offer the option where the browser has no save picker', async () => {
    await setup();
    expect(screen.queryByRole('checkbox', { name: /Choose where each encrypted file goes/ })).not.toBeInTheDocument();
  });
});
