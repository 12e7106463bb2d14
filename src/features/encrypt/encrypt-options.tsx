import { useId } from 'react';
import { StoredKeyId } from '../../components/stored-key-id.tsx';
import { KeySelect } from '../../components/key-select.tsx';
import type { StoredKey } from '../../store/types.ts';

export interface EncryptOptionsProps {
  description: string;
  onDescription: (description: string) => void;
  /** Confirmed authority keys only. */
  authorities: readonly StoredKey[];
  authority: StoredKey | undefined;
  onAuthority: (keyId: string) => void;
}

/** What goes into the escrow blob besides the key: the description, and which authority gets it. */
export function EncryptOptions({ description, onDescription, authorities, authority, onAuthority }: EncryptOptionsProps) {
  const descriptionId = useId();
  const hintId = useId();
  const selectId = useId();
  return (
    <div className="encrypt-options">
      <label htmlFor={descriptionId}>Key description (optional)</label>
      <input
        id={descriptionId}
        type="text"
        value={description}
        maxLength={500}
        aria-describedby={hintId}
        onChange={(event) => {
          onDescription(event.target.value);
        }}
      />
      <p className="field-hint" id={hintId}>
        Goes to your backup authority in the escrow blob of each file, readable as it is, so that they can tell your files
        apart. Do not put secrets here.
      </p>
      {authorities.length > 1 && authority ? (
        <>
          <KeySelect id={selectId} label="Backup authority" keys={authorities} value={authority.keyId} onChange={onAuthority} />
          <p className="field-hint">
            <StoredKeyId storedKey={authority} />
          </p>
        </>
      ) : (
        authority && (
          <p className="encrypt-options__authority">
            Backup authority: <strong className="row__name">{authority.name}</strong> <StoredKeyId storedKey={authority} />
          </p>
        )
      )}
    </div>
  );
}
