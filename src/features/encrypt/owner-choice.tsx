import { useId } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { StoredKeyId } from '../../components/stored-key-id.tsx';
import { KeySelect } from '../../components/key-select.tsx';
import { ownKeyPair, ownKeyPairs } from '../../store/slices/keys-slice.ts';
import { useAppStore } from '../../store/use-app-store.ts';

/**
 * Which of my key pairs new files are encrypted for. With several, the person
 * chooses (name and key ID); the choice holds for this session.
 */
export function OwnerChoice() {
  const pairs = useAppStore(useShallow((s) => ownKeyPairs(s.keys)));
  const owner = useAppStore((s) => ownKeyPair(s.keys, s.encryptOwnerKeyId));
  const choose = useAppStore((s) => s.chooseEncryptOwner);
  const selectId = useId();
  if (!owner) return null;
  if (pairs.length === 1) {
    return (
      <p className="row__meta">
        For your key <strong className="row__name">{owner.name}</strong> <StoredKeyId storedKey={owner} />
      </p>
    );
  }
  return (
    <div className="owner-choice">
      <KeySelect id={selectId} label="Encrypt for my key pair" keys={pairs} value={owner.keyId} onChange={choose} />
      <p className="field-hint">
        <StoredKeyId storedKey={owner} />. Only this key pair (or your backup authority) can open the files.
      </p>
    </div>
  );
}
