import { useShallow } from 'zustand/react/shallow';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { StoredKeyId } from '../../components/stored-key-id.tsx';
import { useFormAction } from '../../components/use-form-action.ts';
import { comparedIdOf, idNoun, unconfirmedAuthority } from '../../store/slices/keys-slice.ts';
import { useAppStore } from '../../store/use-app-store.ts';
import { AUTHORITY_HEADING, CONFIRM_HEADING } from './first-run-focus.ts';
import { CouncilPin } from './council-pin.tsx';
import { KeyImportForm } from './key-import-form.tsx';
import { NotKeptNote } from './not-kept-note.tsx';

/**
 * First-run step 2: my backup authority's public key, compared by key ID and
 * confirmed before first use; or a council (k of n people), pinned by its council ID.
 */
export function AuthorityStep() {
  const { pending, confirmAuthority, deleteKey } = useAppStore(
    useShallow((s) => ({ pending: unconfirmedAuthority(s.keys), confirmAuthority: s.confirmAuthority, deleteKey: s.deleteKey })),
  );
  const { busy, error, run } = useFormAction();

  return (
    <>
      <h2 id={AUTHORITY_HEADING} tabIndex={-1}>
        2. Your backup authority
      </h2>
      {pending ? (
        <div className="first-run__confirm">
          <h3 id={CONFIRM_HEADING} tabIndex={-1}>
            Compare the {idNoun(pending)}
          </h3>
          <p>
            <strong className="row__name">{pending.name}</strong> · {pending.modulusBits} bits
          </p>
          <p>
            <StoredKeyId storedKey={pending} />
          </p>
          <NotKeptNote kind="identity" id={pending.identity?.id} />
          <p className="warning">Compare this {idNoun(pending)} with your backup authority (for example over the phone) before you trust it.</p>
          <div className="actions">
            <button type="button" className="button" disabled={busy} onClick={() => void run(() => confirmAuthority(pending.keyId, comparedIdOf(pending)))}>
              Confirm authority
            </button>
            <button type="button" className="button button--quiet" disabled={busy} onClick={() => void run(() => deleteKey(pending.keyId))}>
              The {idNoun(pending)} differs: remove this key
            </button>
          </div>
          {error && <ErrorNotice error={error} />}
        </div>
      ) : (
        <>
          <p>
            Paste, drop or choose the public key your backup authority gave you (for example <code>authority.pub.pem</code>). Every
            file you encrypt is also escrowed to this key.
          </p>
          <KeyImportForm
            accept="public"
            keyLabel="Authority public key (PEM or JWK)"
            dropLabel="Drop the authority's key file"
            chooseLabel="Choose authority key file"
            nameLabel="Authority name"
            submitLabel="Add authority"
            placeholder="-----BEGIN PUBLIC KEY-----"
          />
          <h3>Or a council</h3>
          <p>
            If your organisation splits recovery among a council, so that several of its members together (and never one alone)
            can recover a file, load the council file it gave you instead.
          </p>
          <CouncilPin />
        </>
      )}
    </>
  );
}
