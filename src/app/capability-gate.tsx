import { type ReactNode, useEffect, useState } from 'react';
import { type Capability, checkCapabilities } from '../io/capabilities.ts';

/**
 * Checks once at start that the browser can run Keyward; if not, one page
 * names what is missing instead of failing later with a key half-stored.
 */
export function CapabilityGate({ children }: { children: ReactNode }) {
  const [capabilities, setCapabilities] = useState<Capability[] | null>(null);
  useEffect(() => {
    void checkCapabilities().then(setCapabilities);
  }, []);
  if (capabilities === null) return <p role="status">Checking your browser…</p>;
  const missing = capabilities.filter((c) => !c.ok);
  if (missing.length === 0) return children;
  return (
    <main className="main">
      <div className="card" role="alert">
        <h1>This browser cannot run Keyward</h1>
        <p>Keyward needs these, and this browser (or this private window) does not offer them:</p>
        <ul>
          {missing.map((c) => (
            <li key={c.name}>{c.name}</li>
          ))}
        </ul>
        <p>Open Keyward in a current Chrome, Edge, Firefox or Safari, outside private browsing.</p>
      </div>
    </main>
  );
}
