import { type ReactNode, useRef, useState } from 'react';
import { ErrorNotice } from './error-notice.tsx';
import { turnedOn, useFocusOnChange } from './use-focus-on-change.ts';
import { useFormAction } from './use-form-action.ts';
import type { StoredKey } from '../store/types.ts';
import { useAppStore } from '../store/use-app-store.ts';

/**
 * A v1 key pair made an identity (spec v2 §2): what it cannot do yet, the
 * "Add a signing key" button, and once it is an identity, what to do with
 * its new ID (focus moves there). One for the owner's key cards and the
 * authority's; each says its own `cannot` and `next`.
 */
export function AddSigningKey({ storedKey, cannot, next }: { storedKey: StoredKey; cannot: ReactNode; next: ReactNode }) {
  const addSigningKey = useAppStore((s) => s.addSigningKey);
  const { busy, error, run } = useFormAction();
  const [upgraded, setUpgraded] = useState(false);
  const upgradedNote = useRef<HTMLParagraphElement>(null);
  useFocusOnChange(upgraded, turnedOn, upgradedNote);

  if (storedKey.identity) {
    return upgraded ? (
      <p className="status--done" role="status" ref={upgradedNote} tabIndex={-1}>
        This key is now an identity with a new identity ID. {next}
      </p>
    ) : null;
  }
  if (!storedKey.privateKey) return null;
  return (
    <div className="actions">
      <p>{cannot}</p>
      <button type="button" className="button button--small" disabled={busy} onClick={() => void run(() => addSigningKey(storedKey.keyId)).then(setUpgraded)}>
        Add a signing key
      </button>
      {error && <ErrorNotice error={error} />}
    </div>
  );
}
