import { useState } from 'react';
import { DropZone } from '../../components/drop-zone.tsx';
import { useAppStore } from '../../store/use-app-store.ts';

/**
 * Journey 7: the owner, with a new key pair, opens a file with the recovery
 * blob the backup authority issued for that key. The result is a row in the
 * decrypt list above.
 */
export function RecoverPanel() {
  const decryptWithRecovery = useAppStore((s) => s.decryptWithRecovery);
  const [file, setFile] = useState<File | null>(null);
  const [blob, setBlob] = useState<File | null>(null);
  const [started, setStarted] = useState<string | null>(null);

  const pick = (set: (f: File) => void) => (files: File[]) => {
    const [first] = files;
    if (!first) return;
    set(first);
    setStarted(null);
  };

  const start = () => {
    if (!file || !blob) return;
    decryptWithRecovery(file, blob);
    setStarted(file.name);
    setFile(null);
    setBlob(null);
  };

  return (
    <section className="recover-panel" aria-labelledby="recover-heading">
      {/* Focusable: the decrypt panel sends a misplaced recovery blob's owner here. */}
      <h2 id="recover-heading" tabIndex={-1}>
        Open a file with a recovery blob
      </h2>
      <p>
        Lost the key pair a file was encrypted for? Send your new public key to your backup authority; they send back a recovery
        blob (<code>SERIAL.keyward-recovery.json</code>) made for it. Give Keyward the encrypted file and that blob.
      </p>
      <div className="two-columns">
        <DropZone
          label="Drop the encrypted file"
          hint={file ? `Chosen: ${file.name}` : 'The file whose name ends in .keyward'}
          buttonLabel="Choose encrypted file"
          accept=".keyward"
          multiple={false}
          onFiles={pick(setFile)}
        />
        <DropZone
          label="Drop the recovery blob"
          hint={blob ? `Chosen: ${blob.name}` : 'The .keyward-recovery.json file from your authority'}
          buttonLabel="Choose recovery blob"
          accept=".json,application/json"
          multiple={false}
          onFiles={pick(setBlob)}
        />
      </div>
      <div className="actions recover-panel__actions">
        <button type="button" className="button" disabled={!file || !blob} onClick={start}>
          Decrypt with recovery blob
        </button>
        {(!file || !blob) && !started && <span className="field-hint">Choose both files first.</span>}
      </div>
      {started && (
        <p role="status" className="field-hint">
          Opening <bdi>{started}</bdi>: see its row under “Files being decrypted”.
        </p>
      )}
    </section>
  );
}
