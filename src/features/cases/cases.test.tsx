// @vitest-environment happy-dom
/**
 * The recovery-case screens over an in-memory escrow service: the owner opens
 * a case and sees its steps with time and signer; at the desk, an officer
 * verifies it, and a member outside the file's council sees the refusal's
 * sentence; the officer holding a file's authority identity uploads its
 * recovery blob. (The store's checks are tested in case-slice.test.ts.)
 */
import { configure, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { StoreProvider } from '../../app/providers.tsx';
import { userMessage } from '../../core/index.ts';
import { createTestStore, makeIdentity } from '../../store/test-adapters.ts';
import { fakeCaseService, memoryCaseAdapters } from '../../store/test-case-service.ts';
import { makeCouncilFile, testCouncil } from '../../store/test-councils.ts';
import { identityPem, testIdentity } from '../../store/test-identities.ts';
import { CaseDesk } from './case-desk.tsx';
import { MyCasePanel } from './my-case-panel.tsx';

configure({ asyncUtilTimeout: 20_000 });

const [owner, newOwner, alice, bob, dora, officer] = await Promise.all([
  testIdentity('owner.pem'),
  testIdentity('new-owner.pem'),
  testIdentity('authority.pem'),
  testIdentity('stranger.pem'),
  testIdentity('member-3.pem'),
  makeIdentity(),
]);
const council = await testCouncil([{ name: 'Alice', identity: alice }, { name: 'Bob', identity: bob }], 2);
const other = await testCouncil([{ name: 'Dora', identity: dora }], 1, 'Other council');
const made = await makeCouncilFile({ owner, council, plaintext: new Uint8Array(3000), name: 'plan.pdf', description: 'Merger plan' });
const elsewhere = await makeCouncilFile({ owner: officer, council: other, plaintext: new Uint8Array(10), name: 'x' });

async function screenFor(service: ReturnType<typeof fakeCaseService>, ui: React.ReactNode, identity?: typeof newOwner) {
  const { store } = await createTestStore({ cases: memoryCaseAdapters(service.client) });
  if (identity) {
    const own = await store.getState().importKey({ text: await identityPem(identity, 'private'), name: 'Ada', accept: 'private' });
    if ('error' in own) throw new Error(own.error.message);
  }
  const view = render(<StoreProvider store={store}>{ui}</StoreProvider>);
  return { store, view, user: userEvent.setup() };
}

async function signIn(user: ReturnType<typeof userEvent.setup>, identity: typeof newOwner) {
  const field = await screen.findByLabelText('Your private identity for the escrow service (PEM or JWK)');
  await user.click(field);
  await user.paste(await identityPem(identity, 'private'));
  await user.click(screen.getByRole('button', { name: 'Sign in to recovery cases' }));
  await screen.findByText(/Signed in as/);
}

/** The new owner's case for the lost identity, opened through the store; its case ID. */
async function openedByNewOwner(service: ReturnType<typeof fakeCaseService>): Promise<string> {
  const ownerScreen = await screenFor(service, <MyCasePanel />, newOwner);
  expect(await ownerScreen.store.getState().openCase({ lostIdentityId: owner.id, note: '' })).toBeNull();
  ownerScreen.view.unmount();
  return [...service.cases.keys()][0]!;
}

/** `officer` signs in at the desk, opens the case and verifies it (`whileOpen` looks at it first); the case's group. */
async function verifiedAtDesk(user: ReturnType<typeof userEvent.setup>, officer: typeof newOwner, caseId: string, method: string, whileOpen?: (open: HTMLElement) => void) {
  await signIn(user, officer);
  await user.click(screen.getByRole('button', { name: 'List cases' }));
  await user.click(await screen.findByRole('button', { name: `Open case ${caseId}` }));
  const opened = await screen.findByRole('group', { name: `Case ${caseId}` });
  whileOpen?.(opened);
  await user.type(within(opened).getByLabelText('How you checked the person’s identity'), method);
  await user.click(within(opened).getByRole('button', { name: 'Verify the case' }));
  expect(await within(opened).findByText('Verified: waiting for the recovery blobs')).toBeVisible();
  return opened;
}

describe('recovery case screens', () => {
  it('the owner opens a case; the officer verifies it; a member of another council is refused with its sentence', async () => {
    const service = fakeCaseService({ officers: [officer.id], deposits: [made.escrowBlob, elsewhere.escrowBlob] });
    const ownerScreen = await screenFor(service, <MyCasePanel />, newOwner);
    const form = await screen.findByRole('form', { name: 'Open a recovery case' });
    await ownerScreen.user.type(within(form).getByLabelText('Your lost identity ID'), owner.id);
    await ownerScreen.user.type(within(form).getByLabelText('Note for the officer'), 'laptop stolen');
    await ownerScreen.user.click(within(form).getByRole('button', { name: 'Open recovery case' }));
    const mine = await screen.findByRole('group', { name: 'Your recovery case' });
    expect(within(mine).getByRole('status')).toHaveTextContent('Open: waiting for an officer');
    // What the person tells the officer, who verifies the case that carries it (another may be open for the same identity).
    const applicant = within(mine).getByText(/tell them this case number and this identity ID/);
    expect(applicant.querySelector('[data-key-id]')?.getAttribute('data-key-id')).toBe(newOwner.id);
    const opened = within(within(mine).getByRole('list', { name: 'Case steps' })).getByRole('listitem', { name: 'Case opened' });
    expect(opened).toHaveTextContent('by you');
    expect(opened.querySelector('[data-key-id]')?.getAttribute('data-key-id')).toBe(newOwner.id);
    expect(opened.querySelector('time')?.getAttribute('dateTime')).toMatch(/^2026-12-06T/);
    expect(opened).toHaveTextContent('laptop stolen');
    expect(within(mine).getByRole('listitem', { name: made.serial })).toHaveTextContent('0 of 2 recovery blobs in');
    ownerScreen.view.unmount();

    const desk = await screenFor(service, <CaseDesk />);
    await signIn(desk.user, officer);
    await desk.user.click(screen.getByRole('button', { name: 'List cases' }));
    const caseId = [...service.cases.keys()][0]!;
    const row = within(await screen.findByRole('list', { name: 'Recovery cases' })).getByRole('listitem', { name: `Case ${caseId}` });
    expect([...row.querySelectorAll('[data-key-id]')].map((e) => e.getAttribute('data-key-id'))).toEqual([owner.id, newOwner.id]);
    await desk.user.click(await screen.findByRole('button', { name: `Open case ${caseId}` }));
    const opening = await screen.findByRole('group', { name: `Case ${caseId}` });
    await desk.user.type(within(opening).getByLabelText('How you checked the person’s identity'), 'passport seen in person');
    await desk.user.click(within(opening).getByRole('button', { name: 'Verify the case' }));
    expect(await within(opening).findByText('Verified: waiting for the recovery blobs')).toBeVisible();
    expect(within(opening).getByRole('listitem', { name: 'Identity checked by an officer' })).toHaveTextContent('passport seen in person');
    // An officer alone issues nothing here.
    expect(within(opening).queryByRole('button', { name: /Issue and upload partial/ })).toBeNull();
    desk.view.unmount();

    const doraDesk = await screenFor(service, <CaseDesk />);
    await signIn(doraDesk.user, dora);
    await doraDesk.user.click(screen.getByRole('button', { name: 'List cases' }));
    await doraDesk.user.click(await screen.findByRole('button', { name: `Open case ${caseId}` }));
    await doraDesk.user.click(await screen.findByRole('button', { name: `Issue and upload partial for ${made.serial}` }));
    const refusal = await screen.findByRole('alert');
    expect(refusal).toHaveAttribute('data-code', 'OUTSIDE_COUNCIL');
    expect(refusal.textContent).toContain(userMessage('OUTSIDE_COUNCIL', {}).split(',')[0]);
  }, 120_000);

  it('the officer signed in with the identity a file is escrowed to issues and uploads its recovery blob; another officer is not offered it', async () => {
    const colleague = await makeIdentity();
    const { makeSignedFile } = await import('../../store/test-adapters.ts');
    const single = await makeSignedFile({ owner, authority: alice, plaintext: new Uint8Array(500), name: 'lease.pdf' });
    const service = fakeCaseService({ officers: [alice.id, colleague.id], deposits: [single.escrowBlob] });
    const caseId = await openedByNewOwner(service);

    const other = await screenFor(service, <CaseDesk />);
    const atOther = await verifiedAtDesk(other.user, colleague, caseId, 'passport seen in person');
    expect(within(atOther).queryByRole('button', { name: /Issue and upload/ })).toBeNull();
    // Offered instead: what keyward reissue needs where the authority's key is kept, and the upload of what it writes.
    expect(within(atOther).getByRole('button', { name: 'Download the new identity (PEM)' })).toBeVisible();
    expect(within(atOther).getByRole('button', { name: `Download escrow blob for ${single.serial}` })).toBeVisible();
    expect(within(atOther).getByLabelText(`Upload the recovery blob for ${single.serial}`)).toHaveAttribute('type', 'file');
    expect(within(atOther).getByText(/keyward reissue SERIAL\.escrow\.json/)).toHaveTextContent(`--to case-${caseId}.pub.pem`);
    other.view.unmount();

    const desk = await screenFor(service, <CaseDesk />);
    await signIn(desk.user, alice);
    await desk.user.selectOptions(screen.getByLabelText('Cases that are'), 'verified');
    await desk.user.click(screen.getByRole('button', { name: 'List cases' }));
    await desk.user.click(await screen.findByRole('button', { name: `Open case ${caseId}` }));
    const opened = await screen.findByRole('group', { name: `Case ${caseId}` });
    await desk.user.click(await within(opened).findByRole('button', { name: `Issue and upload recovery blob for ${single.serial}` }));
    // Signed in with the authority identity itself: nothing to fetch for elsewhere.
    expect(within(opened).queryByRole('button', { name: /^Download escrow blob for/ })).toBeNull();
    expect(within(opened).queryByRole('button', { name: 'Download the new identity (PEM)' })).toBeNull();
    expect(await within(opened).findByText(`Recovery blob for ${single.serial} uploaded.`)).toBeVisible();
    expect(await within(opened).findByText('Ready: every file has its recovery blobs')).toBeVisible();
  }, 120_000);

  it('the officer refuses a case verified by mistake, told that its new identity is revoked with it', async () => {
    const service = fakeCaseService({ officers: [officer.id], deposits: [made.escrowBlob] });
    const caseId = await openedByNewOwner(service);

    const desk = await screenFor(service, <CaseDesk />);
    // While it is open, refusing it only closes it (checked before the verification).
    const opened = await verifiedAtDesk(desk.user, officer, caseId, 'a phone call', (open) => {
      expect(within(open).queryByText(/is then revoked/)).toBeNull();
    });
    const hint = within(opened).getByText(/Refuse this case if it was verified by mistake/);
    expect(hint.querySelector('[data-key-id]')?.getAttribute('data-key-id')).toBe(newOwner.id);
    expect(hint).toHaveTextContent('is then revoked');
    await desk.user.type(within(opened).getByLabelText('Why the case is refused'), 'the caller was not the owner');
    await desk.user.click(within(opened).getByRole('button', { name: 'Refuse the case and revoke its identity' }));
    expect(await within(opened).findByRole('status')).toHaveTextContent('Refused');
    expect(within(opened).queryByRole('button', { name: /Refuse the case/ })).toBeNull();
    expect(service.requests.filter((r) => r.path.endsWith('/refuse'))).toEqual([{ method: 'POST', path: `/v1/cases/${caseId}/refuse`, body: { reason: 'the caller was not the owner' }, identityId: officer.id }]);
  }, 120_000);

  it('signs in to recovery cases as the desk does: from the identity’s file, or with one click as this desk’s own stored identity', async () => {
    const service = fakeCaseService({ officers: [officer.id, alice.id], deposits: [] });
    const desk = await screenFor(service, <CaseDesk />);
    const file = new File([await identityPem(officer, 'private')], 'officer.pem', { type: 'application/x-pem-file' });
    await desk.user.upload(await screen.findByLabelText('Or choose your private identity file'), file);
    await desk.user.click(screen.getByRole('button', { name: 'Sign in to recovery cases' }));
    expect(await screen.findByText(/Signed in as/)).toHaveTextContent('(officer)');
    expect(desk.store.getState().caseDesk?.identityId).toBe(officer.id);
    await desk.user.click(screen.getByRole('button', { name: 'Sign out' }));

    const imported = await desk.store.getState().importAuthorityKey({ text: await identityPem(alice, 'private'), name: 'IT backup desk' });
    if ('error' in imported) throw new Error(imported.error.message);
    await desk.user.click(await screen.findByRole('button', { name: 'Sign in as this desk’s identity “IT backup desk”' }));
    await screen.findByText(/Signed in as/);
    expect(desk.store.getState().caseDesk?.identityId).toBe(alice.id);
  }, 120_000);

  it('shows nothing, and asks nothing, without an escrow service', async () => {
    const { store } = await createTestStore({ cases: memoryCaseAdapters(null) });
    render(
      <StoreProvider store={store}>
        <MyCasePanel />
        <CaseDesk />
      </StoreProvider>,
    );
    await vi.waitFor(() => {
      expect(store.getState().caseService).toBe('none');
    });
    expect(screen.queryByRole('heading', { name: 'Recovery case' })).toBeNull();
    expect(screen.queryByRole('heading', { name: 'Recovery cases' })).toBeNull();
  });
});
