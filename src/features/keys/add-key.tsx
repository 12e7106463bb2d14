import { useState } from 'react';
import type { StoredKey } from '../../store/types.ts';
import { useAppStore } from '../../store/use-app-store.ts';
import { CreateKeyForm } from './create-key-form.tsx';
import { KeyImportForm } from './key-import-form.tsx';
import { ROLE_LABELS } from './role-labels.ts';

/** Another key: import one (a key pair of mine or an authority's public key) or create a key pair. */
export function AddKey() {
  const [choice, setChoice] = useState<'create' | 'import' | null>(null);
  const [added, setAdded] = useState<StoredKey | null>(null);
  // A key pair made earlier and not yet backed up or declined comes back here (it is not saved until then).
  const creating = useAppStore((s) => s.newKey?.key.role === 'owner');

  return (
    <section className="add-key" aria-labelledby="add-key-heading">
      <h3 id="add-key-heading">Add a key</h3>
      <p>
        Import another key pair of yours or another backup authority’s public key (a private key becomes a key pair, a public key an
        authority to confirm), or create a new key pair.
      </p>
      <div className="actions">
        <button type="button" className="button" aria-pressed={choice === 'import'} onClick={() => { setChoice('import'); }}>
          Import a key
        </button>
        <button type="button" className="button" aria-pressed={choice === 'create'} onClick={() => { setChoice('create'); }}>
          Create a key pair
        </button>
      </div>
      {choice === 'import' && !creating && (
        <KeyImportForm
          accept="any"
          keyLabel="Your key (PEM or JWK)"
          dropLabel="Drop a key file"
          chooseLabel="Choose key file"
          nameLabel="Name for this key"
          submitLabel="Import key"
          onImported={setAdded}
        />
      )}
      {(choice === 'create' || creating) && <CreateKeyForm onCreated={setAdded} />}
      <p role="status" className="add-key__status">
        {added && `Added “${added.name}” (${ROLE_LABELS[added.role]}).`}
      </p>
    </section>
  );
}
