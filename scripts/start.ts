/**
 * `npm start` (after `npm run build`): the escrow service (`keyward serve` on PGlite in ./keyward-data,
 * http://127.0.0.1:8787, answering the app's origin) and the app (vite preview, http://127.0.0.1:4173)
 * side by side. The service starts first; once it is ready, its origin and key ID are written to
 * dist/app/keyward-service.json, beside index.html, so the app uses it (and may connect to it only).
 * Ctrl-C or SIGTERM stops both; if one ends, the other is stopped too.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';

const APP_ORIGIN = 'http://127.0.0.1:4173';
const SERVICE_PORT = process.env.KEYWARD_SERVICE_PORT ?? '8787';
const SERVICE = `http://127.0.0.1:${SERVICE_PORT}`;

const children: ChildProcess[] = [];
let stopping = false;
const stop = (signal: NodeJS.Signals) => {
  if (stopping) return;
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill(signal);
};
process.on('SIGINT', () => {
  stop('SIGINT');
});
process.on('SIGTERM', () => {
  stop('SIGTERM');
});

const exits: Promise<number>[] = [];
function start(command: string, args: string[]): ChildProcess {
  const child = spawn(command, args, { stdio: 'inherit' });
  children.push(child);
  exits.push(
    new Promise<number>((resolve) => {
      child.once('exit', (code) => {
        stop('SIGTERM');
        resolve(code ?? 0);
      });
    }),
  );
  return child;
}

const service = start(process.execPath, ['bin/keyward.js', 'serve', '--port', SERVICE_PORT, '--data', 'keyward-data', '--app-origin', APP_ORIGIN]);

/** Waits for `/readyz`, then reads the service's key ID. */
async function serviceKey(): Promise<string | null> {
  while (!stopping && service.exitCode === null) {
    try {
      if ((await fetch(`${SERVICE}/readyz`)).ok) {
        const info = (await (await fetch(`${SERVICE}/v1/service`)).json()) as { keyId?: unknown };
        if (typeof info.keyId !== 'string') throw new Error('GET /v1/service has no keyId');
        return info.keyId;
      }
    } catch (error) {
      if (error instanceof Error && error.message.includes('keyId')) throw error;
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return null;
}

const keyId = await serviceKey();
if (keyId !== null) {
  writeFileSync('dist/app/keyward-service.json', `${JSON.stringify({ format: 'keyward-service-config/1', origin: SERVICE, serviceKey: keyId }, null, 2)}\n`);
  start('npx', ['vite', 'preview', '--host', '127.0.0.1', '--port', '4173', '--strictPort']);
}

const codes = await Promise.all(exits);
process.exitCode = codes.find((code) => code !== 0) ?? 0;
