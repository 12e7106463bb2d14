import { KeyId } from '../../components/key-id.tsx';
import { formatDate } from '../../store/format.ts';
import type { EscrowCase } from '../../store/types.ts';
import { BlobFacts } from './blob-facts.tsx';
import { EscrowCheckStatus } from './escrow-check-status.tsx';

/** What an escrow blob says (spec §5), and whether the authority's key confirmed it. */
export function EscrowCaseDetails({ escrow }: { escrow: EscrowCase }) {
  const { blob } = escrow;
  return (
    <div className="card escrow-details" role="group" aria-label="Escrow blob details">
      <h3>
        Escrow blob <bdi className="row__name">{escrow.fileName}</bdi>
      </h3>
      <dl className="escrow-details__list">
        <BlobFacts
          blob={blob}
          ownerExtra={
            <>
              {' '}
              <KeyId keyId={blob.owner.keyId} />
            </>
          }
        />
        <dt>Authority</dt>
        <dd>
          <bdi className="escrow-details__text">{blob.authority.name || '(no name given)'}</bdi> <KeyId keyId={blob.authority.keyId} />
        </dd>
        <dt>Created</dt>
        <dd>
          <time dateTime={blob.createdAt}>{formatDate(blob.createdAt)}</time>
        </dd>
      </dl>
      <EscrowCheckStatus verified={escrow.verified} error={escrow.error} />
      {!escrow.verified && <p className="field-hint">Until the blob is checked, anyone could have written the details above.</p>}
    </div>
  );
}
