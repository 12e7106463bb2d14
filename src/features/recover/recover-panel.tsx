import { useState } from 'react';
import { DropZone } from '../../components/drop-zone.tsx';
import { useAppStore } from '../../store/use-app-store.ts';

/**
 * Journey 7: the owner, with a new key pair, opens a file with the recovery
 * blob the backup authority issued for that key, or with the partial recovery
 * blobs k members of a pinned council issued (spec v2 §8.4). The result is a
 * row in the decrypt list above.
 */
export function RecoverPanel() {
  const decryptWithRecovery = useAppStore((s) => s.decryptWithRecovery);
  const [file, setFile] = useState<File | null>(null);
  const [blobs, setBlobs] = useState<File[]>([]);
  const [started, setStarted] = useState<string | null>(null);

  const pickFile = (files: File[]) => {
    const [first] = files;
    if (!first) return;
    setFile(first);
    setStarted(null);
  };
  // Each drop or choice replaces the blobs chosen before (partials are dropped or chosen all at once).
  const pickBlobs = (files: File[]) => {
    if (files.length === 0) return;
    setBlobs(files);
    setStarted(null);
  };

  const ready = file !== null && blobs.length > 0;
  const start = () => {
    if (!file || blobs.length === 0) return;
    decryptWithRecovery(file, blobs.length === 1 ? blobs[0]! : blobs);
    setStarted(file.name);
    setFile(null);
    setBlobs([]);
  };

  return (
    <section className="recover-panel" aria-labelledby="recover-heading">
      {/* Focusable: the decrypt panel sends a misplaced recovery blob's owner here. */}
      <h2 id="recover-heading" tabIndex={-1}>
        Open a file with a recovery blob
      </h2>
      <p>
        Lost the key pair a file was encrypted for? Send your new public key to your backup authority; they send back a recovery
        blob (<code>SERIAL.keyward-recovery.json</code>) made for it. Give Keyward the encrypted file and that blob. If your
        files are escrowed to a council, enough of its members each send a partial recovery blob: give Keyward all of them at once.
      </p>
      <div className="two-columns">
        <DropZone
          label="Drop the encrypted file"
          hint={file ? `Chosen: ${file.name}` : 'The file whose name ends in .keyward'}
          buttonLabel="Choose encrypted file"
          accept=".keyward"
          multiple={false}
          onFiles={pickFile}
        />
        <DropZone
          label="Drop the recovery blob"
          hint={
            blobs.length > 0
              ? `Chosen: ${blobs.map((b) => b.name).join(', ')}`
              : 'The .keyward-recovery.json file from your authority, or every partial recovery blob from your council’s members'
          }
          buttonLabel="Choose recovery blob"
          accept=".json,application/json"
          onFiles={pickBlobs}
        />
      </div>
      <div className="actions recover-panel__actions">
        <button type="button" className="button" disabled={!ready} onClick={start}>
          {blobs.length > 1 ? `Decrypt with ${blobs.length} recovery blobs` : 'Decrypt with recovery blob'}
        </button>
        {!ready && !started && <span className="field-hint">Choose the encrypted file and its blob first.</span>}
      </div>
      {started && (
        <p role="status" className="field-hint">
          Opening <bdi>{started}</bdi>: see its row under “Files being decrypted”.
        </p>
      )}
    </section>
  );
}
