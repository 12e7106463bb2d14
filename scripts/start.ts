/**
 * `npm start` (after `npm run build`): the app (vite preview, http://127.0.0.1:4173) and the escrow
 * service (`keyward serve` on PGlite in ./keyward-data, http://127.0.0.1:8787) side by side. Ctrl-C or
 * SIGTERM stops both; if one ends, the other is stopped too.
 */
import { type ChildProcess, spawn } from 'node:child_process';

const children: ChildProcess[] = [
  spawn('npx', ['vite', 'preview', '--host', '127.0.0.1', '--port', '4173', '--strictPort'], { stdio: 'inherit' }),
  spawn(process.execPath, ['bin/keyward.js', 'serve', '--port', process.env.KEYWARD_SERVICE_PORT ?? '8787', '--data', 'keyward-data'], { stdio: 'inherit' }),
];

let stopping = false;
const stop = (signal: NodeJS.Signals) => {
  if (stopping) return;
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill(signal);
};
process.on('SIGINT', () => { stop('SIGINT'); });
process.on('SIGTERM', () => { stop('SIGTERM'); });

const codes = await Promise.all(
  children.map(
    (child) =>
      new Promise<number>((resolve) => {
        child.once('exit', (code) => {
          stop('SIGTERM');
          resolve(code ?? 0);
        });
      }),
  ),
);
process.exitCode = codes.find((code) => code !== 0) ?? 0;
