import { shortKeyId } from '../store/format.ts';
import type { StoredKey } from '../store/types.ts';

/** A choice among stored keys, each shown by name and the start of its key ID (the one notation). */
export function KeySelect({
  id,
  label,
  keys,
  value,
  onChange,
}: {
  id: string;
  label: string;
  keys: readonly StoredKey[];
  value: string;
  onChange: (keyId: string) => void;
}) {
  return (
    <>
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        value={value}
        onChange={(event) => {
          onChange(event.target.value);
        }}
      >
        {keys.map((k) => (
          <option key={k.keyId} value={k.keyId}>
            {k.name} ({shortKeyId(k.keyId)})
          </option>
        ))}
      </select>
    </>
  );
}
