import { type ReactNode, type SubmitEvent, useId, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { appError } from '../store/errors.ts';
import { storedSignInIdentities } from '../store/sign-in-identity.ts';
import type { SignInWith, UiError } from '../store/types.ts';
import { useAppStore } from '../store/use-app-store.ts';
import { ErrorNotice } from './error-notice.tsx';
import { KeyFileField } from './key-file-field.tsx';
import { useFormAction } from './use-form-action.ts';

/**
 * A form that takes a private identity: pasted or read from its file, with
 * its passphrase once it turns out to be encrypted (a plain one never shows
 * the field). The text is cleared once `take` accepted it. `more` adds
 * buttons beside the submit one, run as the form's action.
 */
export function PrivateIdentityForm({ name, intro, fieldLabel, fileLabel, submitLabel, busyLabel, take, more }: {
  /** The form's name: its heading, or its accessible name where no heading stands. */
  name: { heading: string } | { label: string };
  intro?: string;
  fieldLabel: string;
  fileLabel: string;
  submitLabel: string;
  busyLabel: string;
  take: (options: { text: string; passphrase?: string }) => Promise<UiError | null>;
  more?: (act: (action: () => Promise<UiError | null>) => void, busy: boolean) => ReactNode;
}) {
  const [text, setText] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [asked, setAsked] = useState(false);
  const { busy, error, run, clearError, showError } = useFormAction();
  const id = useId();
  const encrypted = asked || text.includes('ENCRYPTED PRIVATE KEY');

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    const done = await run(async () => {
      const failed = await take({ text, ...(passphrase ? { passphrase } : {}) });
      if (failed?.code === 'PASSPHRASE_REQUIRED') setAsked(true);
      return failed;
    });
    if (!done) return;
    // The private key's text is not kept in the page's form once it was taken.
    setText('');
    setPassphrase('');
    setAsked(false);
  };

  return (
    <form className="authority-form" {...('heading' in name ? { 'aria-labelledby': `${id}-heading` } : { 'aria-label': name.label })} onSubmit={(event) => void submit(event)}>
      {'heading' in name && <h3 id={`${id}-heading`}>{name.heading}</h3>}
      {intro && <p className="field-hint">{intro}</p>}
      <KeyFileField
        label={fieldLabel}
        fileLabel={fileLabel}
        value={text}
        placeholder="-----BEGIN PRIVATE KEY-----"
        onChange={(value) => {
          setText(value);
          setAsked(false);
          clearError();
        }}
        onTooLarge={(file) => { showError(appError('KEY_FILE_TOO_LARGE', { path: file })); }}
      />
      {encrypted && (
        <>
          <label htmlFor={`${id}-passphrase`}>Passphrase</label>
          <input id={`${id}-passphrase`} type="password" value={passphrase} autoComplete="off" onChange={(e) => { setPassphrase(e.target.value); clearError(); }} />
        </>
      )}
      <div className="actions">
        <button type="submit" className="button" disabled={busy}>
          {submitLabel}
        </button>
        {more?.((action) => void run(action), busy)}
        {busy && <span role="status">{busyLabel}</span>}
      </div>
      {error && <ErrorNotice error={error} />}
    </form>
  );
}

/**
 * Signing in to the escrow service, the same at the desk and for recovery
 * cases: a private identity as `PrivateIdentityForm` takes it, or one of this
 * desk's own stored identities with one click.
 */
export function IdentitySignInForm({ signIn, ...labels }: {
  name: { heading: string } | { label: string };
  intro: string;
  fieldLabel: string;
  submitLabel: string;
  signIn: (options: SignInWith) => Promise<UiError | null>;
}) {
  const stored = useAppStore(useShallow((s) => storedSignInIdentities(s.keys)));
  return (
    <PrivateIdentityForm
      {...labels}
      fileLabel="Or choose your private identity file"
      busyLabel="Signing in…"
      take={signIn}
      more={(act, busy) =>
        stored.map((key) => (
          <button key={key.keyId} type="button" className="button button--quiet" disabled={busy} onClick={() => { act(() => signIn({ keyId: key.keyId })); }}>
            Sign in as this desk’s identity “{key.name}”
          </button>
        ))
      }
    />
  );
}
