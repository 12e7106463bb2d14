import { formatKeyIdForHumans } from '../store/format.ts';

/**
 * A key ID (spec §1) grouped in fours so that two people can compare it over
 * the phone. The full ID stays available to copy.
 */
export function KeyId({ keyId }: { keyId: string }) {
  return (
    <code className="key-id" title={keyId} aria-label={`Key ID ${keyId}`} data-key-id={keyId}>
      {formatKeyIdForHumans(keyId)}
    </code>
  );
}
