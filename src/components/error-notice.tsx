import type { UiError } from '../store/types.ts';
import { KeyId, TextWithKeyIds } from './key-id.tsx';

/** One error as a sentence, next to what it concerns. Never a stack trace. */
export function ErrorNotice({ error, subject }: { error: UiError; subject?: string }) {
  // Key IDs the sentence already names are not listed again.
  const unnamed = (error.keyIds ?? []).filter((keyId) => !error.message.includes(keyId));
  return (
    <div className="error-notice" role="alert" data-code={error.code}>
      {subject && <strong>{subject}: </strong>}
      <TextWithKeyIds text={error.message} />
      {unnamed.length > 0 && (
        <ul className="error-notice__keys" aria-label="Key IDs this is for">
          {unnamed.map((keyId) => (
            <li key={keyId}>
              <KeyId keyId={keyId} />
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
