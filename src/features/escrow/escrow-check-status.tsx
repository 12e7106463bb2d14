import { ErrorNotice } from '../../components/error-notice.tsx';
import { KeyId } from '../../components/key-id.tsx';
import type { EscrowBlob, MemberStanding, UiError } from '../../store/types.ts';
import { MemberCheckStatus } from './member-check-status.tsx';

/**
 * What the authority may rely on after a blob's check. "Checked" only for a
 * signed (v2) blob that passed every check of spec v2 §4: it names the
 * owner's identity that signed it and the file it opens. Never for a v1
 * blob, whose MAC is keyed from the file key it carries and so proves only
 * that the blob agrees with itself (anyone holding the authority's public
 * key can forge one that opens), and never for a blob whose check failed.
 */
export function EscrowCheckStatus({
  blob,
  verified,
  error,
  checking = false,
  announce = true,
  member,
}: {
  blob?: EscrowBlob | undefined;
  verified: boolean;
  /** A council blob (spec v2 §8.3): where this desk's identity sits, once its member's check passed. */
  member?: MemberStanding | undefined;
  error?: UiError | undefined;
  checking?: boolean;
  /** A live region (the open case); rows of a list of thousands are not. */
  announce?: boolean;
}) {
  const role = announce ? 'status' : undefined;
  if (checking) return <p className="row__meta">Checking…</p>;
  // councils: desk
  if (verified && blob?.format === 'keyward-escrow/2' && member) return <MemberCheckStatus blob={blob} member={member} role={role} />;
  if (verified && blob?.format === 'keyward-escrow/2') {
    return (
      <p className="status--done" role={role}>
        Checked: signed by identity <KeyId keyId={blob.owner.id} />, opens file <span className="serial">{blob.serial}</span>. The blob
        names its owner <bdi className="escrow-details__text">“{blob.owner.name || '(no name given)'}”</bdi>: the owner’s own claim, which
        no check can prove.
      </p>
    );
  }
  if (verified && blob?.format === 'keyward-escrow/1') {
    return (
      <p role={role}>
        <span className="badge badge--warn">Unsigned (v1)</span> Your authority key opens it, but a v1 blob cannot be checked against
        its file: a forged one would open too, and fail only on the day of recovery.
      </p>
    );
  }
  return error ? <ErrorNotice error={error} /> : null;
}
