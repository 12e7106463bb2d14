import type { ReactNode } from 'react';

/**
 * The name a new key pair gets (required: it goes into every escrow blob).
 * Marked invalid while the form's error is `NAME_REQUIRED`; `onChange` gets
 * the new text, for the form to keep and to clear its error.
 */
export function KeyNameField({
  id,
  label,
  placeholder,
  value,
  invalid,
  hint,
  onChange,
}: {
  id: string;
  label: string;
  placeholder: string;
  value: string;
  invalid: boolean;
  hint?: ReactNode;
  onChange: (name: string) => void;
}) {
  return (
    <>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="text"
        value={value}
        placeholder={placeholder}
        autoComplete="off"
        required
        aria-invalid={invalid || undefined}
        aria-describedby={hint ? `${id}-hint` : undefined}
        onChange={(e) => {
          onChange(e.target.value);
        }}
      />
      {hint && (
        <p className="field-hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
    </>
  );
}
