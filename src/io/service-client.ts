/**
 * The app's one way to the escrow service (docs/service.md): the
 * organisation's configuration (`keyward-service.json` beside index.html),
 * JSON requests to the configured origin only, the service's refusals
 * (`{ code, message }`) turned into `KeywardError(code)` with Keyward's own
 * sentence, sign-in with a signed challenge, and the service's key checked
 * against the one the configuration pins.
 */
import {
  ERROR_CODES,
  type ErrorCode,
  KeywardError,
  type PrivateIdentity,
  b64u,
  canonicalJson,
  fromB64u,
  isPlainObject,
  sha256,
  utf8,
} from '../core/index.ts';
import { parseJson } from '../core/json.ts';
import {
  type ServedAuthority,
  type ServiceInfo,
  type SignedAcknowledgement,
  parseAcknowledgement,
  parseServedAuthorities,
  parseServiceInfo,
  parseSignInChallenge,
  serviceKeyId,
  signChallenge,
  verifyAcknowledgement,
} from '../core/service.ts';

export type { ServiceInfo, SignedAcknowledgement } from '../core/service.ts';

/** Where the configuration is served: beside index.html. */
export const SERVICE_CONFIG_PATH = '/keyward-service.json';
export const SERVICE_CONFIG_FORMAT = 'keyward-service-config/1';
/** The organisation's escrow service, as its configuration names it. */
export interface ServiceConfig {
  /** `https://host[:port]` (or `http://` for a local service): an origin, nothing more. */
  origin: string;
  /** The service's key ID (`SHA256:` + 64 hex): every acknowledgement must be signed by it. */
  serviceKey: string;
}

export interface ServiceSession {
  token: string;
  identityId: string;
  name: string;
  roles: string[];
  expiresAt: string;
}

const KEY_ID = /^SHA256:[0-9a-f]{64}$/;

const invalidConfig = (reason: string) => new KeywardError('MALFORMED', { reason: `keyward-service.json ${reason}` });

/**
 * Reads the configuration strictly: its format, an origin that is exactly an
 * http(s) origin (it goes into the Content Security Policy, so nothing else
 * may ride along), and the service's key ID. Both `null` (the file the app
 * ships with, `public/keyward-service.json`) means no service.
 *
 * @returns the service, or `null` for none
 * @throws KeywardError `MALFORMED` for anything else
 */
export function parseServiceConfig(value: unknown): ServiceConfig | null {
  if (!isPlainObject(value)) throw invalidConfig('is not an object');
  const keys = Object.keys(value).sort().join(',');
  if (keys !== 'format,origin,serviceKey') throw invalidConfig('must have exactly format, origin and serviceKey');
  if (value.format !== SERVICE_CONFIG_FORMAT) throw invalidConfig(`is not ${SERVICE_CONFIG_FORMAT}`);
  const { origin, serviceKey } = value;
  if (origin === null && serviceKey === null) return null;
  if (typeof origin !== 'string' || !/^https?:\/\/[a-z0-9.:[\]-]+$/.test(origin)) throw invalidConfig('has no valid origin');
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    throw invalidConfig('has no valid origin');
  }
  if (url.origin !== origin) throw invalidConfig('has an origin that is not exactly an origin');
  if (typeof serviceKey !== 'string' || !KEY_ID.test(serviceKey)) throw invalidConfig('has no valid serviceKey');
  return { origin, serviceKey };
}

let loaded: Promise<ServiceConfig | null> | null = null;

/**
 * The configuration, fetched once per page from beside index.html (the boot
 * script's request; later calls get the same answer without asking again).
 *
 * @returns `null` when there is none (the shipped file names none, or it is absent: 404): no service, and no request after load.
 * @throws KeywardError `MALFORMED` for a configuration that is not valid (the page then has no service)
 */
export function loadServiceConfig(fetchImpl: typeof fetch = (input, init) => globalThis.fetch(input, init)): Promise<ServiceConfig | null> {
  loaded ??= (async () => {
    let response: Response;
    try {
      response = await fetchImpl(SERVICE_CONFIG_PATH, { cache: 'no-cache', credentials: 'omit', redirect: 'error' });
    } catch {
      return null; // offline and never cached: no service this time
    }
    if (response.status === 404) return null;
    if (!response.ok) throw invalidConfig(`could not be read (HTTP ${String(response.status)})`);
    return parseServiceConfig(parseJson(await response.text(), { what: 'keyward-service.json' }));
  })();
  return loaded;
}

/** Tests only: forget the loaded configuration. */
export function forgetServiceConfig(): void {
  loaded = null;
}

const KNOWN_CODES: ReadonlySet<string> = new Set(ERROR_CODES);

const refusals = new WeakSet<KeywardError>();

/**
 * True for an error the service answered with (`{ code, message }`), as
 * opposed to one found here (unreachable, an answer or acknowledgement that
 * does not verify).
 */
export function isServiceRefusal(error: unknown): error is KeywardError {
  return error instanceof KeywardError && refusals.has(error);
}

/** Talks to one configured escrow service. */
export class ServiceClient {
  readonly config: ServiceConfig;
  readonly #fetch: typeof fetch;
  #info: Promise<ServiceInfo> | null = null;

  constructor(config: ServiceConfig, fetchImpl: typeof fetch = (input, init) => globalThis.fetch(input, init)) {
    this.config = config;
    this.#fetch = fetchImpl;
  }

  /** The URL of `path` on the configured origin; anything that would leave it is refused. */
  #url(path: string): string {
    const url = new URL(path, this.config.origin);
    if (!path.startsWith('/') || path.startsWith('//') || url.origin !== this.config.origin) throw new RangeError(`not a path on the service: ${path}`);
    return url.href;
  }

  async #request<T>(method: 'GET' | 'POST', path: string, body: unknown, session?: ServiceSession): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (session) headers.Authorization = `Bearer ${session.token}`;
    let response: Response;
    try {
      response = await this.#fetch(this.#url(path), {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        mode: 'cors',
        credentials: 'omit',
        redirect: 'error',
        cache: 'no-store',
        referrerPolicy: 'no-referrer',
      });
    } catch (cause) {
      if (cause instanceof RangeError) throw cause;
      throw new KeywardError('SERVICE_UNREACHABLE', { reason: this.config.origin }, { cause });
    }
    let text: string;
    try {
      text = await response.text();
    } catch (cause) {
      throw new KeywardError('SERVICE_UNREACHABLE', { reason: this.config.origin }, { cause });
    }
    if (!response.ok) {
      let code: unknown;
      try {
        code = (parseJson(text) as { code?: unknown } | null)?.code;
      } catch {
        code = undefined;
      }
      // Only Keyward's own codes, with Keyward's own sentences: the service's `message` is never shown.
      if (typeof code === 'string' && KNOWN_CODES.has(code)) {
        const refusal = new KeywardError(code as ErrorCode);
        refusals.add(refusal);
        throw refusal;
      }
      throw new KeywardError('SERVICE_UNAVAILABLE', { reason: `HTTP ${String(response.status)}` });
    }
    return parseJson(text, { what: "the escrow service's answer" }) as T;
  }

  /** `GET path` on the service. @throws KeywardError with the service's code, `SERVICE_UNREACHABLE` when it cannot be reached */
  get<T>(path: string, session?: ServiceSession): Promise<T> {
    return this.#request<T>('GET', path, undefined, session);
  }

  /** `POST path` with a JSON body. @throws as `get` */
  post<T>(path: string, body: unknown, session?: ServiceSession): Promise<T> {
    return this.#request<T>('POST', path, body, session);
  }

  /**
   * The service's key, checked against the configuration's `serviceKey`
   * (asked once per client; a failed check is asked again next time).
   *
   * @throws KeywardError `SIGNER_UNTRUSTED` when the service's key is not the pinned one
   */
  info(): Promise<ServiceInfo> {
    this.#info ??= (async () => {
      const info = parseServiceInfo(await this.get<unknown>('/v1/service'));
      const actual = await serviceKeyId(fromB64u(info.signingKey, 'the service signingKey'));
      if (actual !== info.keyId || info.keyId !== this.config.serviceKey) {
        throw new KeywardError('SIGNER_UNTRUSTED', { reason: 'the escrow service answers with a key other than the configured one' });
      }
      return info;
    })();
    const pending = this.#info;
    pending.catch(() => {
      if (this.#info === pending) this.#info = null;
    });
    return pending;
  }

  /**
   * The authorities and councils the service keeps escrow for, read
   * strictly. Only the service's word: it vouches for no key.
   *
   * @throws KeywardError `MALFORMED`, the request's codes
   */
  async authorities(): Promise<ServedAuthority[]> {
    return parseServedAuthorities(await this.get<unknown>('/v1/authorities'));
  }

  /**
   * Signs in as `identity`: asks for a challenge, checks it names this
   * service and this identity, signs it and sends it back.
   *
   * @throws KeywardError `SIGN_IN_FAILED` (a challenge for another service or identity, or refused)
   */
  async signIn(identity: PrivateIdentity): Promise<ServiceSession> {
    const challenge = parseSignInChallenge(await this.post<unknown>('/v1/sign-in/challenge', { identityId: identity.id }));
    if (challenge.service !== this.config.serviceKey || challenge.identityId !== identity.id) {
      throw new KeywardError('SIGN_IN_FAILED', { reason: 'the challenge is not for this service and identity' });
    }
    const signature = await signChallenge(identity, challenge);
    const session = await this.post<unknown>('/v1/sign-in', { challenge, signature });
    if (!isPlainObject(session) || typeof session.token !== 'string' || session.identityId !== identity.id || typeof session.expiresAt !== 'string') {
      throw new KeywardError('SIGN_IN_FAILED', { reason: 'the answer is not a session' });
    }
    const roles = Array.isArray(session.roles) ? session.roles.filter((r): r is string => typeof r === 'string') : [];
    return { token: session.token, identityId: identity.id, name: typeof session.name === 'string' ? session.name : '', roles, expiresAt: session.expiresAt };
  }

  /**
   * Enrols `identityText` (a public identity, its PEM blocks or JWK Set) with
   * a one-time code, at a service whose key is the configured one only.
   *
   * @throws KeywardError `SIGNER_UNTRUSTED` (another service's key), the service's code
   */
  async enrol(code: string, identityText: string): Promise<{ identityId: string; name: string; enrolledAt: string; auditSeq: number }> {
    await this.info();
    return this.post('/v1/enrol', { code, identity: identityText });
  }

  /**
   * Deposits one escrow blob and checks the acknowledgement: for this file,
   * owner and blob (its escrow digest), and signed by the pinned service key.
   *
   * @param blobText - the escrow blob JSON text, as the register holds it
   * @returns the verified acknowledgement
   * @throws KeywardError with the service's code; `SIGNER_UNTRUSTED` / `SIGNATURE_INVALID` for an acknowledgement that does not verify
   */
  async deposit(blobText: string): Promise<SignedAcknowledgement> {
    const blob = parseJson(blobText, { what: 'the escrow blob' }) as { fileId?: unknown; owner?: { id?: unknown } };
    // Nothing goes to a service whose key is not the configured one.
    const info = await this.info();
    const ack = parseAcknowledgement(await this.post<unknown>('/v1/deposits', blob));
    const digest = b64u(await sha256(utf8(canonicalJson(blob))));
    if (ack.fileId !== blob.fileId || ack.ownerId !== blob.owner?.id || ack.escrowDigest !== digest) {
      throw new KeywardError('SIGNER_UNTRUSTED', { reason: 'the acknowledgement is for another escrow blob' });
    }
    await verifyAcknowledgement(ack, info, this.config.serviceKey);
    return ack;
  }
}
