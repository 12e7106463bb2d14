import { memo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { RowList } from '../../components/row-list.tsx';
import { useFormAction } from '../../components/use-form-action.ts';
import { useProgressiveCount } from '../../components/use-progressive-count.ts';
import { useValuePerFrame } from '../../components/use-value-per-frame.ts';
import type { EscrowListItem } from '../../store/types.ts';
import { useAppActions, useAppStore } from '../../store/use-app-store.ts';
import { BlobFacts } from './blob-facts.tsx';
import { EscrowCheckStatus } from './escrow-check-status.tsx';

/** One blob of the list: what it says, its own check, and a way into its case once verified. */
const EscrowListRow = memo(function EscrowListRow({ job: item }: { job: EscrowListItem }) {
  // Once per blob, and a register may hold thousands: the action without a subscription.
  const { openEscrowCase } = useAppActions();
  const { blob } = item;
  return (
    <li className="row" aria-label={item.fileName}>
      <div className="row__head">
        <bdi className="row__name">{item.fileName}</bdi>
        {item.receipt && <span className="badge badge--ok">Receipt saved</span>}
        {item.verified && (
          <span className="actions">
            <button type="button" className="button button--small" onClick={() => { openEscrowCase(item.id); }}>
              Open
            </button>
          </span>
        )}
      </div>
      {blob && (
        <dl className="escrow-details__list">
          <BlobFacts blob={blob} />
        </dl>
      )}
      <EscrowCheckStatus blob={item.blob} checking={item.checking} verified={item.verified} error={item.error} member={item.member} announce={false} />
    </li>
  );
});

/** The list's heading, focused when an escrow case opened from the list is closed. */
export const ESCROW_LIST_HEADING = 'escrow-list-heading';

/** The blobs of a drop of several files or of the owner's register zip, each judged on its own. */
export function EscrowList() {
  const { items, skipped, clearEscrowList, downloadReceipts } = useAppStore(
    useShallow((s) => ({ items: s.escrowList, skipped: s.escrowSkipped, clearEscrowList: s.clearEscrowList, downloadReceipts: s.downloadReceipts })),
  );
  const { busy, error, run } = useFormAction();
  // A register may hold thousands of blobs: mounted a slice per frame, and re-rendered at most once a frame.
  const rows = useValuePerFrame(items);
  const shown = useProgressiveCount(items.length);
  if (items.length === 0 && skipped.length === 0) return null;
  const verified = items.filter((i) => i.verified).length;
  const signed = items.filter((i) => i.verified && i.blob?.format === 'keyward-escrow/2').length;
  const receipted = items.filter((i) => i.receipt).length;
  // councils: desk: a member's check proves its own share only (spec v2 §8.3), unless k = 1.
  const shareOnly = items.filter((i) => i.verified && i.member && !i.member.provesKey).length;
  const checking = items.some((i) => i.checking);
  return (
    <div className="escrow-list">
      <h3 id={ESCROW_LIST_HEADING} tabIndex={-1}>
        Escrow blobs
      </h3>
      <p role="status">
        {verified} of {items.length} open with your authority key{checking ? '; checking the others…' : '.'} Only those can be
        opened. Checked (signed): {signed}. Unsigned (v1): {verified - signed}.
        {shareOnly > 0 && ` Of the checked, council blobs where only your share could be checked (a drill proves the shares combine): ${String(shareOnly)}.`}
      </p>
      {signed > 0 && (
        <div className="actions">
          <button type="button" className="button button--small" disabled={busy || checking} onClick={() => void run(downloadReceipts)}>
            Download receipts for the {signed} checked {signed === 1 ? 'blob' : 'blobs'}
          </button>
          {receipted > 0 && !error && (
            <span className="status--done" role="status">
              {receipted} {receipted === 1 ? 'receipt' : 'receipts'} saved. Send them to the owner.
            </span>
          )}
        </div>
      )}
      {error && <ErrorNotice error={error} />}
      {items.length > 0 && <RowList jobs={rows} shown={shown} label="Escrow blobs" Row={EscrowListRow} />}
      {skipped.length > 0 && (
        <div className="field-hint">
          Not escrow blobs, so not opened:
          <ul aria-label="Skipped entries">
            {skipped.map((name) => (
              <li key={name}>
                <bdi>{name}</bdi>
              </li>
            ))}
          </ul>
        </div>
      )}
      <button type="button" className="button button--quiet button--small" onClick={clearEscrowList}>
        Clear the list
      </button>
    </div>
  );
}
