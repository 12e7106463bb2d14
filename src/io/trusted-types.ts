/**
 * The one Trusted Types policy (the CSP requires them for script sinks, in the
 * page and in Workers alike). The only script URLs Keyward loads at run time
 * are its own Workers (the crypto Worker, and the reader Worker it starts for
 * a large file), which Vite's build writes as `new Worker(new URL(...))`; the
 * default policy lets same-origin script URLs through and refuses everything
 * else, and refuses all HTML and script strings outright. Installed once per
 * global.
 */
interface TrustedTypePolicyFactoryLike {
  createPolicy(name: string, rules: { createScriptURL?: (input: string) => string; createHTML?: (input: string) => string; createScript?: (input: string) => string }): unknown;
}

export function installTrustedTypesPolicy(): void {
  const factory = (globalThis as { trustedTypes?: TrustedTypePolicyFactoryLike }).trustedTypes;
  if (!factory) return;
  factory.createPolicy('default', {
    createScriptURL(input) {
      const url = new URL(input, globalThis.location.href);
      if (url.origin !== globalThis.location.origin) throw new TypeError(`Keyward loads no script from ${url.origin}`);
      return url.href;
    },
    createHTML() {
      throw new TypeError('Keyward never writes HTML from strings');
    },
    createScript() {
      throw new TypeError('Keyward never evaluates script strings');
    },
  });
}
