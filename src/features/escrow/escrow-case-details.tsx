import { KeyId } from '../../components/key-id.tsx';
import { formatDate } from '../../store/format.ts';
import type { EscrowCase } from '../../store/types.ts';
import { BlobFacts } from './blob-facts.tsx';
import { EscrowCheckStatus } from './escrow-check-status.tsx';

/** What an escrow blob says (spec §5, spec v2 §4), and what the authority's check of it found. */
export function EscrowCaseDetails({ escrow }: { escrow: EscrowCase }) {
  const { blob } = escrow;
  const signed = blob.format === 'keyward-escrow/2';
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
              {signed ? 'identity' : 'key'} <KeyId keyId={signed ? blob.owner.id : blob.owner.keyId} />
            </>
          }
        />
        <dt>{'kind' in blob.authority && blob.authority.kind === 'council' ? 'Council' : 'Authority'}</dt>
        <dd>
          {'kind' in blob.authority && blob.authority.kind === 'council' ? (
            <>
              <bdi className="escrow-details__text">{blob.authority.name || '(no name given)'}</bdi> ({blob.authority.threshold} of{' '}
              {blob.authority.members.length}) council ID <KeyId keyId={blob.authority.id} />
            </>
          ) : (
            <>
              <bdi className="escrow-details__text">{blob.authority.name || '(no name given)'}</bdi> {signed ? 'identity' : 'key'}{' '}
              <KeyId keyId={'id' in blob.authority ? blob.authority.id : blob.authority.keyId} />
            </>
          )}
        </dd>
        <dt>Created</dt>
        <dd>
          <time dateTime={blob.createdAt}>{formatDate(blob.createdAt)}</time>
        </dd>
      </dl>
      <EscrowCheckStatus blob={blob} verified={escrow.verified} error={escrow.error} member={escrow.member} />
      {!escrow.verified && <p className="field-hint">Until the blob is checked, anyone could have written the details above.</p>}
    </div>
  );
}
