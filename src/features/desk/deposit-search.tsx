import { type SubmitEvent, useId, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { KeyId } from '../../components/key-id.tsx';
import { useFormAction } from '../../components/use-form-action.ts';
import type { DeskDeposit, DeskFilters } from '../../store/types.ts';
import { useAppStore } from '../../store/use-app-store.ts';

const EMPTY: DeskFilters = { owner: '', serial: '', words: '', from: '', to: '' };
const FIELDS: { name: keyof DeskFilters; label: string; type: 'text' | 'date'; hint?: string }[] = [
  { name: 'owner', label: 'Owner’s identity ID', type: 'text', hint: 'SHA256:…, as the person’s app shows it' },
  { name: 'serial', label: 'Serial', type: 'text' },
  { name: 'words', label: 'Words of the description', type: 'text' },
  { name: 'from', label: 'Stored from', type: 'date' },
  { name: 'to', label: 'Stored until', type: 'date' },
];

/** Search of the deposits (`GET /v1/deposits`) by owner, serial, description words and date, page by page. */
export function DepositSearch() {
  const { search, searchDeposits, moreDeposits } = useAppStore(
    useShallow((s) => ({ search: s.deskSearch, searchDeposits: s.searchDeposits, moreDeposits: s.moreDeposits })),
  );
  const [filters, setFilters] = useState<DeskFilters>(EMPTY);
  const searching = useFormAction();
  const more = useFormAction();
  const id = useId();

  const submit = (event: SubmitEvent) => {
    event.preventDefault();
    void searching.run(() => searchDeposits(filters));
  };

  return (
    <>
      <form className="authority-form" aria-labelledby={`${id}-heading`} onSubmit={submit}>
        <h3 id={`${id}-heading`}>Search the deposits</h3>
        <p className="field-hint">Fill in any of these; a deposit must match all that are filled in. Leave them all empty to list every deposit.</p>
        {FIELDS.map((field) => (
          <div key={field.name}>
            <label htmlFor={`${id}-${field.name}`}>{field.label}</label>
            <input
              id={`${id}-${field.name}`}
              type={field.type}
              value={filters[field.name]}
              spellCheck={false}
              autoComplete="off"
              {...(field.hint ? { 'aria-describedby': `${id}-${field.name}-hint` } : {})}
              onChange={(e) => {
                setFilters({ ...filters, [field.name]: e.target.value });
                searching.clearError();
              }}
            />
            {field.hint && <p className="field-hint" id={`${id}-${field.name}-hint`}>{field.hint}</p>}
          </div>
        ))}
        <div className="actions">
          <button type="submit" className="button" disabled={searching.busy}>
            Search
          </button>
          {searching.busy && <span role="status">Searching…</span>}
        </div>
        {searching.error && <ErrorNotice error={searching.error} />}
      </form>
      <p role="status">
        {search && !searching.busy
          ? `${String(search.deposits.length)} ${search.deposits.length === 1 ? 'deposit' : 'deposits'} found${search.next ? ' so far; there are more' : ''}.`
          : ''}
      </p>
      {search && search.deposits.length > 0 && (
        <ul className="rows" aria-label="Deposits found">
          {search.deposits.map((deposit) => (
            <DepositRow key={deposit.fileId} deposit={deposit} />
          ))}
        </ul>
      )}
      {search?.next && (
        <div className="actions">
          <button type="button" className="button button--quiet" disabled={more.busy} onClick={() => void more.run(moreDeposits)}>
            More results
          </button>
          {more.busy && <span role="status">Loading more…</span>}
        </div>
      )}
      {more.error && <ErrorNotice error={more.error} />}
    </>
  );
}

/** The service's ISO time (UTC), to the minute, as the desk shows it. */
const utcMinute = (iso: string) => iso.replace('T', ' ').slice(0, 16);

function DepositRow({ deposit }: { deposit: DeskDeposit }) {
  return (
    <li className="row" aria-label={`File ${deposit.serial}`}>
      <div className="row__head">
        <span className="serial">{deposit.serial}</span>
        <bdi className="row__name">{deposit.description || '(no description)'}</bdi>
        {deposit.receipts.length > 0 ? <span className="badge badge--ok">Receipt uploaded</span> : <span className="badge">No receipt yet</span>}
      </div>
      <p className="row__meta">
        Owner <bdi>{deposit.ownerName}</bdi> <KeyId keyId={deposit.ownerId} />
        {deposit.ownerRevokedAt && (
          <span className="badge badge--warn">Identity revoked {utcMinute(deposit.ownerRevokedAt)} UTC: not {deposit.ownerName}’s</span>
        )}
      </p>
      <p className="row__meta">
        Stored {utcMinute(deposit.storedAt)} UTC, escrowed to <bdi>{deposit.authority.name || '(no name given)'}</bdi>
        {deposit.authority.kind === 'council' ? ' (a council)' : ''}
      </p>
    </li>
  );
}
