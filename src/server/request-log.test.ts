/** The service's log: one JSON line per request, when it is answered, with what was asked and how it went. */
import { Writable } from 'node:stream';
import { buildService } from './app.ts';
import { migrate } from './migrations.ts';
import { BACKENDS } from './test-support.ts';

const pglite = BACKENDS.find((backend) => backend.name === 'PGlite')!;

it('logs each request once, with its method, path, status and time', async () => {
  const test = await pglite.open();
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  await migrate(test.db);
  const app = await buildService({ db: test.db, logger: { level: 'info', stream } });
  try {
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/no/such/route' })).statusCode).toBe(404);
    const requests = lines.filter((line) => typeof line.reqId === 'string');
    expect(requests.map(({ msg, method, url, status }) => ({ msg, method, url, status }))).toEqual([
      { msg: 'request', method: 'GET', url: '/healthz', status: 200 },
      { msg: 'request', method: 'GET', url: '/no/such/route', status: 404 },
    ]);
    for (const line of requests) expect(typeof line.ms).toBe('number');
  } finally {
    await app.close();
    await test.drop();
  }
});
