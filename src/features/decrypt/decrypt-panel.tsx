import { useState } from 'react';
import { SaveTargetOption } from '../../components/choose-where-to-save.tsx';
import { DropZone } from '../../components/drop-zone.tsx';
import { useAppStore } from '../../store/use-app-store.ts';
import { DecryptRows } from './decrypt-rows.tsx';

/** Journey 5: drop `.keyward` files; each opens with whichever stored key it was made for. */
export function DecryptPanel() {
  const decryptFiles = useAppStore((s) => s.decryptFiles);
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
      <DecryptRows />
    </section>
  );
}
