import type { AriaRole } from 'react';
import { KeyId } from '../../components/key-id.tsx';
import type { EscrowBlobV2 } from '../../core/index.ts';
import type { MemberStanding } from '../../store/types.ts';

/**
 * A council blob's member's check passed (spec v2 §8.3): the owner signed it
 * for this file, and this member's share unwraps. With k > 1 that says
 * nothing about whether the shares combine to the file key (an owner could
 * sign random shares); only a drill with k members proves that, and this says
 * so. With k = 1 the share is the key, and the check opened the header.
 */
export function MemberCheckStatus({ blob, member, role }: { blob: EscrowBlobV2; member: MemberStanding; role?: AriaRole | undefined }) {
  const { council, index, provesKey } = member;
  const n = council.members.length;
  const where = (
    <>
      You are member {index} of the council <bdi className="escrow-details__text">“{council.name || '(no name given)'}”</bdi> ({council.threshold} of {n}).
    </>
  );
  if (provesKey) {
    return (
      <p className="status--done" role={role}>
        Checked: signed by identity <KeyId keyId={blob.owner.id} />, opens file <span className="serial">{blob.serial}</span>. {where} With a
        threshold of 1, your share alone is the file key.
      </p>
    );
  }
  return (
    <div role={role}>
      <p className="status--done">
        Your share checked: signed by identity <KeyId keyId={blob.owner.id} /> for file <span className="serial">{blob.serial}</span>, and your
        share unwraps. {where}
      </p>
      <p className="warning">
        One member’s check cannot prove that the shares combine to the file key. A drill with {council.threshold} members of the council does.
      </p>
    </div>
  );
}
