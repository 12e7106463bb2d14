/**
 * The common end of `decrypt` and `recover`: open the file with some unlock
 * (own key, recovery blob, or escrow blob and authority key) and save the
 * verified plaintext. The output appears only after the last chunk and the
 * size check passed (spec §4, §7), and for a signed file only after its
 * signature verified (keyward-v2.md §3.4); any failure leaves nothing behind.
 */
import { dirname, join } from 'node:path';
import { type OpenedFile, type Unlock, escapeUnsafeChars, openFile, openSource, summarizeHeader } from '../../core/index.ts';
import { AtomicFile } from '../atomic-file.ts';
import { outputExists, storedNameTaken } from '../errors.ts';
import { READ_SIZE, openInput, pathExists } from '../node-io.ts';
import { nodeChunkCrypto } from '../node-chunk-crypto.ts';
import { outputNameFor } from '../output-name.ts';
import type { CliContext } from './command.ts';

export interface WritePlaintextOptions {
  inputPath: string;
  /** `--out`; without it, the metadata's name (cleaned) next to the input. */
  out: string | undefined;
  /** Replace an existing `--out` file; never applies to a name from the metadata. */
  force: boolean;
  /**
   * Loads the keys or blob, and whom the file must be signed by (keyward-v2.md
   * §3.4 step 2), if anyone; called after the input opened, so a missing file
   * fails before a passphrase prompt.
   */
  unlock: () => Promise<{ unlock: Unlock; expectSigner?: string | undefined }>;
}

/** What was written, for the summary. */
export interface WrittenPlaintext {
  opened: OpenedFile;
  path: string;
  size: number;
}

function defaultPath(ctx: CliContext, inputPath: string, metaName: string): string {
  const { name, asStored } = outputNameFor(metaName, inputPath);
  const path = join(dirname(inputPath), name);
  if (!asStored) {
    // Quoted with escapes: control, bidi and zero-width characters are shown, never sent to the terminal.
    ctx.notice(`keyward: the file's stored name ${escapeUnsafeChars(JSON.stringify(metaName))} is not a safe file name; saved as ${path} instead.`);
  }
  return path;
}

/**
 * Decrypts `inputPath` into a new file. Only a path the user typed (`--out`)
 * may replace a file, and only with `--force`: a name from the metadata
 * never does.
 *
 * @throws KeywardError `FILE_NOT_FOUND`, `OUTPUT_EXISTS`, `IO_ERROR`; any KeywardError of `openSource` and its plaintext
 */
export async function writePlaintext(ctx: CliContext, options: WritePlaintextOptions): Promise<WrittenPlaintext> {
  const { inputPath, out, force } = options;
  if (out !== undefined && !force && (await pathExists(out))) throw outputExists(out);
  const input = await openInput(inputPath);
  let output: AtomicFile | undefined;
  let opened: OpenedFile | undefined;
  try {
    const { unlock, expectSigner } = await options.unlock();
    const expect = { chunkCrypto: nodeChunkCrypto, ...(expectSigner === undefined ? {} : { expectSigner }) };
    // A regular file is read in pieces of known size; a pipe as a stream.
    const source = input.source();
    opened = source ? await openSource(source, unlock, { pieceBytes: READ_SIZE }, expect) : await openFile(input.stream(), unlock, {}, expect);
    const path = out ?? defaultPath(ctx, inputPath, opened.meta.name);
    const replace = out !== undefined && force;
    if (!replace && (await pathExists(path))) throw out === undefined ? storedNameTaken(path) : outputExists(path);
    output = await AtomicFile.create(path, { force: replace });
    const size = await output.writeStream(opened.plaintext);
    // The file gets its original modification time back, as tar and unzip do.
    await output.commit(opened.meta.lastModified);
    return { opened, path, size };
  } catch (error) {
    // Unread plaintext still holds the input open.
    if (opened && !opened.plaintext.locked) await opened.plaintext.cancel().catch(() => undefined);
    await output?.discard();
    throw error;
  } finally {
    await input.close().catch(() => undefined);
  }
}

/** The lines `decrypt` and `recover` print on success. */
export function printWritten(ctx: CliContext, inputPath: string, written: WrittenPlaintext, how: string): void {
  ctx.print(`decrypted   ${inputPath} -> ${written.path}  (${written.size} bytes)`);
  ctx.print(`serial      ${summarizeHeader(written.opened.parsed).serial}`);
  ctx.print(`opened with ${how}`);
  const { signer } = written.opened;
  ctx.print(`signed by   ${signer ? signer.id : 'nobody: unsigned (v1) file'}`);
}
