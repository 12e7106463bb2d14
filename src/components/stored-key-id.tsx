import { KeyId } from './key-id.tsx';
import type { StoredKey } from '../store/types.ts';

/**
 * The ID a person compares for a stored key, labelled with what it is (spec
 * v2 §2: an identity ID never equals its RSA key ID, so the app says which
 * one it shows): "Identity ID" for an identity; for a v1 key, its "Key ID"
 * and that it cannot sign.
 */
export function StoredKeyId({ storedKey }: { storedKey: Pick<StoredKey, 'keyId' | 'identity'> }) {
  if (storedKey.identity) {
    return (
      <span className="stored-key-id">
        Identity ID <KeyId keyId={storedKey.identity.id} />
      </span>
    );
  }
  return (
    <span className="stored-key-id">
      Key ID <KeyId keyId={storedKey.keyId} /> <span className="badge">v1 key, cannot sign</span>
    </span>
  );
}
