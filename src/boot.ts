/**
 * The page's first script: reads the escrow service's configuration (beside
 * index.html; absent means no service), adds the Content Security Policy
 * that allows connections to `'self'` and that service's origin only, and
 * only then loads the app.
 */
import { loadServiceConfig } from './io/service-client.ts';
import { installConnectPolicy } from './io/service-policy.ts';

// A configuration that is not valid leaves the page without a service (and without any other origin).
const config = await loadServiceConfig().catch(() => null);
installConnectPolicy(document, config?.origin ?? null);
await import('./main.tsx');
