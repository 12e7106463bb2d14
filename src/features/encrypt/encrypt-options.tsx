import { useId } from 'react';
import { KeyId } from '../../components/key-id.tsx';
import { StoredKeyId } from '../../components/stored-key-id.tsx';
import { shortKeyId } from '../../store/format.ts';
import type { AuthorityChoice } from '../../store/slices/encrypt-slice.ts';

export interface EncryptOptionsProps {
  description: string;
  onDescription: (description: string) => void;
  /** Confirmed authority keys and pinned councils only. */
  authorities: readonly AuthorityChoice[];
  authority: AuthorityChoice | undefined;
  onAuthority: (id: string) => void;
}

/** A council's name as shown (the descriptor's name may be empty). */
const shownName = (choice: AuthorityChoice) => (choice.council && choice.name === '' ? 'Unnamed council' : choice.name);

/** The ID that pins the chosen authority: its identity ID (or v1 key ID), or a council's council ID and k of n. */
function PinnedId({ authority }: { authority: AuthorityChoice }) {
  if (!authority.council) return <StoredKeyId storedKey={authority.key} />;
  return (
    <span className="stored-key-id">
      council, {authority.council.threshold} of {authority.council.members.length} members · Council ID <KeyId keyId={authority.id} />
    </span>
  );
}

/** What goes into the escrow blob besides the key: the description, and which authority (or council) gets it. */
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
          <label htmlFor={selectId}>Backup authority</label>
          <select
            id={selectId}
            value={authority.id}
            onChange={(event) => {
              onAuthority(event.target.value);
            }}
          >
            {authorities.map((choice) => (
              <option key={choice.id} value={choice.id}>
                {shownName(choice)} ({choice.council ? `council, ${choice.council.threshold} of ${choice.council.members.length}` : shortKeyId(choice.id)})
              </option>
            ))}
          </select>
          <p className="field-hint">
            <PinnedId authority={authority} />
          </p>
        </>
      ) : (
        authority && (
          <p className="encrypt-options__authority">
            Backup authority: <strong className="row__name">{shownName(authority)}</strong> <PinnedId authority={authority} />
          </p>
        )
      )}
    </div>
  );
}
