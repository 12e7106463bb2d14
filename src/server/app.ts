/**
 * The escrow service's HTTP API (Fastify 5). Every route validates its
 * input with a JSON schema (a deposit's body: the core's strict reading of
 * an escrow blob, on the deposit checks' worker); JSON bodies go through the
 * core's strict parser (a key given twice is refused); every refusal is `{ code, message }`, the
 * core's code and its one sentence, the same the app and the CLI show.
 * Anything else is answered `INTERNAL` and logged, never sent with its text or stack.
 */
import cors from '@fastify/cors';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions, LogController } from 'fastify';
import { type ErrorCode, KeywardError, isKeywardError } from '../core/index.ts';
import { parseJson } from '../core/json.ts';
import { auditHead, exportAudit } from './audit-log.ts';
import { registerSignIn, requireRole, sessionOf } from './auth.ts';
import { registerCaseRoutes } from './cases.ts';
import type { Db } from './db.ts';
import { registerDesk } from './desk.ts';
import { deposit, enrol } from './escrow.ts';
import { SCHEMA_VERSION, schemaVersion } from './migrations.ts';
import { servedAuthorities } from './registry.ts';
import { type DepositChecker, startDepositChecker } from './deposit-checker.ts';
import { type ServiceKey, loadServiceKey, signAck } from './service-key.ts';

/** The largest request body taken: a council's escrow blob of 16 members with 4096-bit keys is about 40 KB. */
export const BODY_LIMIT = 256 * 1024;

export interface ServiceOptions {
  db: Db;
  /** Fastify's pino logger: `false` (tests), `true` or its options. */
  logger?: FastifyServerOptions['logger'];
  bodyLimit?: number;
  /** The app's origins (`--app-origin`, `KEYWARD_APP_ORIGINS`): CORS is answered for these only; none, no CORS at all. */
  appOrigins?: readonly string[];
  /** The clock (tests move it; `new Date()` otherwise). */
  now?: () => Date;
  /**
   * Where deposits are checked (deposit-checker.ts), its owner's to close (a test passes a stopped worker).
   * Without it, the service starts the built worker (the main thread from the sources) and closes it when it closes.
   */
  depositChecks?: DepositChecker;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Where deposits are checked (`DepositChecker.runs`), for the log line that says the service is ready. */
    keywardDepositChecks: string;
  }
}

/** The HTTP status of each refusal; a code not listed is 400 (422 for what the core finds wrong in a blob or key). */
const STATUS: Partial<Record<ErrorCode, number>> = {
  REQUEST_INVALID: 400,
  MALFORMED: 400,
  BODY_TOO_LARGE: 413,
  NOT_ENROLLED: 403,
  AUTHORITY_NOT_SERVED: 422,
  ENROL_CODE_UNKNOWN: 404,
  ENROL_CODE_USED: 409,
  ALREADY_ENROLLED: 409,
  IDENTITY_REVOKED: 403,
  DEPOSIT_CONFLICT: 409,
  SIGN_IN_REQUIRED: 401,
  SIGN_IN_FAILED: 401,
  NOT_PERMITTED: 403,
  OUTSIDE_COUNCIL: 403,
  DEPOSIT_UNKNOWN: 404,
  CASE_UNKNOWN: 404,
  CASE_STATE: 409,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL: 500,
};

const noQuery = { type: 'object', additionalProperties: false, properties: {} } as const;

const enrolBody = {
  type: 'object',
  additionalProperties: false,
  required: ['code', 'identity'],
  properties: {
    code: { type: 'string', minLength: 1, maxLength: 64 },
    /** The person's public identity (v2 §2): its two PEM blocks, or its JWK Set as text. */
    identity: { type: 'string', minLength: 1, maxLength: 16_384 },
  },
} as const;

function refusal(error: FastifyError | KeywardError | Error): { status: number; error: KeywardError } {
  if (isKeywardError(error)) return { status: STATUS[error.code] ?? 422, error };
  const fastify = error as FastifyError;
  if (fastify.validation) return { status: 400, error: new KeywardError('REQUEST_INVALID', { reason: fastify.message.slice(0, 200) }) };
  switch (fastify.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, error: new KeywardError('BODY_TOO_LARGE') };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, error: new KeywardError('REQUEST_INVALID', { reason: 'send JSON, with Content-Type: application/json' }) };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { status: 400, error: new KeywardError('REQUEST_INVALID', { reason: 'the body is empty or its length is wrong' }) };
    default:
      if (typeof fastify.statusCode === 'number' && fastify.statusCode >= 400 && fastify.statusCode < 500) {
        return { status: fastify.statusCode, error: new KeywardError('REQUEST_INVALID') };
      }
      return { status: 500, error: new KeywardError('INTERNAL') };
  }
}

/** The log's one line per request, written when it is answered (Fastify writes one more on arrival). */
class OneLinePerRequest extends LogController {
  override incomingRequest(): void {
    // Nothing: the request's line is written once it is answered.
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const fields = { method: request.method, url: request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 };
    if (error) reply.log.error({ ...fields, err: error }, 'request failed');
    else reply.log.info(fields, 'request');
  }
}

/** Builds the service on an open, migrated database (it does not listen; `listen` is the caller's). */
export async function buildService(options: ServiceOptions): Promise<FastifyInstance> {
  const { db } = options;
  const bodyLimit = options.bodyLimit ?? BODY_LIMIT;
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit,
    // The core reads blobs exactly as sent: no type coercion, no defaults, nothing removed.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false } },
    return503OnClosing: true,
    logController: new OneLinePerRequest(),
  });
  app.decorate('keywardNow', options.now ?? (() => new Date()));
  const origins = options.appOrigins ?? [];
  if (origins.length > 0) {
    // Only the app's own origins; preflights included. Without any, no CORS header is ever sent.
    await app.register(cors, { origin: [...origins], methods: ['GET', 'POST'], allowedHeaders: ['Authorization', 'Content-Type'], maxAge: 600 });
  }
  // Made at the first start, then read: every instance on the database signs with the same key.
  let key: Promise<ServiceKey> | null = null;
  const serviceKey = (): Promise<ServiceKey> =>
    (key ??= loadServiceKey(db).catch((error: unknown) => {
      key = null;
      throw error;
    }));

  // JSON only, through the strict parser (Fastify's own keeps the last of a key given twice, and it takes text/plain too).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit }, (_request, body, done) => {
    try {
      done(null, parseJson(body as string, { what: 'the request body' }));
    } catch (error) {
      done(error as Error, undefined);
    }
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const { status, error: answer } = refusal(error);
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: answer.code }, 'request refused');
    void reply.code(status).send({ code: answer.code, message: answer.message });
  });
  app.setNotFoundHandler((_request, reply) => {
    const error = new KeywardError('REQUEST_INVALID', { reason: 'no such route' });
    void reply.code(404).send({ code: error.code, message: error.message });
  });

  app.get('/healthz', { schema: { querystring: noQuery } }, () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { querystring: noQuery } }, async (_request, reply) => {
    let version: number;
    try {
      version = await schemaVersion(db);
    } catch (cause) {
      throw new KeywardError('SERVICE_UNAVAILABLE', { reason: 'the database cannot be reached' }, { cause });
    }
    if (version !== SCHEMA_VERSION) throw new KeywardError('SERVICE_UNAVAILABLE', { reason: `the database is at schema ${version}, not ${SCHEMA_VERSION}` });
    return reply.send({ status: 'ready', database: db.kind, schema: version });
  });

  app.post('/v1/enrol', { schema: { body: enrolBody, querystring: noQuery } }, async (request, reply) => {
    const { code, identity } = request.body as { code: string; identity: string };
    const enrolment = await enrol(db, code, identity);
    return reply.code(201).send(enrolment);
  });

  app.get('/v1/service', { schema: { querystring: noQuery } }, async () => (await serviceKey()).info);
  // Public, like the service's key: the app tells a person, before they pin an authority, whether its blobs will be stored.
  app.get('/v1/authorities', { schema: { querystring: noQuery } }, () => servedAuthorities(db));

  registerSignIn(app, db, serviceKey);
  registerCaseRoutes(app, db);

  // A deposit is checked on a worker thread of its own (deposit-checker.ts).
  const checks = options.depositChecks ?? (await startDepositChecker());
  if (!options.depositChecks) {
    app.addHook('onClose', async () => {
      await checks.close();
    });
  }
  app.decorate('keywardDepositChecks', checks.runs);

  await app.register((deposits, _options, registered) => {
    // The body goes to the checks as its text: the core reads it there, strictly, as the other routes' parser does
    // (the core's reading is the schema: an object with a `format`, then every field of the blob).
    deposits.removeAllContentTypeParsers();
    deposits.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit }, (_request, body, done) => {
      done(null, body);
    });
    deposits.post('/v1/deposits', { schema: { body: { type: 'string' }, querystring: noQuery } }, async (request, reply) => {
      const { ack, created } = await deposit(db, await checks.check(request.body as string));
      // Signed here, from the stored fields: Ed25519 is deterministic, so a retry gets the same bytes.
      return reply.code(created ? 201 : 200).send(await signAck(await serviceKey(), ack));
    });
    registered();
  });

  registerDesk(app, db, serviceKey);

  app.get('/v1/audit', { schema: { querystring: noQuery } }, async (request) => {
    requireRole(await sessionOf(db, request), 'officer');
    return exportAudit(db);
  });
  app.get('/v1/audit/head', { schema: { querystring: noQuery } }, () => auditHead(db));

  await app.ready();
  return app;
}
