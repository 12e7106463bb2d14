import { type SubmitEvent, useId, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { KeyFileField } from '../../components/key-file-field.tsx';
import { useFormAction } from '../../components/use-form-action.ts';
import { appError } from '../../store/errors.ts';
import { useAppStore } from '../../store/use-app-store.ts';

/**
 * Sign-in at the escrow service: the officer's (or council member's) private
 * identity, pasted or read from its file, signs the service's challenge. It
 * is imported non-extractable for the sign-in only, and never stored.
 */
export function SignInForm() {
  const signInAtDesk = useAppStore((s) => s.signInAtDesk);
  // This desk's own stored identities (authority keys that can sign), offered with one click each.
  const desk = useAppStore(useShallow((s) => s.keys.filter((k) => k.role === 'authority-own' && k.identity?.signingPrivateKey && k.privateKey)));
  const [text, setText] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [asked, setAsked] = useState(false);
  const { busy, error, run, clearError, showError } = useFormAction();
  const id = useId();
  const encrypted = asked || text.includes('ENCRYPTED PRIVATE KEY');

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    const done = await run(async () => {
      const failed = await signInAtDesk({ text, ...(passphrase ? { passphrase } : {}) });
      if (failed?.code === 'PASSPHRASE_REQUIRED') setAsked(true);
      return failed;
    });
    if (!done) return;
    // The private key's text is not kept in the page once it signed in.
    setText('');
    setPassphrase('');
    setAsked(false);
  };

  return (
    <form className="authority-form" aria-labelledby={`${id}-heading`} onSubmit={(event) => void submit(event)}>
      <h3 id={`${id}-heading`}>Sign in to the escrow service</h3>
      <p className="field-hint">
        Your private identity signs the service’s challenge. It is used for signing in only and is not stored.
      </p>
      <KeyFileField
        label="Your private identity (PEM or JWK)"
        fileLabel="Or choose your private identity file"
        value={text}
        placeholder="-----BEGIN PRIVATE KEY-----"
        onChange={(value) => {
          setText(value);
          setAsked(false);
          clearError();
        }}
        onTooLarge={(name) => { showError(appError('KEY_FILE_TOO_LARGE', { path: name })); }}
      />
      {encrypted && (
        <>
          <label htmlFor={`${id}-passphrase`}>Passphrase</label>
          <input id={`${id}-passphrase`} type="password" value={passphrase} autoComplete="off" onChange={(e) => { setPassphrase(e.target.value); clearError(); }} />
        </>
      )}
      <div className="actions">
        <button type="submit" className="button" disabled={busy}>
          Sign in
        </button>
        {desk.map((key) => (
          <button key={key.keyId} type="button" className="button button--quiet" disabled={busy} onClick={() => void run(() => signInAtDesk({ keyId: key.keyId }))}>
            Sign in as this desk’s identity “{key.name}”
          </button>
        ))}
        {busy && <span role="status">Signing in…</span>}
      </div>
      {error && <ErrorNotice error={error} />}
    </form>
  );
}
