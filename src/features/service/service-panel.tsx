import { type SubmitEvent, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { formatDate } from '../../store/format.ts';
import { depositAnswers } from '../../store/slices/service-slice.ts';
import type { UiError } from '../../store/types.ts';
import { useAppStore } from '../../store/use-app-store.ts';
import { EscrowLog } from './escrow-log.tsx';

/**
 * The owner and the organisation's escrow service: enrol once with the
 * officer's code; after that each escrow blob is sent by itself (the register
 * shows where each one stands, and this panel why blobs are not stored, in
 * the service's words), receipts the authority uploaded are fetched
 * and checked here, and the person's escrow log can be read. Nothing is shown
 * when no service is configured.
 */
export function ServicePanel() {
  const { configured, enrolment, deposits, enrol, checkReceipts, sendDeposits } = useAppStore(
    useShallow((s) => ({
      configured: s.serviceConfigured,
      enrolment: s.enrolment,
      deposits: s.deposits,
      enrol: s.enrol,
      checkReceipts: s.checkReceipts,
      sendDeposits: s.sendDeposits,
    })),
  );
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<UiError | null>(null);
  const [checked, setChecked] = useState<string | null>(null);
  if (configured !== true) return null;

  const waiting = Object.values(deposits).filter((d) => d.state === 'not sent').length;
  // Why blobs are not stored, in the service's words: each answer once.
  const answers = depositAnswers(deposits);
  const submit = (event: SubmitEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    void enrol(code).then((failure) => {
      setBusy(false);
      setError(failure);
      if (!failure) setCode('');
    });
  };
  const fetchReceipts = () => {
    setBusy(true);
    setError(null);
    setChecked(null);
    void checkReceipts().then((failure) => {
      setBusy(false);
      setError(failure);
      if (!failure) setChecked('Receipts checked.');
    });
  };

  return (
    <section className="service-panel" aria-labelledby="service-heading">
      <h2 id="service-heading">Escrow service</h2>
      {enrolment ? (
        <p>
          Enrolled as <strong>{enrolment.name}</strong> on {formatDate(Date.parse(enrolment.enrolledAt))}. Each escrow blob is sent to your
          backup authority’s escrow service by itself.
        </p>
      ) : (
        <form onSubmit={submit} className="service-panel__enrol">
          <p>Your organisation keeps escrow blobs on its escrow service. Enrol once with the code an officer gave you.</p>
          <label htmlFor="enrol-code">Enrolment code</label>
          <input id="enrol-code" value={code} autoComplete="off" spellCheck={false} onChange={(e) => { setCode(e.target.value); }} />
          <button type="submit" className="button" disabled={busy || code.trim() === ''}>
            Enrol
          </button>
        </form>
      )}
      {waiting > 0 && (
        <p role="status">
          {waiting} escrow {waiting === 1 ? 'blob waits' : 'blobs wait'} to be sent.{' '}
          <button type="button" className="button button--small" onClick={() => void sendDeposits({ all: true })}>
            Send now
          </button>
        </p>
      )}
      {answers.map(({ key, error, count, refused }) => (
        <ErrorNotice
          key={key}
          error={error}
          subject={`${count} escrow ${count === 1 ? 'blob' : 'blobs'} ${refused ? 'refused, not sent again' : 'not stored yet'}`}
        />
      ))}
      {enrolment && (
        <div className="actions">
          <button type="button" className="button" disabled={busy} onClick={fetchReceipts}>
            Check for receipts
          </button>
        </div>
      )}
      {checked && <p role="status">{checked}</p>}
      {error && <ErrorNotice error={error} subject="Escrow service" />}
      {enrolment && <EscrowLog />}
    </section>
  );
}
