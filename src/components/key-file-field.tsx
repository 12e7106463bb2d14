import { useId } from 'react';
import { KeyTextField } from './key-text-field.tsx';

/** The largest key or identity file read into the field (a few kilobytes; this is generous). */
const MAX_KEY_FILE_BYTES = 256 * 1024;

/**
 * Key text pasted, or read from a chosen file into the same field, so what
 * is used is what is shown. `onTooLarge` is called for a file far too large
 * to be a key file (nothing is read).
 */
export function KeyFileField({
  label,
  fileLabel,
  value,
  placeholder,
  onChange,
  onTooLarge,
}: {
  label: string;
  fileLabel: string;
  value: string;
  placeholder: string;
  onChange: (value: string) => void;
  onTooLarge: (name: string) => void;
}) {
  const id = useId();
  return (
    <>
      <KeyTextField id={`${id}-text`} label={label} value={value} placeholder={placeholder} onChange={onChange} />
      <label htmlFor={`${id}-file`}>{fileLabel}</label>
      <input
        id={`${id}-file`}
        type="file"
        accept=".pem,.json,.jwk,.txt,application/json,application/x-pem-file,text/plain"
        onChange={(event) => {
          const file = event.currentTarget.files?.[0];
          event.currentTarget.value = '';
          if (!file) return;
          if (file.size > MAX_KEY_FILE_BYTES) {
            onTooLarge(file.name);
            return;
          }
          void file.text().then(onChange);
        }}
      />
    </>
  );
}
