import { useShallow } from 'zustand/react/shallow';
import { DropZone } from '../../components/drop-zone.tsx';
import { useAppStore } from '../../store/use-app-store.ts';
import { DecryptRow } from '../../components/decrypt-row.tsx';

/** Option (a): the authority decrypts the encrypted file itself with the escrow blob's file key. */
export function RecoverFileOption() {
  const recoverFile = useAppStore((s) => s.recoverFile);
  const jobs = useAppStore(useShallow((s) => s.decryptJobs.filter((job) => job.via === 'escrow')));
  const clearDecryptJobs = useAppStore((s) => s.clearDecryptJobs);
  return (
    <div className="escrow-option" role="group" aria-labelledby="escrow-option-file">
      <h3 id="escrow-option-file">Decrypt the file here</h3>
      <p className="field-hint">
        If the owner sent you the encrypted file, open it with this blob and hand them the plaintext. You will see the file’s
        contents.
      </p>
      <DropZone
        label="Drop the encrypted file"
        hint="The .keyward file this escrow blob was made with"
        buttonLabel="Choose encrypted file"
        accept=".keyward"
        multiple={false}
        onFiles={(files) => { if (files[0]) recoverFile(files[0]); }}
      />
      {jobs.length > 0 && (
        <>
          <ul className="rows" aria-label="Files being decrypted">
            {jobs.map((job) => (
              <DecryptRow key={job.id} job={job} />
            ))}
          </ul>
          <button type="button" className="button button--quiet button--small escrow-option__clear" onClick={() => { clearDecryptJobs(['escrow']); }}>
            Clear finished
          </button>
        </>
      )}
    </div>
  );
}
