import type { ReactNode } from 'react';
import type { EscrowBlob } from '../../store/types.ts';

/**
 * What an escrow blob says about itself (spec §5, spec v2 §4), as terms of a
 * `<dl>`: serial, description and owner (and `ownerExtra` after the owner's
 * name). Until the blob is checked, anyone could have written them; even
 * then, the owner's name is what the owner wrote, not a checked fact.
 */
export function BlobFacts({ blob, ownerExtra }: { blob: EscrowBlob; ownerExtra?: ReactNode }) {
  return (
    <>
      <dt>Serial</dt>
      <dd className="serial">{blob.serial}</dd>
      <dt>Description</dt>
      <dd className="escrow-details__text">{blob.description || <em>(none given)</em>}</dd>
      <dt>Owner</dt>
      <dd>
        <bdi className="escrow-details__text">{blob.owner.name || '(no name given)'}</bdi>
        {blob.format === 'keyward-escrow/2' && <span className="field-hint"> (the name the blob states)</span>}
        {ownerExtra}
      </dd>
    </>
  );
}
