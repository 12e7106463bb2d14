import { useMemo, useState } from 'react';
import { SaveTargetOption } from '../../components/choose-where-to-save.tsx';
import { DropZone } from '../../components/drop-zone.tsx';
import { authorityChoices } from '../../store/slices/encrypt-slice.ts';
import { ownKeyPair } from '../../store/slices/keys-slice.ts';
import { useAppStore } from '../../store/use-app-store.ts';
import { EncryptOptions } from './encrypt-options.tsx';
import { EncryptRows } from './encrypt-rows.tsx';
import { OwnerChoice } from './owner-choice.tsx';

/**
 * Journey 2: drop or choose files; each is encrypted for the owner's key
 * pair, and its file key is escrowed to the chosen backup authority.
 */
export function EncryptPanel() {
  const keys = useAppStore((s) => s.keys);
  const councils = useAppStore((s) => s.councils);
  const ownerCanSign = useAppStore((s) => ownKeyPair(s.keys, s.encryptOwnerKeyId)?.identity?.signingPrivateKey !== undefined);
  const authorities = useMemo(() => authorityChoices(keys, councils), [keys, councils]);
  const encryptFiles = useAppStore((s) => s.encryptFiles);
  const canChoose = useAppStore((s) => s.canChooseWhereToSave);
  const [askWhereToSave, setAskWhereToSave] = useState(false);
  const [description, setDescription] = useState('');
  const [chosen, setChosen] = useState('');
  // A chosen authority deleted meanwhile falls back to the first one still confirmed.
  const authority = authorities.find((choice) => choice.id === chosen) ?? authorities[0];

  return (
    <section className="encrypt-panel" aria-labelledby="encrypt-heading">
      <h2 id="encrypt-heading">Encrypt files</h2>
      <p>
        Each file gets a fresh key. It is locked for your key pair inside <code>NAME.keyward</code>, and a copy for your
        backup authority goes into <code>NAME.keyward-escrow.json</code>, the escrow blob.
      </p>
      <OwnerChoice />
      <EncryptOptions
        description={description}
        onDescription={setDescription}
        authorities={authorities}
        authority={authority}
        onAuthority={setChosen}
      />
      {canChoose && <SaveTargetOption checked={askWhereToSave} onChange={setAskWhereToSave} what="encrypted file" />}
      {authority?.council && !ownerCanSign ? (
        <p className="warning" role="alert">
          Your key pair cannot sign (a v1 key), and the escrow blob for a council is signed by you. Add a signing key to it under
          Keys, or choose another backup authority.
        </p>
      ) : authority ? (
        <DropZone
          label="Drop files to encrypt"
          hint="Any files, one or many. Nothing leaves this browser."
          buttonLabel="Choose files to encrypt"
          onFiles={(files) => {
            encryptFiles(files, { description, authorityKeyId: authority.id, askWhereToSave });
          }}
        />
      ) : (
        <p className="warning" role="alert">
          Add your backup authority’s public key and confirm its key ID (or pin a council) under Keys before you encrypt.
        </p>
      )}
      <EncryptRows />
    </section>
  );
}
