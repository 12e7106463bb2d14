/**
 * The second Content Security Policy: the page's connections. The static
 * policy (content-security-policy.ts, in the built index.html and the
 * preview server's header) leaves out `default-src` and `connect-src`,
 * because a second policy can only narrow what the first allows; before the
 * app's code runs, the boot script reads the service's configuration and adds
 * this one as a meta tag: `'self'` and, when a service is configured, its
 * origin, nothing else.
 */

/**
 * The policy for the configured service origin (already checked to be
 * exactly an origin by `parseServiceConfig`), or for no service.
 */
export function connectPolicy(serviceOrigin: string | null): string {
  if (serviceOrigin !== null && !/^https?:\/\/[a-z0-9.:[\]-]+$/.test(serviceOrigin)) throw new RangeError(`not an origin: ${serviceOrigin}`);
  return `default-src 'self'; connect-src 'self'${serviceOrigin === null ? '' : ` ${serviceOrigin}`}`;
}

/**
 * Adds the policy to the document's head as `<meta http-equiv="Content-Security-Policy">`;
 * from then on the browser enforces it together with the static one.
 */
export function installConnectPolicy(doc: Document, serviceOrigin: string | null): void {
  const meta = doc.createElement('meta');
  meta.httpEquiv = 'Content-Security-Policy';
  meta.content = connectPolicy(serviceOrigin);
  meta.dataset.keyward = 'connect';
  doc.head.append(meta);
}
