import { useEffect, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { DropZone } from '../../components/drop-zone.tsx';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { useFormAction } from '../../components/use-form-action.ts';
import type { Council } from '../../core/index.ts';
import { appError } from '../../store/errors.ts';
import { useAppStore } from '../../store/use-app-store.ts';
import { CouncilFacts } from './council-facts.tsx';
import { councilName } from './council-name.ts';
import { NotKeptNote } from './not-kept-note.tsx';

/** A council file is a few kilobytes (at most 16 members); a bigger file is not read into the page. */
const MAX_COUNCIL_FILE_BYTES = 1_048_576;

/**
 * Pinning a council (spec v2 §8.1): the owner loads the council file their
 * organisation gave them, compares the council ID shown (and sees k of n and
 * every member), and only then pins it. Nothing is stored before Confirm.
 */
export function CouncilPin() {
  const { readCouncil, pinCouncil } = useAppStore(useShallow((s) => ({ readCouncil: s.readCouncil, pinCouncil: s.pinCouncil })));
  const [loaded, setLoaded] = useState<Council | null>(null);
  const [pinned, setPinned] = useState<string | null>(null);
  const { busy, error, run, showError, clearError } = useFormAction();
  const heading = useRef<HTMLHeadingElement>(null);
  // The drop zone's button goes away once a council is read: focus goes to what is to be compared, not to the page body.
  useEffect(() => {
    if (loaded) heading.current?.focus();
  }, [loaded]);

  const readFile = async (file: File) => {
    if (file.size > MAX_COUNCIL_FILE_BYTES) {
      showError(appError('KEY_FILE_TOO_LARGE', { path: file.name }));
      return;
    }
    await run(async () => {
      let text: string;
      try {
        text = await file.text();
      } catch {
        return appError('FILE_UNREADABLE', { path: file.name });
      }
      const result = await readCouncil(text);
      if ('error' in result) return result.error;
      setPinned(null);
      setLoaded(result.council);
      return null;
    });
  };

  if (loaded) {
    return (
      <div className="council-pin__confirm" role="group" aria-labelledby="council-compare-heading">
        <h3 id="council-compare-heading" ref={heading} tabIndex={-1}>
          Compare the council ID
        </h3>
        <p>
          <strong className="row__name">{councilName(loaded)}</strong>
        </p>
        <CouncilFacts council={loaded} />
        <NotKeptNote kind="council" id={loaded.id} />
        <p className="warning">
          Compare this council ID with your organisation (for example over the phone) before you trust it: it pins the name, the
          number of members needed and every member’s keys.
        </p>
        <div className="actions">
          <button
            type="button"
            className="button"
            disabled={busy}
            onClick={() =>
              void run(async () => {
                const failure = await pinCouncil(loaded, loaded.id);
                if (failure) return failure;
                setLoaded(null);
                setPinned(councilName(loaded));
                return null;
              })
            }
          >
            Confirm council
          </button>
          <button
            type="button"
            className="button button--quiet"
            disabled={busy}
            onClick={() => {
              setLoaded(null);
              clearError();
            }}
          >
            The council ID differs: discard this council
          </button>
        </div>
        {error && <ErrorNotice error={error} />}
      </div>
    );
  }

  return (
    <div className="council-pin">
      <DropZone
        label="Drop the council file"
        hint="The .keyward-council.json file your organisation gave you."
        buttonLabel="Choose council file"
        accept=".json,application/json"
        multiple={false}
        disabled={busy}
        onFiles={(files) => void readFile(files[0]!)}
      />
      <p role="status">{busy ? 'Reading the council…' : pinned ? `Pinned “${pinned}”.` : ''}</p>
      {error && <ErrorNotice error={error} subject="Council" />}
    </div>
  );
}
