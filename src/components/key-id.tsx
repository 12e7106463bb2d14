import type { ReactNode } from 'react';
import { formatKeyIdForHumans } from '../store/format.ts';

/**
 * A key ID (spec §1) in the one notation Keyward shows, on every screen and in
 * every message: its 64 hex digits grouped in fours, so that two people can
 * compare it over the phone. The `SHA256:` form stays in `data-key-id` for
 * tests and tools, never on screen.
 */
export function KeyId({ keyId }: { keyId: string }) {
  return (
    <code className="key-id" data-key-id={keyId}>
      {formatKeyIdForHumans(keyId)}
    </code>
  );
}

/** A key ID as spec §1 writes it (`SHA256:` and 64 lowercase hex digits), wherever it appears in a sentence. */
const KEY_ID_IN_TEXT = /SHA256:[0-9a-f]{64}/g;

/**
 * A sentence with each key ID in it shown as `KeyId` (the core's messages are
 * shared with the CLI, so they name key IDs the spec's way).
 */
export function TextWithKeyIds({ text }: { text: string }) {
  const parts: ReactNode[] = [];
  let at = 0;
  for (const match of text.matchAll(KEY_ID_IN_TEXT)) {
    parts.push(text.slice(at, match.index));
    parts.push(<KeyId key={match.index} keyId={match[0]} />);
    at = match.index + match[0].length;
  }
  parts.push(text.slice(at));
  return <>{parts}</>;
}
