/**
 * `keyward serve`: the service on its database, listening, until SIGTERM
 * or SIGINT; then it stops taking requests, finishes those in flight,
 * closes the database and releases the data folder.
 */
import type { FastifyServerOptions } from 'fastify';
import { buildService } from './app.ts';
import { openServiceDb } from './open.ts';

export interface ServeOptions {
  port: number;
  host: string;
  /** PGlite's data folder (when there is no `databaseUrl`). */
  dataDir?: string | undefined;
  /** A PostgreSQL server (`DATABASE_URL`). */
  databaseUrl?: string | undefined;
  logger?: FastifyServerOptions['logger'];
  /** The app's origins, answered with CORS (none: no CORS). */
  appOrigins?: readonly string[];
}

export interface RunningService {
  /** `http://HOST:PORT`. */
  url: string;
  /** Stops listening, lets requests in flight finish, closes the database. */
  close: () => Promise<void>;
}

/** Opens and migrates the database, then listens. */
export async function startService(options: ServeOptions): Promise<RunningService> {
  const opened = await openServiceDb({ databaseUrl: options.databaseUrl, dataDir: options.dataDir });
  let app;
  try {
    app = await buildService({ db: opened.db, logger: options.logger ?? { level: 'info' }, appOrigins: options.appOrigins ?? [] });
    await app.listen({ port: options.port, host: options.host });
  } catch (error) {
    await app?.close();
    await opened.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
  app.log.info({ url, database: opened.db.kind, where: opened.where, depositChecks: app.keywardDepositChecks }, 'keyward serve ready');
  const running = app;
  return {
    url,
    close: async () => {
      try {
        await running.close();
      } finally {
        await opened.close();
      }
    },
  };
}

/** Runs the service until SIGTERM or SIGINT, then closes it. */
export async function serveUntilSignal(options: ServeOptions): Promise<void> {
  const service = await startService(options);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      // A second signal while closing ends the process at once.
      const force = () => process.exit(1);
      process.once('SIGTERM', force);
      process.once('SIGINT', force);
      resolve();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  await service.close();
}
