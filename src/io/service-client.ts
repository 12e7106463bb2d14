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
  exactFields,
  fromB64u,
  idField,
  isPlainObject,
  sha256,
  signAs,
  stringField,
  timeField,
  toHex,
  utf8,
  verifySignature,
} from '../core/index.ts';
import { parseJson } from '../core/json.ts';
import { importEd25519Public } from '../core/keys/ed25519.ts';

/** Where the configuration is served: beside index.html. */
export const SERVICE_CONFIG_PATH = '/keyward-service.json';
export const SERVICE_CONFIG_FORMAT = 'keyward-service-config/1';
/** What `GET /v1/service` answers. */
export const SERVICE_FORMAT = 'keyward-service/1';
export const ACK_FORMAT = 'keyward-ack/1';
export const SIGN_IN_FORMAT = 'keyward-sign-in/1';

/** The organisation's escrow service, as its configuration names it. */
export interface ServiceConfig {
  /** `https://host[:port]` (or `http://` for a local service): an origin, nothing more. */
  origin: string;
  /** The service's key ID (`SHA256:` + 64 hex): every acknowledgement must be signed by it. */
  serviceKey: string;
}

/** The service's own key, as `GET /v1/service` answers it. */
export interface ServiceInfo {
  format: string;
  keyId: string;
  /** b64u of the Ed25519 SPKI. */
  signingKey: string;
}

export interface ServiceSession {
  token: string;
  identityId: string;
  name: string;
  roles: string[];
  expiresAt: string;
}

/** The service's signed acknowledgement of a deposit (docs/service.md). */
export interface SignedAcknowledgement {
  format: string;
  fileId: string;
  serial: string;
  ownerId: string;
  escrowDigest: string;
  storedAt: string;
  auditSeq: number;
  service: string;
  signature: string;
}

const KEY_ID = /^SHA256:[0-9a-f]{64}$/;

const invalidConfig = (reason: string) => new KeywardError('MALFORMED', { reason: `keyward-service.json ${reason}` });

/**
 * Reads the configuration strictly: its format, an origin that is exactly an
 * http(s) origin (it goes into the Content Security Policy, so nothing else
 * may ride along), and the service's key ID.
 *
 * @throws KeywardError `MALFORMED` for anything else
 */
export function parseServiceConfig(value: unknown): ServiceConfig {
  if (!isPlainObject(value)) throw invalidConfig('is not an object');
  const keys = Object.keys(value).sort().join(',');
  if (keys !== 'format,origin,serviceKey') throw invalidConfig('must have exactly format, origin and serviceKey');
  if (value.format !== SERVICE_CONFIG_FORMAT) throw invalidConfig(`is not ${SERVICE_CONFIG_FORMAT}`);
  const { origin, serviceKey } = value;
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
 * @returns `null` when there is none (404): no service, and no request after load.
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

/** `SHA256:` + hex(SHA-256(spki)): the service key's ID. */
export async function serviceKeyId(spki: Uint8Array<ArrayBuffer>): Promise<string> {
  return `SHA256:${toHex(await sha256(spki))}`;
}

/** Reads `GET /v1/service` strictly. */
export function parseServiceInfo(value: unknown): ServiceInfo {
  const fields = exactFields(value, 'the service', ['format', 'keyId', 'signingKey']);
  if (fields.format !== SERVICE_FORMAT) throw new KeywardError('MALFORMED', { reason: `the service is not ${SERVICE_FORMAT}` });
  const keyId = stringField(fields.keyId, 'the service keyId');
  if (!KEY_ID.test(keyId)) throw new KeywardError('MALFORMED', { reason: 'the service keyId is not a key ID' });
  return { format: SERVICE_FORMAT, keyId, signingKey: stringField(fields.signingKey, 'the service signingKey') };
}

/** Reads an acknowledgement strictly (every field, nothing more). */
export function parseAcknowledgement(value: unknown): SignedAcknowledgement {
  const f = exactFields(value, 'the acknowledgement', ['format', 'fileId', 'serial', 'ownerId', 'escrowDigest', 'storedAt', 'auditSeq', 'service', 'signature']);
  if (f.format !== ACK_FORMAT) throw new KeywardError('MALFORMED', { reason: `the acknowledgement is not ${ACK_FORMAT}` });
  if (typeof f.auditSeq !== 'number' || !Number.isSafeInteger(f.auditSeq) || f.auditSeq < 1) throw new KeywardError('MALFORMED', { reason: 'the acknowledgement auditSeq is not a sequence number' });
  return {
    format: ACK_FORMAT,
    fileId: stringField(f.fileId, 'the acknowledgement fileId'),
    serial: stringField(f.serial, 'the acknowledgement serial'),
    ownerId: idField(f.ownerId, 'the acknowledgement ownerId'),
    escrowDigest: stringField(f.escrowDigest, 'the acknowledgement escrowDigest'),
    storedAt: timeField(f.storedAt, 'the acknowledgement storedAt'),
    auditSeq: f.auditSeq,
    service: stringField(f.service, 'the acknowledgement service'),
    signature: stringField(f.signature, 'the acknowledgement signature'),
  };
}

/**
 * Checks an acknowledgement: signed by the service key `expectKeyId` names
 * (the one the configuration pins), and its signature over the rest.
 *
 * @throws KeywardError `SIGNER_UNTRUSTED` (another key), `SIGNATURE_INVALID`
 */
export async function verifyAcknowledgement(ack: SignedAcknowledgement, info: ServiceInfo, expectKeyId: string): Promise<void> {
  const spki = fromB64u(info.signingKey, 'the service signingKey');
  if (ack.service !== expectKeyId || info.keyId !== expectKeyId || (await serviceKeyId(spki)) !== expectKeyId) {
    throw new KeywardError('SIGNER_UNTRUSTED', { reason: 'the acknowledgement is not signed by the configured service key' });
  }
  const { key } = await importEd25519Public(spki);
  const { signature, ...body } = ack;
  const ok = await verifySignature(key, 'keyward/v2 service ack', utf8(canonicalJson(body)), fromB64u(signature, 'signature'));
  if (!ok) throw new KeywardError('SIGNATURE_INVALID', { reason: "the acknowledgement's signature does not verify" });
}

/** Signs a sign-in challenge as `identity` (b64u). */
export async function signChallenge(identity: PrivateIdentity, challenge: object): Promise<string> {
  return b64u(await signAs(identity, 'keyward/v2 sign-in', utf8(canonicalJson(challenge))));
}

const KNOWN_CODES: ReadonlySet<string> = new Set(ERROR_CODES);

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
      if (typeof code === 'string' && KNOWN_CODES.has(code)) throw new KeywardError(code as ErrorCode);
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
   * Signs in as `identity`: asks for a challenge, checks it names this
   * service and this identity, signs it and sends it back.
   *
   * @throws KeywardError `SIGN_IN_FAILED` (a challenge for another service or identity, or refused)
   */
  async signIn(identity: PrivateIdentity): Promise<ServiceSession> {
    const challenge = await this.post<unknown>('/v1/sign-in/challenge', { identityId: identity.id });
    if (!isPlainObject(challenge) || challenge.format !== SIGN_IN_FORMAT || challenge.service !== this.config.serviceKey || challenge.identityId !== identity.id) {
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

  /** Enrols `identityText` (a public identity, its PEM blocks or JWK Set) with a one-time code. */
  enrol(code: string, identityText: string): Promise<{ identityId: string; name: string; enrolledAt: string; auditSeq: number }> {
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
    const ack = parseAcknowledgement(await this.post<unknown>('/v1/deposits', blob));
    const digest = b64u(await sha256(utf8(canonicalJson(blob))));
    if (ack.fileId !== blob.fileId || ack.ownerId !== blob.owner?.id || ack.escrowDigest !== digest) {
      throw new KeywardError('SIGNER_UNTRUSTED', { reason: 'the acknowledgement is for another escrow blob' });
    }
    await verifyAcknowledgement(ack, await this.info(), this.config.serviceKey);
    return ack;
  }
}
