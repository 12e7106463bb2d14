/**
 * The operations of the crypto Worker, as plain async functions over the
 * core. The Worker wires them to messages; tests call them in-process.
 * Outputs stream into a sink (`output-sink.ts`) and are handed back only
 * after the whole stream verified (spec §7).
 */
import {
  type PieceCipher,
  TAG_LENGTH,
  exportPrivateKey,
  exportPublicKey,
  generateKeyPair,
  importAnyKey,
  isKeywardError,
  issueRecoveryBlob,
  openBlob,
  openPieces,
  parseBlob,
  planEncryption,
  serializeBlob,
  splitFile,
  summarizeHeader,
  unlockFile,
} from '../core/index.ts';
import type { Operations, OperationName, WireError } from './crypto-protocol.ts';
import { openSink, writeToSink } from './output-sink.ts';
import { PIECE_BYTES, type PieceReader } from './piece-reader.ts';
import { readPiecesOffThread } from './remote-pieces.ts';

export interface OperationContext {
  /** Bytes of the input handled so far. */
  progress: (done: number, total: number) => void;
  /** Aborted when the user cancels. */
  signal: AbortSignal;
}

/** Report progress at most this often, to keep messages cheap. */
const PROGRESS_INTERVAL_MS = 100;

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

/** Pieces of whole chunks (about 8 MiB), so that no chunk straddles two pieces. */
const pieceSizeFor = (chunkLength: number) => chunkLength * Math.max(1, Math.floor(PIECE_BYTES / chunkLength));

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
    const pieces = readPiecesOffThread(args.file, pieceSizeFor(plan.header.chunkSize));
    const sink = await openSink(args.target, 'application/octet-stream', args.file.size);
    const output = await writeToSink(cipherOutput(pieces, plan.sealer(), context, { before: 0, total: args.file.size }, plan.prefix), sink);
    return {
      output,
      ...(sink.temp ? { temp: sink.temp } : {}),
      fileId: plan.fileId,
      serial: plan.serial,
      escrowBlob: plan.escrowBlob,
      escrowJson: serializeBlob(plan.escrowBlob),
    };
  },

  async inspectFile({ file }) {
    const { parsed, payload } = await splitFile(file.stream());
    await payload.cancel();
    return summarizeHeader(parsed);
  },

  async decrypt({ file, unlock, target }, context) {
    const { parsed, payload } = await splitFile(file.stream());
    await payload.cancel();
    const { payloadKey, meta } = await unlockFile(
      parsed,
      unlock.kind === 'keys' ? { keys: unlock.keys } : { blob: parseBlob(unlock.blobText), key: unlock.key },
    );
    const { chunkSize } = parsed.header;
    const payloadSize = file.size - parsed.prefixSize;
    const opener = openPieces(payloadKey, chunkSize, payloadSize, { expectedSize: meta.size });
    const pieces = readPiecesOffThread(file.slice(parsed.prefixSize), pieceSizeFor(chunkSize + TAG_LENGTH));
    // The sink opens only once the header verified and a key unwrapped: a wrong file leaves no temp file.
    // Its size is the payload's, which bounds the plaintext whatever the metadata says.
    const sink = await openSink(target, meta.type, payloadSize);
    const output = await writeToSink(cipherOutput(pieces, opener, context, { before: parsed.prefixSize, total: file.size }), sink);
    return { output, ...(sink.temp ? { temp: sink.temp } : {}), meta, summary: summarizeHeader(parsed) };
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

/** Turns anything thrown into what may cross to the page: a code and details, never a stack. */
export function toWireError(error: unknown, signal?: AbortSignal): WireError {
  if (signal?.aborted) return { code: 'CANCELLED', details: {} };
  if (isKeywardError(error)) return { code: error.code, details: error.details };
  if (error instanceof DOMException && error.name === 'NotReadableError') return { code: 'FILE_UNREADABLE', details: {} };
  if (error instanceof RangeError || error instanceof TypeError) return { code: 'INTERNAL', details: { reason: error.message } };
  return { code: 'INTERNAL', details: {} };
}

