import { type DragEvent, useId, useRef, useState } from 'react';

export interface DropZoneProps {
  /** What to drop, e.g. "Drop files to encrypt". */
  label: string;
  /** A second line, e.g. which files are accepted. */
  hint?: string;
  /** The picker button's text. */
  buttonLabel: string;
  accept?: string;
  multiple?: boolean;
  disabled?: boolean;
  onFiles: (files: File[]) => void;
}

/**
 * A drop target with a real button for the keyboard and screen readers. The
 * file input sits outside the zone, so a click on the button is not also a
 * click on the zone (and happy-dom does not recurse, ecosystem.md G4).
 */
export function DropZone({ label, hint, buttonLabel, accept, multiple = true, disabled = false, onFiles }: DropZoneProps) {
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  const hintId = useId();

  const take = (list: FileList | null) => {
    const files = list ? Array.from(list) : [];
    if (files.length > 0 && !disabled) onFiles(multiple ? files : files.slice(0, 1));
  };
  const onDragOver = (event: DragEvent) => {
    if (!event.dataTransfer.types.includes('Files')) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = disabled ? 'none' : 'copy';
    setOver(true);
  };
  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setOver(false);
    take(event.dataTransfer.files);
  };

  return (
    <>
      <div
        className={`drop-zone${over ? ' drop-zone--over' : ''}${disabled ? ' drop-zone--disabled' : ''}`}
        role="group"
        aria-label={label}
        aria-describedby={hint ? hintId : undefined}
        data-testid="drop-zone"
        onDragEnter={onDragOver}
        onDragOver={onDragOver}
        onDragLeave={() => {
          setOver(false);
        }}
        onDrop={onDrop}
      >
        <p className="drop-zone__label">{label}</p>
        {hint && (
          <p className="drop-zone__hint" id={hintId}>
            {hint}
          </p>
        )}
        <button type="button" className="button" disabled={disabled} onClick={() => input.current?.click()}>
          {buttonLabel}
        </button>
      </div>
      <input
        ref={input}
        type="file"
        hidden
        multiple={multiple}
        accept={accept}
        aria-label={buttonLabel}
        onChange={(event) => {
          take(event.currentTarget.files);
          event.currentTarget.value = '';
        }}
      />
    </>
  );
}
