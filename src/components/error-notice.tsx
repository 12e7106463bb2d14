import type { UiError } from '../store/types.ts';

/** One error as a sentence, next to what it concerns. Never a stack trace. */
export function ErrorNotice({ error, subject }: { error: UiError; subject?: string }) {
  return (
    <div className="error-notice" role="alert" data-code={error.code}>
      {subject && <strong>{subject}: </strong>}
      {error.message}
      {error.keyIds && error.keyIds.length > 0 && (
        <ul className="error-notice__keys" aria-label="Key IDs this is for">
          {error.keyIds.map((keyId) => (
            <li key={keyId}>
              <code>{keyId}</code>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
