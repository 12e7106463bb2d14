import { useId } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { KeyId } from '../../components/key-id.tsx';
import { useFormAction } from '../../components/use-form-action.ts';
import { bundleCheckOf } from '../../store/slices/desk-slice.ts';
import type { DeskBundleBlob } from '../../store/types.ts';
import { useAppStore } from '../../store/use-app-store.ts';

/**
 * The export of the deposits found (`POST /v1/exports`): the bundle is
 * downloaded and its blobs go to the escrow check below, where the
 * authority's private key checks each; a receipt is then issued for each
 * checked blob and uploaded (`POST /v1/receipts`), each with its own outcome.
 */
export function BundleReceipts() {
  const { found, bundle, exportDeposits, uploadReceipts } = useAppStore(
    useShallow((s) => ({ found: s.deskSearch?.deposits.length ?? 0, bundle: s.deskBundle, exportDeposits: s.exportDeposits, uploadReceipts: s.uploadReceipts })),
  );
  // How many of the bundle's blobs the check passed and still wait for their receipt (recomputed only when that count changes).
  const waiting = useAppStore((s) => (s.deskBundle?.blobs ?? []).filter((b) => !(b.upload && !('error' in b.upload)) && bundleCheckOf(s, b.text) === 'verified').length);
  const exporting = useFormAction();
  const all = useFormAction();
  const id = useId();

  return (
    <div aria-labelledby={`${id}-heading`} role="group">
      <h3 id={`${id}-heading`}>Export and receipts</h3>
      <div className="actions">
        <button type="button" className="button" disabled={exporting.busy || found === 0} onClick={() => void exporting.run(exportDeposits)}>
          Export the {found === 1 ? 'deposit' : `${String(found)} deposits`} found
        </button>
        {exporting.busy && <span role="status">Exporting and checking…</span>}
      </div>
      {exporting.error && <ErrorNotice error={exporting.error} />}
      <p role="status">
        {bundle && !exporting.busy
          ? `Saved ${bundle.fileName} with ${String(bundle.blobs.length)} escrow ${bundle.blobs.length === 1 ? 'blob' : 'blobs'}. Each is checked below, under “Recover from an escrow blob”, with your authority key pair or identity, here and offline.`
          : ''}
      </p>
      {bundle && bundle.blobs.length > 0 && (
        <>
          <ul className="rows" aria-label="Blobs of the bundle">
            {bundle.blobs.map((blob) => (
              <BundleRow key={blob.fileId} blob={blob} />
            ))}
          </ul>
          <div className="actions">
            <button type="button" className="button" disabled={all.busy || waiting === 0} onClick={() => void all.run(uploadReceipts)}>
              Upload every receipt
            </button>
            {all.busy && <span role="status">Uploading receipts…</span>}
          </div>
          {all.error && <ErrorNotice error={all.error} />}
        </>
      )}
    </div>
  );
}

function BundleRow({ blob }: { blob: DeskBundleBlob }) {
  const check = useAppStore((s) => bundleCheckOf(s, blob.text));
  const uploadReceipt = useAppStore((s) => s.uploadReceipt);
  const one = useFormAction();
  const uploaded = blob.upload && !('error' in blob.upload) ? blob.upload : null;
  const label = `File ${blob.serial}`;
  return (
    <li className="row" aria-label={label}>
      <div className="row__head">
        <span className="serial">{blob.serial}</span>
        {check === 'checking' && <span className="badge">Checking…</span>}
        {check === 'verified' && <span className="badge badge--ok">Checked</span>}
        {check === 'absent' && <span className="badge">Not in the escrow check</span>}
        {typeof check === 'object' && <span className="badge badge--warn">Check failed</span>}
        <span className="actions">
          <button
            type="button"
            className="button button--small"
            aria-label={`Upload receipt for ${blob.serial}`}
            disabled={one.busy || check !== 'verified' || uploaded !== null}
            onClick={() => void one.run(() => uploadReceipt(blob.fileId))}
          >
            Upload receipt
          </button>
        </span>
      </div>
      {typeof check === 'object' && <ErrorNotice error={check} />}
      <div aria-live="polite">
        {uploaded && (
          <p className="status--done">
            Receipt stored by the service (audit entry {uploaded.auditSeq}), signed by <KeyId keyId={uploaded.signer} />.
          </p>
        )}
        {blob.upload && 'error' in blob.upload && <ErrorNotice error={blob.upload.error} />}
      </div>
      {one.error && <ErrorNotice error={one.error} />}
    </li>
  );
}
