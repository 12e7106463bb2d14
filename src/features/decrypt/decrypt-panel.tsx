import { useState } from 'react';
import { SaveTargetOption } from '../../components/choose-where-to-save.tsx';
import { DropZone } from '../../components/drop-zone.tsx';
import { useAppStore } from '../../store/use-app-store.ts';
import { DecryptRows } from './decrypt-rows.tsx';

/**
 * Journey 5: drop `.keyward` files; each opens with whichever stored key it
 * was made for. A recovery blob dropped here gets a way to where it is used
 * (`onRecoveryBlob`, from the composition).
 */
export function DecryptPanel({ onRecoveryBlob }: { onRecoveryBlob?: () => void }) {
  const decryptFiles = useAppStore((s) => s.decryptFiles);
  const misplacedRecovery = useAppStore((s) => s.decryptJobs.some((job) => job.error?.code === 'IS_RECOVERY_BLOB'));
  const canChoose = useAppStore((s) => s.canChooseWhereToSave);
  const [askWhereToSave, setAskWhereToSave] = useState(false);
  return (
    <section className="decrypt-panel" aria-labelledby="decrypt-heading">
      <h2 id="decrypt-heading">Decrypt files</h2>
      <p>
        Keyward finds the key each file was encrypted for among the keys stored in this browser, checks every part of the
        file, and only then offers it under its original name.
      </p>
      {canChoose && <SaveTargetOption checked={askWhereToSave} onChange={setAskWhereToSave} what="decrypted file" />}
      <DropZone
        label="Drop .keyward files to decrypt"
        hint="One or more files whose names end in .keyward"
        buttonLabel="Choose files to decrypt"
        accept=".keyward"
        onFiles={(files) => {
          decryptFiles(files, { askWhereToSave });
        }}
      />
      {misplacedRecovery && onRecoveryBlob && (
        <p className="actions">
          <button type="button" className="button button--small" onClick={onRecoveryBlob}>
            Go to “Open a file with a recovery blob”
          </button>
        </p>
      )}
      <DecryptRows />
    </section>
  );
}
