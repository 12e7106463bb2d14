/**
 * Keyward's Content Security Policy: nothing but the app's own files, no
 * inline script, no plugins, no <base>, and Trusted Types for every script
 * sink. The built index.html carries it as a meta tag; the preview server
 * (and anyone hosting Keyward, see README) also sends it as a header, where
 * `frame-ancestors` works too.
 *
 * It has no `default-src` and no `connect-src`: a second policy can only
 * narrow the first, so the page's first script (src/boot.ts) adds them once
 * it has read the escrow service's configuration (src/io/service-policy.ts):
 * `default-src 'self'; connect-src 'self'` and the service's origin if one is
 * configured.
 */
const directives = [
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "worker-src 'self'",
  "manifest-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  // Only the app's one policy (src/io/trusted-types.ts) may create trusted values.
  'trusted-types default',
  "require-trusted-types-for 'script'",
];

/** The policy for the meta tag (`frame-ancestors` is ignored there). */
export const CSP_META = directives.join('; ');

/** The policy as a response header. */
export const CSP_HEADER = [...directives, "frame-ancestors 'none'"].join('; ');

/** Headers the preview server sends; hosts should send the same. */
export const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CSP_HEADER,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=()',
};
