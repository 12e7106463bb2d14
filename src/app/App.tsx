import { useEffect, useState } from 'react';
import { type Capability, checkCapabilities } from '../io/capabilities.ts';

/**
 * Placeholder until the app issue lands: says what Keyward is and whether
 * this browser can run it.
 */
export function App() {
  const [capabilities, setCapabilities] = useState<Capability[] | null>(null);
  useEffect(() => {
    void checkCapabilities().then(setCapabilities);
  }, []);
  const missing = capabilities?.filter((c) => !c.ok) ?? [];
  return (
    <main>
      <h1>Keyward</h1>
      <p>
        Encrypt files in your browser and escrow each file key with your backup authority, so that nothing is lost when
        a key pair is.
      </p>
      <p role="status">
        {capabilities === null
          ? 'Checking your browser…'
          : missing.length === 0
            ? 'This browser has everything Keyward needs.'
            : `This browser lacks: ${missing.map((c) => c.name).join(', ')}.`}
      </p>
      <p>
        The app is on its way. Until then, the <code>keyward</code> command-line tool encrypts, decrypts and recovers
        files in the same format.
      </p>
    </main>
  );
}
