/** The key sizes Keyward creates (spec §1: 3072 bits unless 4096 is asked for). */
export type KeyBits = 3072 | 4096;

/** The choice of a new key pair's size, with what each costs. */
export function KeySizeFieldset({ name, bits, onChange }: { name: string; bits: KeyBits; onChange: (bits: KeyBits) => void }) {
  return (
    <fieldset>
      <legend>Key size</legend>
      {([3072, 4096] as const).map((size) => (
        <label key={size} className="radio">
          <input type="radio" name={name} value={size} checked={bits === size} onChange={() => { onChange(size); }} />
          {size} bits
        </label>
      ))}
      <p className="field-hint">3072 bits is the default; 4096 bits takes longer to create and to use.</p>
    </fieldset>
  );
}
