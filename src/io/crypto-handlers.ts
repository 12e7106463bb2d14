/**
 * The operations of the crypto Worker, as plain async functions over the
 * core. The Worker wires them to messages; tests call them in-process.
 * Outputs stream into a sink (`output-sink.ts`) and are handed back only
 * after the whole stream verified (spec §7).
 */
import {
  type PieceCipher,
  KeywardError,
  TAG_LENGTH,
  chunkLayout,
  exportPrivateKey,
  exportPublicKey,
  generateKeyPair,
  importAnyKey,
  issueRecoveryBlob,
  openBlob,
  openPieces,
  parseBlob,
  planEncryption,
  sealPieces,
  serializeBlob,
  splitFile,
  summarizeHeader,
  unlockFile,
} from '../core/index.ts';
import type { Operations, OperationName } from './crypto-protocol.ts';
import { openSink, writeToSink } from './output-sink.ts';
import { PROGRESS_INTERVAL_MS, pieceSizeFor } from './payload-part.ts';
import { runInParts } from './payload-parts.ts';
import { type PieceReader, readPieces } from './piece-reader.ts';

export interface OperationContext {
  /** Bytes of the input handled so far. */
  progress: (done: number, total: number) => void;
  /** Aborted when the user cancels. */
  signal: AbortSignal;
}

/**
 * The output of a piece cipher over pieces of a file, as a pull-based stream:
 * `prefix` first, then each piece's chunks once it is sealed or opened. The
 * piece's buffer goes back to the reader as soon as the cipher is done with
 * it. Reports how much of the input was handled (every 100 ms) and stops at
 * the next piece once cancelled.
 */
function cipherOutput(
  pieces: PieceReader,
  cipher: PieceCipher,
  context: OperationContext,
  progress: { before: number; total: number },
  prefix?: Uint8Array,
): ReadableStream<Uint8Array> {
  let done = progress.before;
  let last = Date.now();
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        if (prefix) controller.enqueue(prefix);
      },
      async pull(controller) {
        try {
          // A pull that enqueued nothing would not be called again: go on until a chunk is out.
          for (let out: Uint8Array[] = []; out.length === 0; ) {
            context.signal.throwIfAborted();
            const piece = await pieces.next();
            if (!piece) {
              for (const chunk of await cipher.finish()) controller.enqueue(chunk);
              controller.close();
              return;
            }
            done += piece.length;
            try {
              out = await cipher.push(piece);
            } finally {
              pieces.release(piece);
            }
            for (const chunk of out) controller.enqueue(chunk);
            const now = Date.now();
            if (now - last >= PROGRESS_INTERVAL_MS) {
              last = now;
              context.progress(done, progress.total);
              // Measured in Chromium: reading and WebCrypto can keep the Worker busy
              // without ever running a message task, so a Cancel would wait until the
              // end. A timer turn every report lets it through at once.
              await new Promise((resolve) => setTimeout(resolve, 0));
            }
          }
        } catch (error) {
          await pieces.cancel();
          throw error;
        }
      },
      cancel: () => pieces.cancel(),
    },
    { highWaterMark: 0 },
  );
}

/**
 * Reports progress from the parts of `runInParts` at most every 100 ms. The
 * parts yield to message tasks themselves.
 */
function throttled(context: OperationContext, before: number, total: number): (handled: number) => void {
  let last = 0;
  return (handled) => {
    const now = Date.now();
    if (now - last < PROGRESS_INTERVAL_MS) return;
    last = now;
    context.progress(before + handled, total);
  };
}

type Handler<K extends OperationName> = (args: Operations[K]['args'], context: OperationContext) => Promise<Operations[K]['result']>;

export const handlers: { [K in OperationName]: Handler<K> } = {
  generateKey: (args) => generateKeyPair(args),
  importKey: ({ text, passphrase, extractable }) => importAnyKey(text, passphrase === undefined ? { extractable } : { passphrase, extractable }),
  exportPublicKey: ({ key, format }) => exportPublicKey(key, format),
  exportPrivateKey: ({ key, format, passphrase }) => exportPrivateKey(key, format, passphrase === undefined ? {} : { passphrase }),

  async encrypt(args, context) {
    // The metadata's size is the file's: the sealer refuses a file that changes while it is read.
    const plan = await planEncryption({
      meta: { ...args.meta, size: args.file.size },
      owner: args.owner,
      authority: args.authority,
      ownerName: args.ownerName,
      authorityName: args.authorityName,
      description: args.description,
      ...(args.chunkSize === undefined ? {} : { chunkSize: args.chunkSize }),
    });
    const type = 'application/octet-stream';
    const inParts =
      args.target?.kind === 'temp' && !args.oneWorker
        ? await runInParts(
            { op: 'seal', key: plan.payloadKey, chunkSize: plan.header.chunkSize, size: args.file.size, source: args.file, prefix: plan.prefix, target: args.target, type },
            context.signal,
            throttled(context, 0, args.file.size),
          )
        : null;
    let output: Blob;
    let temp = inParts?.temp;
    if (inParts) output = inParts.output;
    else {
      const pieces = readPieces(args.file, pieceSizeFor(plan.header.chunkSize));
      const sink = await openSink(args.target, type);
      output = await writeToSink(cipherOutput(pieces, sealPieces(plan.payloadKey, plan.header.chunkSize, args.file.size), context, { before: 0, total: args.file.size }, plan.prefix), sink);
      temp = sink.temp;
    }
    return {
      output,
      ...(temp ? { temp } : {}),
      workers: inParts ? 2 : 1,
      fileId: plan.fileId,
      serial: plan.serial,
      escrowBlob: plan.escrowBlob,
      escrowJson: serializeBlob(plan.escrowBlob),
    };
  },

  async inspectFile({ file }) {
    const { parsed, payload: rest } = await splitFile(file.stream());
    await rest.cancel();
    return summarizeHeader(parsed);
  },

  async decrypt({ file, unlock, target, oneWorker }, context) {
    const { parsed, payload: rest } = await splitFile(file.stream());
    await rest.cancel();
    const { payloadKey, meta } = await unlockFile(
      parsed,
      unlock.kind === 'keys' ? { keys: unlock.keys } : { blob: parseBlob(unlock.blobText), key: unlock.key },
    );
    const { chunkSize } = parsed.header;
    const payload = file.slice(parsed.prefixSize);
    // Every sink opens only once the header verified and a key unwrapped: a wrong file leaves no temp file.
    const inParts =
      target?.kind === 'temp' && !oneWorker
        ? await runInParts(
            {
              op: 'open',
              key: payloadKey,
              chunkSize,
              size: payload.size,
              source: payload,
              target,
              type: meta.type,
              check() {
                // What `openPieces` checks at its end, for the parts together.
                const plaintext = payload.size - chunkLayout(payload.size, chunkSize, true).count * TAG_LENGTH;
                if (plaintext !== meta.size) throw new KeywardError('SIZE_MISMATCH', { expectedSize: meta.size, actualSize: plaintext });
              },
            },
            context.signal,
            throttled(context, parsed.prefixSize, file.size),
          )
        : null;
    if (inParts) return { output: inParts.output, temp: inParts.temp, workers: 2, meta, summary: summarizeHeader(parsed) };
    const opener = openPieces(payloadKey, chunkSize, payload.size, { expectedSize: meta.size });
    const pieces = readPieces(payload, pieceSizeFor(chunkSize + TAG_LENGTH));
    const sink = await openSink(target, meta.type);
    const output = await writeToSink(cipherOutput(pieces, opener, context, { before: parsed.prefixSize, total: file.size }), sink);
    return { output, ...(sink.temp ? { temp: sink.temp } : {}), workers: 1, meta, summary: summarizeHeader(parsed) };
  },

  parseBlob: ({ text }) => Promise.resolve(parseBlob(text)),

  async openBlob({ text, key }) {
    const opened = await openBlob(parseBlob(text), key);
    opened.fileKey.fill(0);
    return opened.blob;
  },

  async issueRecovery({ escrowText, authority, newOwner, ownerName }) {
    const blob = await issueRecoveryBlob(parseBlob(escrowText, 'keyward-escrow/1'), authority, {
      newOwner,
      ...(ownerName === undefined ? {} : { ownerName }),
    });
    return { blob, json: serializeBlob(blob) };
  },
};

/**
 * Runs one operation by name. Always a promise: a handler that throws at once
 * (a blob that is not JSON) rejects it, instead of escaping the Worker's
 * message handler as an uncaught error that would fail every running operation.
 */
export async function runOperation<K extends OperationName>(op: K, args: Operations[K]['args'], context: OperationContext): Promise<Operations[K]['result']> {
  return (handlers[op] as Handler<K>)(args, context);
}
