import { KeyId } from '../../components/key-id.tsx';
import { formatDate } from '../../store/format.ts';
import type { CaseDetail } from '../../store/types.ts';

/** What each audit event of a case is called on screen. */
const STEP_NAMES: Record<string, string> = {
  'case-open': 'Case opened',
  'case-verify': 'Identity checked by an officer',
  'case-refuse': 'Refused by an officer',
  'case-upload': 'Recovery blob uploaded',
  'case-download': 'Recovery blobs downloaded',
};

/** The words of a step's detail worth showing: the person's note, how the identity was checked, or why the case was refused. */
function detailOf(event: string, detail: string | undefined): string | null {
  return detail && ['case-open', 'case-verify', 'case-refuse'].includes(event) ? detail : null;
}

/** Every step of a case with its time and who took it (their identity ID), oldest first. */
export function CaseSteps({ steps, me }: { steps: CaseDetail['steps']; me?: string }) {
  return (
    <ol className="rows" aria-label="Case steps">
      {steps.map((step, i) => {
        const name = STEP_NAMES[step.event] ?? step.event;
        const detail = detailOf(step.event, step.detail);
        return (
          <li className="row" key={i} aria-label={name}>
            <div className="row__head">
              <span className="row__name">{name}</span>
              <time dateTime={step.at}>{formatDate(step.at)}</time>
            </div>
            <p className="row__meta">
              by {step.by === me ? 'you, ' : ''}
              <KeyId keyId={step.by} />
            </p>
            {detail && (
              <p className="row__meta">
                <bdi>{detail}</bdi>
              </p>
            )}
          </li>
        );
      })}
    </ol>
  );
}

/** A case's files: each deposit, who it is escrowed to and how many recovery blobs are in. */
export function CaseFiles({ files, children }: { files: CaseDetail['files']; children?: (file: CaseDetail['files'][number]) => React.ReactNode }) {
  return (
    <ul className="rows" aria-label="Files of the case">
      {files.map((file) => {
        const needed = file.authority.kind === 'council' ? (file.authority.threshold ?? 1) : 1;
        return (
          <li className="row" key={file.fileId} aria-label={file.serial}>
            <div className="row__head">
              <span className="serial">{file.serial}</span>
              <bdi className="row__name">{file.description}</bdi>
            </div>
            <p className="row__meta">
              Escrowed to <bdi>{file.authority.name}</bdi>
              {file.authority.kind === 'council' ? ` (${String(needed)} of its members needed)` : ''}: {file.uploads.length} of {needed} recovery blob
              {needed === 1 ? '' : 's'} in.
            </p>
            {children?.(file)}
          </li>
        );
      })}
    </ul>
  );
}
