import { useState } from 'react';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { formatDate } from '../../store/format.ts';
import { EVENT_NAMES } from '../../store/slices/service-slice.ts';
import type { UiError } from '../../store/types.ts';
import { useAppStore } from '../../store/use-app-store.ts';

/** "My escrow log": every event of the service's audit log on this person's files, recovery steps named plainly. */
export function EscrowLog() {
  const log = useAppStore((s) => s.escrowLog);
  const register = useAppStore((s) => s.register);
  const loadEscrowLog = useAppStore((s) => s.loadEscrowLog);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<UiError | null>(null);
  const load = () => {
    setBusy(true);
    setError(null);
    void loadEscrowLog().then((failure) => {
      setBusy(false);
      setError(failure);
    });
  };
  const fileName = (fileId: unknown) => register.find((e) => e.fileId === fileId)?.name;

  return (
    <section aria-labelledby="escrow-log-heading">
      <h3 id="escrow-log-heading">My escrow log</h3>
      <button type="button" className="button button--quiet" disabled={busy} onClick={load}>
        {log ? 'Read my escrow log again' : 'Show my escrow log'}
      </button>
      {error && <ErrorNotice error={error} subject="My escrow log" />}
      {log && log.length === 0 && <p>Nothing recorded yet.</p>}
      {log && log.length > 0 && (
        <ol className="escrow-log" aria-label="My escrow log">
          {log.map((entry) => {
            const serial = typeof entry.data.serial === 'string' ? entry.data.serial : undefined;
            const file = fileName(entry.data.fileId);
            const recovery = entry.event.startsWith('case-');
            return (
              <li key={entry.seq} className={recovery ? 'warning' : undefined}>
                <time dateTime={entry.at}>{formatDate(Date.parse(entry.at))}</time> {EVENT_NAMES[entry.event] ?? entry.event}
                {file ? `: ${file}` : ''}
                {serial ? ` (${serial})` : ''}
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
