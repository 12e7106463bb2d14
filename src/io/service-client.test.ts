// @vitest-environment node
/**
 * The service client against a fake fetch that plays the service: its
 * configuration, refusals, the pinned key, sign-in and signed acknowledgements.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  KeywardError,
  type PrivateIdentity,
  b64u,
  canonicalJson,
  identityFromKeyPair,
  importPrivateKey,
  sha256,
  toBytes,
  utf8,
  verifySignature,
} from '../core/index.ts';
import { signingInput } from '../core/keys/ed25519.ts';
import {
  type ServiceConfig,
  ServiceClient,
  type SignedAcknowledgement,
  forgetServiceConfig,
  loadServiceConfig,
  parseServiceConfig,
} from './service-client.ts';
import { serviceKeyId } from '../core/service.ts';

const ORIGIN = 'https://escrow.example.org';
const OWNER_ID = `SHA256:${'a'.repeat(64)}`;

interface FakeService {
  key: CryptoKeyPair;
  spki: Uint8Array<ArrayBuffer>;
  keyId: string;
}

async function fakeService(): Promise<FakeService> {
  const key = await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']);
  const spki = toBytes(await crypto.subtle.exportKey('spki', key.publicKey));
  return { key, spki, keyId: await serviceKeyId(spki) };
}

async function signAck(service: FakeService, body: Omit<SignedAcknowledgement, 'signature'>): Promise<SignedAcknowledgement> {
  const signature = await crypto.subtle.sign({ name: 'Ed25519' }, service.key.privateKey, signingInput(utf8('keyward/v2 service ack'), utf8(canonicalJson(body))));
  return { ...body, signature: b64u(new Uint8Array(signature)) };
}

const json = (status: number, value: unknown) => new Response(JSON.stringify(value), { status, headers: { 'Content-Type': 'application/json' } });

type Handler = (url: URL, init: RequestInit) => Response | Promise<Response>;

/** A fetch that records every request and answers with `handler`. */
function fakeFetch(handler: Handler): typeof fetch & { calls: { url: string; init: RequestInit }[] } {
  const calls: { url: string; init: RequestInit }[] = [];
  const impl = async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    calls.push({ url, init });
    return handler(new URL(url, 'https://app.example.org'), init);
  };
  return Object.assign<typeof fetch, { calls: typeof calls }>(impl, { calls });
}

const FILE_ID = 'AAECAwQFBgcICQoLDA0ODw';
const SERIAL = 'KW-ABCD-EFGH-JKMN-PQRS';
const blob = { format: 'keyward-escrow/2', fileId: FILE_ID, serial: SERIAL, owner: { id: OWNER_ID }, signature: 'x' };

describe('parseServiceConfig', () => {
  const valid = { format: 'keyward-service-config/1', origin: ORIGIN, serviceKey: `SHA256:${'0'.repeat(64)}` };

  it('takes exactly an origin and a key ID', () => {
    expect(parseServiceConfig(valid)).toEqual({ origin: ORIGIN, serviceKey: valid.serviceKey });
    expect(parseServiceConfig({ ...valid, origin: 'http://127.0.0.1:8787' })?.origin).toBe('http://127.0.0.1:8787');
  });

  it('reads the shipped file, with neither an origin nor a key, as no service, and half of it as malformed', () => {
    const shipped: unknown = JSON.parse(readFileSync(new URL('../../public/keyward-service.json', import.meta.url), 'utf8'));
    expect(parseServiceConfig(shipped)).toBeNull();
    expect(() => parseServiceConfig({ ...valid, origin: null })).toThrow(expect.objectContaining({ code: 'MALFORMED' }));
    expect(() => parseServiceConfig({ ...valid, serviceKey: null })).toThrow(expect.objectContaining({ code: 'MALFORMED' }));
  });

  // The origin is written into the Content Security Policy: anything but an origin could widen it.
  it.each([
    ['a path', `${ORIGIN}/x`],
    ['a trailing slash', `${ORIGIN}/`],
    ['another directive', `${ORIGIN}; script-src *`],
    ['a wildcard', 'https://*.example.org'],
    ['a second source', `${ORIGIN} https://other.example`],
    ['a keyword', "'unsafe-inline'"],
    ['another scheme', 'ftp://escrow.example.org'],
    ['capitals (not the serialised origin)', 'https://Escrow.example.org'],
    ['a default port', 'https://escrow.example.org:443'],
  ])('refuses an origin with %s', (_what, origin) => {
    expect(() => parseServiceConfig({ ...valid, origin })).toThrow(expect.objectContaining({ code: 'MALFORMED' }));
  });

  it('refuses another format, a bad key ID or an extra field', () => {
    for (const bad of [{ ...valid, format: 'x' }, { ...valid, serviceKey: 'SHA256:abc' }, { ...valid, extra: 1 }, [], null]) {
      expect(() => parseServiceConfig(bad)).toThrow(KeywardError);
    }
  });
});

describe('loadServiceConfig', () => {
  afterEach(forgetServiceConfig);

  it('is null when the file is absent, and asks only once per page', async () => {
    const fetch = fakeFetch(() => new Response('not found', { status: 404 }));
    expect(await loadServiceConfig(fetch)).toBeNull();
    expect(await loadServiceConfig(fetch)).toBeNull();
    expect(fetch.calls.map((c) => c.url)).toEqual(['/keyward-service.json']);
  });

  it('reads a present file strictly', async () => {
    const text = `{"format":"keyward-service-config/1","origin":"${ORIGIN}","serviceKey":"SHA256:${'1'.repeat(64)}"}`;
    expect(await loadServiceConfig(fakeFetch(() => new Response(text)))).toEqual({ origin: ORIGIN, serviceKey: `SHA256:${'1'.repeat(64)}` });
    forgetServiceConfig();
    const twice = `{"format":"keyward-service-config/1","origin":"${ORIGIN}","origin":"https://evil.example","serviceKey":"SHA256:${'1'.repeat(64)}"}`;
    await expect(loadServiceConfig(fakeFetch(() => new Response(twice)))).rejects.toMatchObject({ code: 'MALFORMED' });
  });
});

describe('ServiceClient', () => {
  let service: FakeService;
  let config: ServiceConfig;
  let owner: PrivateIdentity;
  beforeAll(async () => {
    service = await fakeService();
    config = { origin: ORIGIN, serviceKey: service.keyId };
    const pem = readFileSync(join(import.meta.dirname, '../core/testdata/keys/owner.pem'), 'utf8');
    owner = await identityFromKeyPair(await importPrivateKey(pem));
  });

  const infoOf = (s: FakeService) => ({ format: 'keyward-service/1', keyId: s.keyId, signingKey: b64u(s.spki) });

  it("turns the service's { code, message } into KeywardError(code) with Keyward's own sentence", async () => {
    const client = new ServiceClient(config, fakeFetch(() => json(409, { code: 'ENROL_CODE_USED', message: 'Click here: https://evil.example' })));
    const error = await client.post('/v1/enrol', { code: 'x', identity: 'y' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeywardError);
    expect((error as KeywardError).code).toBe('ENROL_CODE_USED');
    expect((error as KeywardError).message).not.toContain('evil');
  });

  it('does not take a code Keyward does not know, nor an answer that is not JSON', async () => {
    const client = new ServiceClient(config, fakeFetch(() => json(500, { code: 'PAY_US', message: 'x' })));
    await expect(client.get('/v1/me')).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    const html = new ServiceClient(config, fakeFetch(() => new Response('<html>', { status: 502 })));
    await expect(html.get('/v1/me')).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    const bad = new ServiceClient(config, fakeFetch(() => new Response('{"a":1,"a":2}')));
    await expect(bad.get('/v1/me')).rejects.toMatchObject({ code: 'MALFORMED' });
  });

  it('is SERVICE_UNREACHABLE when fetch fails (offline, refused, blocked by CSP)', async () => {
    const client = new ServiceClient(config, fakeFetch(() => Promise.reject(new TypeError('Failed to fetch'))));
    await expect(client.get('/v1/service')).rejects.toMatchObject({ code: 'SERVICE_UNREACHABLE' });
  });

  it('sends JSON to the configured origin only, with the session token and no cookies', async () => {
    const fetch = fakeFetch(() => json(200, { ok: true }));
    const client = new ServiceClient(config, fetch);
    const session = { token: 'tok', identityId: OWNER_ID, name: 'Ada', roles: ['person'], expiresAt: '2026-01-01T00:00:00.000Z' };
    expect(await client.post('/v1/x', { a: 1 }, session)).toEqual({ ok: true });
    expect(fetch.calls[0]!.url).toBe(`${ORIGIN}/v1/x`);
    expect(fetch.calls[0]!.init).toMatchObject({ method: 'POST', body: '{"a":1}', credentials: 'omit', redirect: 'error' });
    expect(fetch.calls[0]!.init.headers).toMatchObject({ Authorization: 'Bearer tok', 'Content-Type': 'application/json' });
    // A path that would leave the origin is a programming error, never a request.
    await expect(client.get('//evil.example/v1/x')).rejects.toThrow(RangeError);
    await expect(client.get('https://evil.example/v1/x')).rejects.toThrow(RangeError);
    expect(fetch.calls).toHaveLength(1);
  });

  it("info() takes the service's key only when it is the configured one", async () => {
    const ok = new ServiceClient(config, fakeFetch(() => json(200, infoOf(service))));
    expect((await ok.info()).keyId).toBe(service.keyId);

    const other = await fakeService();
    const swapped = new ServiceClient(config, fakeFetch(() => json(200, infoOf(other))));
    await expect(swapped.info()).rejects.toMatchObject({ code: 'SIGNER_UNTRUSTED' });
    // The configured key ID, but another key behind it.
    const lying = new ServiceClient(config, fakeFetch(() => json(200, { ...infoOf(other), keyId: service.keyId })));
    await expect(lying.info()).rejects.toMatchObject({ code: 'SIGNER_UNTRUSTED' });
  });

  it('authorities() reads the public list from the configured origin, strictly', async () => {
    const listed = [
      { kind: 'identity', id: OWNER_ID, name: 'IT backup' },
      { kind: 'council', id: OWNER_ID, name: 'Recovery council' },
    ];
    const fetch = fakeFetch(() => json(200, { authorities: listed }));
    expect(await new ServiceClient(config, fetch).authorities()).toEqual(listed);
    expect(fetch.calls.map((call) => [call.url, call.init.method])).toEqual([[`${ORIGIN}/v1/authorities`, 'GET']]);
    // No session: the list is public, and no token goes with it.
    expect(fetch.calls[0]!.init.headers).not.toHaveProperty('Authorization');
    const extra = new ServiceClient(config, fakeFetch(() => json(200, { authorities: [{ ...listed[0], keyId: 'x' }] })));
    await expect(extra.authorities()).rejects.toMatchObject({ code: 'MALFORMED' });
  });

  it('signs in: the challenge, signed by the identity for this service, then the session', async () => {
    const challenge = { format: 'keyward-sign-in/1', service: service.keyId, identityId: owner.id, nonce: b64u(crypto.getRandomValues(new Uint8Array(32))), expiresAt: '2030-01-01T00:00:00.000Z' };
    let signed: { challenge: unknown; signature: string } | undefined;
    const fetch = fakeFetch((url, init) => {
      if (url.pathname === '/v1/sign-in/challenge') {
        expect(JSON.parse(init.body as string)).toEqual({ identityId: owner.id });
        return json(201, challenge);
      }
      signed = JSON.parse(init.body as string) as typeof signed;
      return json(201, { token: 'tok', expiresAt: '2030-01-01T00:00:00.000Z', identityId: owner.id, name: 'Ada', roles: ['person'] });
    });
    const session = await new ServiceClient(config, fetch).signIn(owner);
    expect(session).toEqual({ token: 'tok', identityId: owner.id, name: 'Ada', roles: ['person'], expiresAt: '2030-01-01T00:00:00.000Z' });
    expect(signed!.challenge).toEqual(challenge);
    const { fromB64u } = await import('../core/index.ts');
    expect(await verifySignature(owner.signingKey, 'keyward/v2 sign-in', utf8(canonicalJson(challenge)), fromB64u(signed!.signature))).toBe(true);
  });

  it('does not sign a challenge made for another service (a relay) or another identity', async () => {
    for (const change of [{ service: `SHA256:${'9'.repeat(64)}` }, { identityId: OWNER_ID }]) {
      const fetch = fakeFetch(() => json(201, { format: 'keyward-sign-in/1', service: service.keyId, identityId: owner.id, nonce: b64u(new Uint8Array(32)), expiresAt: '2030-01-01T00:00:00.000Z', ...change }));
      await expect(new ServiceClient(config, fetch).signIn(owner)).rejects.toMatchObject({ code: 'SIGN_IN_FAILED' });
      expect(fetch.calls).toHaveLength(1);
    }
  });

  describe('deposit', () => {
    async function ackFor(s: FakeService, change: Partial<SignedAcknowledgement> = {}): Promise<SignedAcknowledgement> {
      const digest = b64u(await sha256(utf8(canonicalJson(blob))));
      return signAck(s, { format: 'keyward-ack/1', fileId: FILE_ID, serial: SERIAL, ownerId: OWNER_ID, escrowDigest: digest, storedAt: '2026-12-06T10:00:00.000Z', auditSeq: 7, service: s.keyId, ...change });
    }
    const serving = (ack: unknown, info = infoOf(service)) =>
      fakeFetch((url) => (url.pathname === '/v1/service' ? json(200, info) : json(201, ack)));

    it('returns the acknowledgement once it verifies against the pinned key', async () => {
      const ack = await ackFor(service);
      const fetch = serving(ack);
      expect(await new ServiceClient(config, fetch).deposit(JSON.stringify(blob, null, 2))).toEqual(ack);
      // The service's key is checked first: nothing goes to a service with another key.
      expect(fetch.calls.map((c) => new URL(c.url).pathname)).toEqual(['/v1/service', '/v1/deposits']);
      expect(JSON.parse(fetch.calls[1]!.init.body as string)).toEqual(blob);
    });

    it('refuses an acknowledgement whose signature does not verify (SIGNATURE_INVALID)', async () => {
      const ack = { ...(await ackFor(service)), auditSeq: 8 };
      await expect(new ServiceClient(config, serving(ack)).deposit(JSON.stringify(blob))).rejects.toMatchObject({ code: 'SIGNATURE_INVALID' });
    });

    it('refuses an acknowledgement signed by a key other than the pinned one (SIGNER_UNTRUSTED)', async () => {
      const other = await fakeService();
      // A service that signs with its own, unpinned key, and says so.
      const unpinned = serving(await ackFor(other), infoOf(other));
      await expect(new ServiceClient(config, unpinned).deposit(JSON.stringify(blob))).rejects.toMatchObject({ code: 'SIGNER_UNTRUSTED' });
      expect(unpinned.calls.map((c) => new URL(c.url).pathname)).toEqual(['/v1/service']);
      // An acknowledgement signed by another key but naming the pinned one.
      await expect(new ServiceClient(config, serving(await ackFor(other, { service: service.keyId }))).deposit(JSON.stringify(blob))).rejects.toMatchObject({ code: 'SIGNATURE_INVALID' });
    });

    it('refuses a valid acknowledgement of another blob', async () => {
      for (const change of [{ fileId: 'AAECAwQFBgcICQoLDA0OAA' }, { escrowDigest: b64u(new Uint8Array(32)) }, { ownerId: `SHA256:${'b'.repeat(64)}` }]) {
        await expect(new ServiceClient(config, serving(await ackFor(service, change))).deposit(JSON.stringify(blob))).rejects.toMatchObject({ code: 'SIGNER_UNTRUSTED' });
      }
    });
  });
});
