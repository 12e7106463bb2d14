/**
 * Keyward's Content Security Policy: nothing but the app's own files, no
 * inline script, no plugins, no <base>, and Trusted Types for every script
 * sink. The built index.html carries it as a meta tag; the preview server
 * (and anyone hosting Keyward, see README) also sends it as a header, where
 * `frame-ancestors` works too.
 */
const directives = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
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
