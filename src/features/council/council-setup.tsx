import { type SubmitEvent, useEffect, useId, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { KeyId } from '../../components/key-id.tsx';
import { useFormAction } from '../../components/use-form-action.ts';
import { appError } from '../../store/errors.ts';
import { useAppStore } from '../../store/use-app-store.ts';
import { KeyFileField } from '../../components/key-file-field.tsx';

/** The most members a council has (spec v2 §8.1). */
const MAX_MEMBERS = 16;

/**
 * An organisation sets a council up (spec v2 §8.1): it imports each member's
 * public identity under a name, chooses the threshold k (1 ≤ k ≤ n ≤ 16), and
 * names the council; the descriptor is downloaded as
 * `NAME.keyward-council.json` and its council ID shown, to be read out to
 * every owner who pins the council.
 */
export function CouncilSetup() {
  const { draft, created, createCouncil, clearCouncil } = useAppStore(
    useShallow((s) => ({ draft: s.councilDraft, created: s.councilCreated, createCouncil: s.createCouncil, clearCouncil: s.clearCouncil })),
  );
  const [councilName, setCouncilName] = useState('');
  const [threshold, setThreshold] = useState(2);
  const { busy, error, run, clearError } = useFormAction();
  const id = useId();
  const n = draft.length;
  // The control offers only 1 … n; a member removed below the chosen k brings it down with it.
  const k = Math.min(Math.max(threshold, 1), Math.max(n, 1));
  const done = useRef<HTMLDivElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (created) done.current?.focus();
  }, [created]);

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    await run(() => createCouncil({ name: councilName, threshold: k }));
  };

  return (
    <section className="panel" aria-labelledby="council-setup-heading">
      <h2 id="council-setup-heading" ref={heading} tabIndex={-1}>
        Set up a council
      </h2>
      <p>
        A council is a backup authority no single person holds: each member keeps a share of every file key, and any k of
        them together recover a file, never fewer. Import each member’s public identity (<code>NAME.pub.pem</code>), in the
        order the council will have.
      </p>
      <AddMemberForm full={n >= MAX_MEMBERS} />
      {n > 0 && (
        <ol className="rows" aria-label="Council members">
          {draft.map((member, i) => (
            <li className="row" key={member.id} aria-label={member.name}>
              <div className="row__head">
                <span className="row__name">
                  Member {i + 1}: <bdi>{member.name}</bdi>
                </span>
                <span className="actions">
                  <RemoveMember id={member.id} name={member.name} />
                </span>
              </div>
              <p className="row__meta">
                Identity ID <KeyId keyId={member.id} /> ({member.modulusBits} bits)
              </p>
            </li>
          ))}
        </ol>
      )}
      <form className="authority-form" aria-labelledby={`${id}-create`} onSubmit={(event) => void submit(event)}>
        <h3 id={`${id}-create`}>Name the council and choose its threshold</h3>
        <label htmlFor={`${id}-name`}>Council name</label>
        <input id={`${id}-name`} type="text" value={councilName} placeholder="Recovery council" autoComplete="off" onChange={(e) => { setCouncilName(e.target.value); clearError(); }} />
        <label htmlFor={`${id}-k`}>Threshold (members needed to recover)</label>
        <select id={`${id}-k`} value={String(k)} disabled={n === 0} aria-describedby={`${id}-k-hint`} onChange={(e) => { setThreshold(Number(e.target.value)); clearError(); }}>
          {Array.from({ length: Math.max(n, 1) }, (_, i) => (
            <option key={i + 1} value={String(i + 1)}>
              {i + 1} of {Math.max(n, 1)}
            </option>
          ))}
        </select>
        <p className="field-hint" id={`${id}-k-hint`}>
          From 1 to the number of members ({n === 0 ? 'none yet' : n}); a council has 1 to {MAX_MEMBERS} members.{' '}
          {n > 0 && `Any ${String(k)} of the ${String(n)} members together recover a file; ${k === 1 ? 'each member alone can.' : `${String(k - 1)} cannot.`}`}
        </p>
        <div className="actions">
          <button type="submit" className="button" disabled={busy || n === 0}>
            Create council
          </button>
          {busy && <span role="status">Creating…</span>}
        </div>
        {error && <ErrorNotice error={error} />}
      </form>
      {created && !error && (
        <div className="card status--done" role="group" aria-label="The council ID to read out" tabIndex={-1} ref={done}>
          <p role="status">
            Saved <bdi className="row__name">{created.fileName}</bdi>: council <bdi>“{created.name || '(no name given)'}”</bdi>,{' '}
            {created.threshold} of {created.members.length} members.
          </p>
          <p>
            Council ID <KeyId keyId={created.id} />
          </p>
          <p className="field-hint">
            Send the file to every owner who escrows to this council, and read this ID out to each of them (by phone or in
            person): their app pins the council only once they confirm it.
          </p>
          <button
            type="button"
            className="button button--quiet button--small"
            onClick={() => {
              // The button goes with the council shown: focus goes to the top of the set-up, not to the page body.
              clearCouncil();
              setCouncilName('');
              heading.current?.focus();
            }}
          >
            Set up another council
          </button>
        </div>
      )}
    </section>
  );
}

/** One member's public identity, pasted or read from its file, and the name the organisation gives it. */
function AddMemberForm({ full }: { full: boolean }) {
  const addCouncilMember = useAppStore((s) => s.addCouncilMember);
  const [text, setText] = useState('');
  const [name, setName] = useState('');
  const { busy, error, run, clearError, showError } = useFormAction();
  const id = useId();

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    if (await run(() => addCouncilMember({ text, name }))) {
      setText('');
      setName('');
    }
  };

  return (
    <form className="authority-form" aria-labelledby={`${id}-heading`} onSubmit={(event) => void submit(event)}>
      <h3 id={`${id}-heading`}>Add a member</h3>
      <KeyFileField
        label="Member’s public identity (PEM or JWK)"
        fileLabel="Or choose the member’s public identity file"
        value={text}
        placeholder="-----BEGIN PUBLIC KEY-----"
        onChange={(value) => {
          setText(value);
          clearError();
        }}
        onTooLarge={(file) => { showError(appError('KEY_FILE_TOO_LARGE', { path: file })); }}
      />
      <label htmlFor={`${id}-name`}>Member name</label>
      <input id={`${id}-name`} type="text" value={name} placeholder="Grace Hopper" autoComplete="off" onChange={(e) => { setName(e.target.value); clearError(); }} />
      <div className="actions">
        <button type="submit" className="button" disabled={busy || full}>
          Add member
        </button>
        {full && <span className="field-hint">{MAX_MEMBERS} members: a council has no more.</span>}
      </div>
      {error && <ErrorNotice error={error} />}
    </form>
  );
}

function RemoveMember({ id, name }: { id: string; name: string }) {
  const removeCouncilMember = useAppStore((s) => s.removeCouncilMember);
  return (
    <button type="button" className="button button--quiet button--small" aria-label={`Remove ${name}`} onClick={() => { removeCouncilMember(id); }}>
      Remove
    </button>
  );
}
