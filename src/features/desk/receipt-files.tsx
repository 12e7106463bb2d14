import { useId } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { KeyId } from '../../components/key-id.tsx';
import { useFormAction } from '../../components/use-form-action.ts';
import { useAppStore } from '../../store/use-app-store.ts';

/** Receipt files made elsewhere (the CLI, another desk), uploaded one by one; the service checks each against the blob it holds. */
export function ReceiptFiles() {
  const { results, uploadReceiptFiles } = useAppStore(useShallow((s) => ({ results: s.deskReceiptFiles, uploadReceiptFiles: s.uploadReceiptFiles })));
  const { busy, run } = useFormAction();
  const id = useId();
  return (
    <div className="authority-form" role="group" aria-labelledby={`${id}-heading`}>
      <h3 id={`${id}-heading`}>Upload receipt files</h3>
      <label htmlFor={`${id}-files`}>Choose receipt files to upload</label>
      <input
        id={`${id}-files`}
        type="file"
        multiple
        accept=".json,application/json"
        disabled={busy}
        onChange={(event) => {
          const files = [...(event.currentTarget.files ?? [])];
          event.currentTarget.value = '';
          void run(() => uploadReceiptFiles(files));
        }}
      />
      {busy && <p role="status">Uploading…</p>}
      <div aria-live="polite">
        {results.length > 0 && (
          <ul className="rows" aria-label="Receipt files uploaded">
            {results.map((result, i) => (
              <li className="row" key={String(results.length - i)} aria-label={result.fileName}>
                <bdi className="row__name">{result.fileName}</bdi>
                {'error' in result.upload ? (
                  <ErrorNotice error={result.upload.error} />
                ) : (
                  <p className="status--done">
                    Stored by the service (audit entry {result.upload.auditSeq}), signed by <KeyId keyId={result.upload.signer} />.
                  </p>
                )}
              </li>
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}
