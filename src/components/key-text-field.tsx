/**
 * A key pasted as text (PEM or JWK): labelled, and kept as typed (no spell
 * check, autocomplete or capitals, which would change or leak it).
 */
export function KeyTextField({ id, label, value, placeholder, onChange }: { id: string; label: string; value: string; placeholder?: string | undefined; onChange: (value: string) => void }) {
  return (
    <>
      <label htmlFor={id}>{label}</label>
      <textarea id={id} value={value} spellCheck={false} autoComplete="off" autoCapitalize="off" placeholder={placeholder} onChange={(e) => { onChange(e.target.value); }} />
    </>
  );
}
