import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App.tsx';
import { CapabilityGate } from './app/capability-gate.tsx';
import { StoreProvider } from './app/providers.tsx';
import './app/styles.css';
import { installTrustedTypesPolicy } from './io/trusted-types.ts';

installTrustedTypesPolicy();

// Offline once visited (the build writes sw.js); the dev server has none.
if (import.meta.env.PROD && 'serviceWorker' in navigator) {
  void navigator.serviceWorker.register('/sw.js').catch(() => undefined);
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <CapabilityGate>
      <StoreProvider>
        <App />
      </StoreProvider>
    </CapabilityGate>
  </StrictMode>,
);
