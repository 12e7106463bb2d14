/**
 * A run killed outright (SIGKILL: no handler runs) leaves its temporary
 * output behind. It must be readable by its owner only while it exists, and
 * the next run writing into that folder removes it, but never the temporary
 * file of a run that is still going.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { type WriteStream, createWriteStream, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { hostname } from 'node:os';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { sweepStaleTemps } from './atomic-file.ts';
import { BIN, buildCli, childEnv, key, keyward, listDir, sha256File, tempDirForFile, waitUntil } from './test-support.ts';

const temp = tempDirForFile('cli-killed');
const { sub } = temp;
let encrypted: Buffer;
let sha: string;
beforeAll(async () => {
  buildCli();
  const plain = join(temp.path, 'big.bin');
  // 32 chunks: half of the file keeps a run busy mid-file.
  writeFileSync(plain, randomBytes(32 * 65_536));
  sha = await sha256File(plain);
  expect(keyward(['encrypt', plain, '--owner', key('owner.pub.pem'), '--authority', key('authority.pub.pem'), '--chunk-size', '65536']).status).toBe(0);
  encrypted = readFileSync(`${plain}.keyward`);
});

const partials = (folder: string) => listDir(folder).filter((name) => name.includes('.keyward-partial-'));

/**
 * `keyward decrypt` reading a named pipe that has been fed half the file:
 * it stays mid-file, its temporary output holding verified plaintext.
 */
async function decryptMidFile(folder: string, pipeName: string): Promise<{ child: ChildProcess; writer: WriteStream; partial: string }> {
  const fifo = join(folder, pipeName);
  execFileSync('mkfifo', [fifo]);
  const before = new Set(partials(folder));
  const child = spawn(process.execPath, [BIN, 'decrypt', fifo, '--key', key('owner.pem'), '--out', join(folder, `${pipeName}.out`)], {
    env: childEnv(),
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const writer = createWriteStream(fifo);
  writer.on('error', () => undefined);
  writer.write(encrypted.subarray(0, encrypted.length / 2));
  const mine = () => partials(folder).find((name) => !before.has(name) && statSync(join(folder, name)).size > 0);
  await waitUntil(() => mine() !== undefined, 'plaintext in the partial file');
  return { child, writer, partial: mine()! };
}

describe('a decrypt killed with SIGKILL', () => {
  it('leaves a 0600 partial file that the next run in the folder removes', async () => {
    const folder = sub('sweep');
    const { child, writer, partial } = await decryptMidFile(folder, 'slow.keyward');
    expect(statSync(join(folder, partial)).mode & 0o777).toBe(0o600);

    child.kill('SIGKILL');
    const [, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    writer.destroy();
    expect(signal).toBe('SIGKILL');
    // No handler ran: the plaintext so far is still there, still 0600.
    expect(partials(folder)).toEqual([partial]);
    expect(statSync(join(folder, partial)).mode & 0o777).toBe(0o600);

    writeFileSync(join(folder, 'whole.keyward'), encrypted);
    const next = keyward(['decrypt', join(folder, 'whole.keyward'), '--key', key('owner.pem')]);
    expect(next.stderr).toBe('');
    expect(next.status).toBe(0);
    expect(listDir(folder)).toEqual(['big.bin', 'slow.keyward', 'whole.keyward']);
    expect(await sha256File(join(folder, 'big.bin'))).toBe(sha);
  });

  it('a run still going keeps its partial file while another run sweeps the folder', async () => {
    const folder = sub('concurrent');
    const killed = await decryptMidFile(folder, 'killed.keyward');
    killed.child.kill('SIGKILL');
    await once(killed.child, 'exit');
    killed.writer.destroy();
    const live = await decryptMidFile(folder, 'live.keyward');

    writeFileSync(join(folder, 'whole.keyward'), encrypted);
    expect(keyward(['decrypt', join(folder, 'whole.keyward'), '--key', key('owner.pem')]).status).toBe(0);
    // The killed run's file is gone; the live run's is untouched and it finishes.
    expect(partials(folder)).toEqual([live.partial]);
    live.writer.end(encrypted.subarray(encrypted.length / 2));
    const [code] = (await once(live.child, 'exit')) as [number | null];
    expect(code).toBe(0);
    expect(partials(folder)).toEqual([]);
    expect(await sha256File(join(folder, 'live.keyward.out'))).toBe(sha);
  });
});

describe('sweepStaleTemps', () => {
  const host = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);
  const name = (pid: number, hostTag = host) => `.x.bin.keyward-partial-${hostTag}-${String(pid)}-0123456789ab`;

  it('removes only its own names, from this host, of processes that are gone, and only files', async () => {
    const folder = sub('unit');
    const gone = spawn(process.execPath, ['-e', '']);
    await once(gone, 'exit');
    const deadPid = gone.pid!;
    const files = [
      name(deadPid),
      name(process.pid),
      name(process.ppid),
      name(deadPid, 'ffffffff'),
      `.x.bin.keyward-partial-0123456789ab`,
      `x.bin.keyward-partial-${host}-${String(deadPid)}-0123456789ab`,
      `${name(deadPid)}.bak`,
      name(0),
    ];
    for (const file of files) writeFileSync(join(folder, file), 'plaintext');
    mkdirSync(join(folder, name(deadPid).replace('x.bin', 'dir')));

    expect(await sweepStaleTemps(folder)).toEqual([name(deadPid)]);
    expect(listDir(folder)).toEqual([...files.slice(1), name(deadPid).replace('x.bin', 'dir')].sort());
    expect(await sweepStaleTemps(join(folder, 'missing'))).toEqual([]);
  });
});
