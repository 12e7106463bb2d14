import { ErrorNotice } from '../../components/error-notice.tsx';
import type { UiError } from '../../store/types.ts';

/**
 * What the authority may rely on after a blob's check: never "Checked" for a
 * v1 blob, whose MAC is keyed from the file key it carries and so proves only
 * that the blob agrees with itself (anyone holding the authority's public key
 * can forge one that opens), and never for a blob whose check failed.
 */
export function EscrowCheckStatus({ verified, error, checking = false }: { verified: boolean; error?: UiError | undefined; checking?: boolean }) {
  if (checking) return <p className="row__meta">Checking…</p>;
  if (verified) {
    return (
      <p role="status">
        <span className="badge badge--warn">Unsigned (v1)</span> Your authority key opens it, but a v1 blob cannot be checked against
        its file: a forged one would open too, and fail only on the day of recovery.
      </p>
    );
  }
  return error ? <ErrorNotice error={error} /> : null;
}
