import { useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { DropZone } from '../../components/drop-zone.tsx';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { KeyId } from '../../components/key-id.tsx';
import { useFormAction } from '../../components/use-form-action.ts';
import { formatKeyIdForHumans } from '../../store/format.ts';
import type { CouncilSummary, UiError } from '../../store/types.ts';
import { useAppStore } from '../../store/use-app-store.ts';
import { PrivateIdentityForm } from '../../components/private-identity-form.tsx';

/**
 * A council drill (spec v2 §8.5): k or more members sit together, each loads
 * their private identity (held in memory for the drill only, never stored),
 * the deposited escrow blobs are dropped, and the drill proves, blob by blob,
 * that the members' shares combine to a key that opens the file's header,
 * without any file and without decrypting anything. The result is a report
 * signed by every member present.
 */
export function DrillPanel() {
  const { members, blobs, outcome, addDrillBlobs, runDrill, downloadDrillReport, clearDrill, removeDrillMember } = useAppStore(
    useShallow((s) => ({
      members: s.drillMembers,
      blobs: s.drillBlobs,
      outcome: s.drillOutcome,
      addDrillBlobs: s.addDrillBlobs,
      runDrill: s.runDrill,
      downloadDrillReport: s.downloadDrillReport,
      clearDrill: s.clearDrill,
      removeDrillMember: s.removeDrillMember,
    })),
  );
  const drill = useFormAction();
  const adding = useFormAction();
  const report = useFormAction();
  // The council the blobs name (the first that names one), to show who each loaded identity is.
  const council = blobs.find((b) => b.council)?.council;
  const heading = useRef<HTMLHeadingElement>(null);
  // In the council's order once the blobs name it (an identity it does not name last), as the report lists them.
  const place = (id: string) => council?.members.findIndex((m) => m.id === id) ?? -1;
  const present = [...members].sort((a, b) => (place(a.id) < 0 ? 99 : place(a.id)) - (place(b.id) < 0 ? 99 : place(b.id)));

  return (
    <section className="panel" aria-labelledby="drill-heading">
      <h2 id="drill-heading" ref={heading} tabIndex={-1}>
        Council drill
      </h2>
      <p>
        The members of a council prove together, on a sample of deposited escrow blobs, that their shares combine to the key
        of each file, without any file and without decrypting anything. Each member present loads their private identity
        here: it is held in this page for the drill only and never stored. The report is signed by every member present.
      </p>
      <LoadMemberForm />
      <DeskIdentities present={members.map((m) => m.id)} />
      {members.length > 0 && (
        <ul className="rows" aria-label="Members present">
          {present.map((member) => (
            <li className="row" key={member.id} aria-label={memberLabel(council, member.id)}>
              <div className="row__head">
                <bdi className="row__name">{memberLabel(council, member.id)}</bdi>
                <span className="actions">
                  <button type="button" className="button button--quiet button--small" aria-label={`Remove ${memberLabel(council, member.id)}`} onClick={() => { removeDrillMember(member.id); }}>
                    Remove
                  </button>
                </span>
              </div>
              <p className="row__meta">
                Identity ID <KeyId keyId={member.id} />
              </p>
            </li>
          ))}
        </ul>
      )}
      <h3>The drill’s sample</h3>
      <DropZone
        label="Drop the drill’s sample of blobs"
        hint="The .keyward-escrow.json files of the sample, made for this council"
        buttonLabel="Choose blobs for the drill"
        accept=".json,application/json"
        disabled={adding.busy || drill.busy}
        onFiles={(files) => void adding.run(() => addDrillBlobs(files))}
      />
      {adding.error && <ErrorNotice error={adding.error} />}
      {blobs.length > 0 && !outcome && (
        <ul className="rows" aria-label="Blobs for the drill">
          {blobs.map((blob) => (
            <li className="row" key={blob.id} aria-label={blob.fileName}>
              <bdi className="row__name">{blob.fileName}</bdi>
              {blob.serial && <span className="row__meta"> file <span className="serial">{blob.serial}</span></span>}
            </li>
          ))}
        </ul>
      )}
      {council && (
        <p className="field-hint">
          The blobs name the council <bdi>“{council.name || '(no name given)'}”</bdi>: {council.threshold} of its {council.members.length} members
          are needed, {members.length} {members.length === 1 ? 'is' : 'are'} present.
        </p>
      )}
      <div className="actions">
        <button type="button" className="button" disabled={drill.busy || blobs.length === 0} onClick={() => void drill.run(runDrill)}>
          Run the drill
        </button>
        {drill.busy && <span role="status">Running the drill…</span>}
      </div>
      {drill.error && <ErrorNotice error={drill.error} />}
      {outcome && !drill.error && (
        <div className="card" role="group" aria-label="Drill result">
          <p className={outcome.passed ? 'status--done' : 'warning'} role="status">
            {outcome.passed
              ? `The drill passed: the shares of the ${String(outcome.members.length)} members present open every one of the ${String(outcome.results.length)} blobs.`
              : `The drill failed: ${String(outcome.results.filter((r) => r.result !== 'GOOD').length)} of the ${String(outcome.results.length)} blobs did not pass.`}
          </p>
          <p>
            Council <bdi>“{outcome.council.name || '(no name given)'}”</bdi> <KeyId keyId={outcome.council.id} />, members{' '}
            {outcome.members.map((m) => m.index).join(', ')}.
          </p>
          <ul className="rows" aria-label="Drill results">
            {outcome.results.map((result, i) => (
              <li className="row" key={i} aria-label={result.fileName}>
                <div className="row__head">
                  <bdi className="row__name">{result.fileName}</bdi>
                  {result.serial && <span className="serial">{result.serial}</span>}
                  {result.result === 'GOOD' ? <span className="badge badge--ok">GOOD</span> : <span className="badge badge--warn">{result.result}</span>}
                </div>
                {result.error && <ErrorNotice error={result.error} />}
              </li>
            ))}
          </ul>
          <div className="actions">
            <button type="button" className="button" onClick={() => void report.run(() => Promise.resolve(downloadDrillReport()))}>
              Download drill report
            </button>
            {outcome.saved && !report.error && (
              <span className="status--done" role="status">
                Saved <bdi className="row__name">{outcome.saved}</bdi>, signed by every member present.
              </span>
            )}
          </div>
          {report.error && <ErrorNotice error={report.error} />}
        </div>
      )}
      {(members.length > 0 || blobs.length > 0) && (
        <button
          type="button"
          className="button button--quiet button--small"
          onClick={() => {
            // The button goes with what it clears: focus goes to the top of the drill, not to the page body.
            clearDrill();
            drill.clearError();
            heading.current?.focus();
          }}
        >
          End the drill and forget the keys
        </button>
      )}
    </section>
  );
}

/** This desk's own identities, stored here as authority keys: added to the drill with one click. */
function DeskIdentities({ present }: { present: readonly string[] }) {
  // The same stored keys, element by element, are the same list: no render unless one changed.
  const desk = useAppStore(useShallow((s) => s.keys.filter((k) => k.role === 'authority-own' && k.identity?.signingPrivateKey && k.privateKey)));
  const addDeskIdentityToDrill = useAppStore((s) => s.addDeskIdentityToDrill);
  const [error, setError] = useState<UiError | null>(null);
  const absent = desk.filter((k) => k.identity && !present.includes(k.identity.id));
  if (absent.length === 0 && !error) return null;
  return (
    <div className="actions">
      {absent.map((key) => (
        <button key={key.keyId} type="button" className="button button--small" onClick={() => { setError(addDeskIdentityToDrill(key.keyId)); }}>
          Add this desk’s identity “{key.name}”
        </button>
      ))}
      {error && <ErrorNotice error={error} />}
    </div>
  );
}

/**
 * "Member I “NAME”" when the blobs' council names this identity; else the
 * start of its identity ID (each row and its Remove button keep a name of their own).
 */
function memberLabel(council: CouncilSummary | undefined, id: string): string {
  const index = council?.members.findIndex((m) => m.id === id) ?? -1;
  const short = `Identity ${formatKeyIdForHumans(id).slice(0, 9)}…`;
  if (!council) return short;
  if (index < 0) return `${short} (not a member of the blobs’ council)`;
  const name = council.members[index]?.name ?? '';
  return `Member ${String(index + 1)} “${name || '(no name given)'}”`;
}

/** One member's private identity: pasted or read from its file, with its passphrase when it is encrypted. */
function LoadMemberForm() {
  const addDrillMember = useAppStore((s) => s.addDrillMember);
  return (
    <PrivateIdentityForm
      name={{ heading: 'Load a member’s identity' }}
      fieldLabel="Member’s private identity (PEM or JWK)"
      fileLabel="Or choose the member’s private identity file"
      submitLabel="Load member identity"
      busyLabel="Loading…"
      take={addDrillMember}
    />
  );
}
