import type { ReactNode } from 'react';
import type { KeyBlob } from '../../core/index.ts';

/**
 * What an escrow blob says about itself (spec §5), as terms of a `<dl>`:
 * serial, description and owner (and `ownerExtra` after the owner's name).
 * Until the blob is checked, anyone could have written them.
 */
export function BlobFacts({ blob, ownerExtra }: { blob: KeyBlob; ownerExtra?: ReactNode }) {
  return (
    <>
      <dt>Serial</dt>
      <dd className="serial">{blob.serial}</dd>
      <dt>Description</dt>
      <dd className="escrow-details__text">{blob.description || <em>(none given)</em>}</dd>
      <dt>Owner</dt>
      <dd>
        <bdi className="escrow-details__text">{blob.owner.name || '(no name given)'}</bdi>
        {ownerExtra}
      </dd>
    </>
  );
}
