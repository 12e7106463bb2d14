/**
 * The parts of `keyward` that need a terminal, a pipe or a signal: the
 * no-echo passphrase prompt (driven through a pseudo-terminal by a small
 * Python script, skipped where Python is missing), an input that changes
 * size while read, and the clean-up of a partial output file on SIGINT.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { exportPrivateIdentity, exportPublicIdentity, identityFromKeyPair, importPrivateKey } from '../core/index.ts';
import { BIN, buildCli, childEnv, key, keyward, listDir, makeTempDir, waitUntil } from './test-support.ts';

let dir: string;
const PASSPHRASE = readFileSync(key('owner-encrypted.passphrase.txt'), 'utf8').trim();

/**
 * Runs a command on a pseudo-terminal, typing one answer at each passphrase
 * prompt, and prints everything the terminal showed.
 */
const PTY_DRIVER = String.raw`
import os, pty, select, sys
answers = [a for a in os.environ['PTY_ANSWERS'].split('\n')] if os.environ.get('PTY_ANSWERS') else []
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
out = b''
typed = 0
while True:
    try:
        ready, _, _ = select.select([fd], [], [], 60)
        if not ready:
            break
        data = os.read(fd, 4096)
    except OSError:
        break
    if not data:
        break
    out += data
    prompts = out.lower().count(b'passphrase for ') + out.count(b'Type it again: ')
    while typed < prompts and typed < len(answers):
        os.write(fd, answers[typed].encode() + b'\r')
        typed += 1
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode('utf8', 'replace'))
sys.exit(os.waitstatus_to_exitcode(status))
`;

const hasPython = spawnSync('python3', ['-c', 'import pty'], { stdio: 'ignore' }).status === 0;

/** Runs `keyward ARGS` on a terminal, answering the prompts in order. */
function onTerminal(args: readonly string[], answers: readonly string[]): { status: number | null; screen: string } {
  const result = spawnSync('python3', ['-c', PTY_DRIVER, process.execPath, BIN, ...args], {
    env: childEnv({ PTY_ANSWERS: answers.join('\n') }),
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: result.status, screen: result.stdout };
}

beforeAll(() => {
  buildCli();
  dir = makeTempDir('cli-terminal');
  const input = join(dir, 'e.txt');
  writeFileSync(input, 'for the encrypted key');
  const result = keyward(['encrypt', input, '--owner', key('owner-encrypted.pub.pem'), '--authority', key('authority.pub.pem')]);
  expect(result.status).toBe(0);
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!hasPython)('the passphrase prompt on a terminal', () => {
  const decryptArgs = (out: string) => ['decrypt', join(dir, 'e.txt.keyward'), '--key', key('owner-encrypted.pem'), '--out', join(dir, out)];

  it('asks, does not echo, and decrypts', () => {
    const { status, screen } = onTerminal(decryptArgs('typed.txt'), [PASSPHRASE]);
    expect(screen).toMatch(/Passphrase for --key .*owner-encrypted\.pem: /);
    expect(screen).not.toContain(PASSPHRASE);
    expect(status).toBe(0);
    expect(readFileSync(join(dir, 'typed.txt'), 'utf8')).toBe('for the encrypted key');
  });

  it('asks again after a wrong passphrase, three times at most', () => {
    const retried = onTerminal(decryptArgs('retried.txt'), ['nope', PASSPHRASE]);
    expect(retried.screen).toContain('That passphrase is wrong; try again.');
    expect(retried.status).toBe(0);
    const failed = onTerminal(decryptArgs('never.txt'), ['one', 'two', 'three']);
    expect(failed.status).toBe(1);
    expect(failed.screen).toMatch(/PASSPHRASE_WRONG: /);
    expect(listDir(dir)).not.toContain('never.txt');
  });

  it('Ctrl-C at the prompt: INTERRUPTED, status 130, nothing written', () => {
    const { status, screen } = onTerminal(decryptArgs('interrupted.txt'), ['\u0003']);
    expect(status).toBe(130);
    expect(screen).toMatch(/INTERRUPTED: /);
    expect(listDir(dir)).not.toContain('interrupted.txt');
  });

  it('keygen --passphrase asks twice and refuses two different answers', () => {
    const prefix = join(dir, 'k');
    const mismatch = onTerminal(['keygen', '--out', prefix, '--passphrase'], ['first secret', 'second secret']);
    expect(mismatch.status).toBe(1);
    expect(mismatch.screen).toMatch(/PASSPHRASE_MISMATCH: /);
    expect(listDir(dir).filter((name) => name.startsWith('k.'))).toEqual([]);
    const made = onTerminal(['keygen', '--out', prefix, '--passphrase'], ['same secret', 'same secret']);
    expect(made.status).toBe(0);
    expect(made.screen).not.toContain('same secret');
    expect(readFileSync(`${prefix}.pem`, 'utf8')).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    expect(statSync(`${prefix}.pem`).mode & 0o777).toBe(0o600);
  });

  it('keygen --passphrase refuses a passphrase under 8 characters at the first prompt', () => {
    const prefix = join(dir, 'short');
    const short = onTerminal(['keygen', '--out', prefix, '--passphrase'], ['  1234567  ']);
    expect(short.status).toBe(1);
    expect(short.screen).toMatch(/PASSPHRASE_SHORT: Choose a passphrase of at least 8 characters/);
    expect(short.screen).not.toContain('Type it again');
    expect(listDir(dir).filter((name) => name.startsWith('short.'))).toEqual([]);
  });
});

describe.skipIf(!hasPython)('several encrypted keys on a terminal (a council ceremony)', () => {
  it('asks once per encrypted key file, naming each, and opens the file with both', async () => {
    const folder = join(dir, 'ceremony');
    mkdirSync(folder);
    const passphrases = { a: 'alpha secret 1', b: 'bravo secret 2' } as const;
    const fixtures = { a: 'authority', b: 'stranger', owner: 'owner' } as const;
    for (const [name, fixture] of Object.entries(fixtures)) {
      const rsa = await importPrivateKey(readFileSync(key(`${fixture}.pem`), 'utf8'), { extractable: true });
      const identity = await identityFromKeyPair(rsa, { extractable: true });
      const passphrase = name === 'a' || name === 'b' ? passphrases[name] : undefined;
      const text = passphrase === undefined ? await exportPrivateIdentity(identity, 'pem') : await exportPrivateIdentity(identity, 'encrypted-pem', { passphrase, iterations: 10_000 });
      writeFileSync(join(folder, `${name}.pem`), text, { mode: 0o600 });
      writeFileSync(join(folder, `${name}.pub.pem`), await exportPublicIdentity(identity, 'pem'));
    }
    const council = join(folder, 'council.json');
    const at = (name: string) => join(folder, name);
    expect(keyward(['council', 'create', '--member', at('a.pub.pem'), '--member', at('b.pub.pem'), '--threshold', '2', '--name', 'Two', '--out', council]).status).toBe(0);
    writeFileSync(at('plain.txt'), 'opened by two');
    expect(keyward(['encrypt', at('plain.txt'), '--owner', at('owner.pub.pem'), '--sign', at('owner.pem'), '--authority', council]).status).toBe(0);
    const args = ['recover', at('plain.txt.keyward'), '--escrow', at('plain.txt.keyward-escrow.json'), '--authority-key', at('a.pem'), '--authority-key', at('b.pem'), '--out', at('out.txt')];
    const { status, screen } = onTerminal(args, [passphrases.a, passphrases.b]);
    expect(screen).toMatch(/Passphrase for --authority-key .*a\.pem: [^]*Passphrase for --authority-key .*b\.pem: /);
    expect(screen).not.toContain(passphrases.a);
    expect(status).toBe(0);
    expect(readFileSync(at('out.txt'), 'utf8')).toBe('opened by two');
  });
});

describe('named pipes: failures and signals mid-file', () => {
  it('encrypt: input that is not the size it had when opened is SIZE_MISMATCH, and neither output is left', async () => {
    const folder = join(dir, 'growing');
    mkdirSync(folder);
    // A pipe stats as 0 bytes and then delivers more: as a file that grows while it is read.
    const fifo = join(folder, 'growing.txt');
    execFileSync('mkfifo', [fifo]);
    const child = spawn(process.execPath, [BIN, 'encrypt', fifo, '--owner', key('owner.pub.pem'), '--authority', key('authority.pub.pem')], {
      env: childEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    const writer = createWriteStream(fifo);
    writer.on('error', () => undefined);
    writer.end('more than zero bytes');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(1);
    expect(stderr.split('\n')[0]).toMatch(/^SIZE_MISMATCH: /);
    expect(stderr).toContain('the file changed while it was read');
    expect(listDir(folder)).toEqual(['growing.txt']);
  });

  it('removes the partial output, says INTERRUPTED: and ends by the signal', async () => {
    const folder = join(dir, 'interrupt');
    mkdirSync(folder);
    const plain = join(folder, 'big.bin');
    writeFileSync(plain, randomBytes(16 * 65_536));
    expect(keyward(['encrypt', plain, '--owner', key('owner.pub.pem'), '--authority', key('authority.pub.pem'), '--chunk-size', '65536']).status).toBe(0);
    const encrypted = readFileSync(`${plain}.keyward`);
    rmSync(folder, { recursive: true });
    mkdirSync(folder);

    // A named pipe as input: the CLI blocks mid-file, with its temporary output open.
    const fifo = join(folder, 'slow.keyward');
    execFileSync('mkfifo', [fifo]);
    const child: ChildProcess = spawn(process.execPath, [BIN, 'decrypt', fifo, '--key', key('owner.pem'), '--out', join(folder, 'out.bin')], {
      env: childEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (data: Buffer) => (stderr += data.toString()));
    const writer = createWriteStream(fifo);
    writer.on('error', () => undefined);
    writer.write(encrypted.subarray(0, encrypted.length / 2));
    await waitUntil(() => listDir(folder).some((name) => name.includes('.keyward-partial-')), 'the partial file');

    onTestFinished(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    child.kill('SIGINT');
    // The CLI cleans up, then dies by the signal itself (a shell shows status 130).
    const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    writer.destroy();
    expect({ code, signal }).toEqual({ code: null, signal: 'SIGINT' });
    expect(stderr.split('\n')[0]).toMatch(/^INTERRUPTED: /);
    expect(listDir(folder)).toEqual(['slow.keyward']);
  });
});
