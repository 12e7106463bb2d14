// @vitest-environment happy-dom
/** The second policy: 'self' and the configured service's origin, nothing that could widen it. */
import { connectPolicy, installConnectPolicy } from './service-policy.ts';

describe('connectPolicy', () => {
  it("allows 'self' and the service's origin only", () => {
    expect(connectPolicy(null)).toBe("default-src 'self'; connect-src 'self'");
    expect(connectPolicy('https://escrow.example.org:8443')).toBe("default-src 'self'; connect-src 'self' https://escrow.example.org:8443");
  });

  it('refuses anything that is not an origin (another source, another directive)', () => {
    for (const bad of ['https://a.example https://b.example', 'https://a.example; connect-src *', '*', "'unsafe-eval'", 'https://a.example/']) {
      expect(() => connectPolicy(bad)).toThrow(RangeError);
    }
  });

  it('adds it to the head as a meta policy', () => {
    installConnectPolicy(document, 'http://127.0.0.1:8787');
    const meta = document.head.querySelector('meta[http-equiv="Content-Security-Policy"]');
    expect(meta?.getAttribute('content')).toBe("default-src 'self'; connect-src 'self' http://127.0.0.1:8787");
  });
});
