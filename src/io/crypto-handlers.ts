/**
 * The operations of the crypto Worker, as plain async functions over the
 * core. The Worker wires them to messages; tests call them in-process.
 * Outputs that are offered to the user are assembled only after the whole
 * stream verified (spec §7).
 */
import {
  encryptFile,
  exportPrivateKey,
  exportPublicKey,
  generateKeyPair,
  importAnyKey,
  isKeywardError,
  issueRecoveryBlob,
  openBlob,
  openFile,
  parseBlob,
  serializeBlob,
  splitFile,
  summarizeHeader,
} from '../core/index.ts';
import type { Operations, OperationName, WireError } from './crypto-protocol.ts';

export interface OperationContext {
  /** Bytes of the input handled so far. */
  progress: (done: number, total: number) => void;
  /** Aborted when the user cancels. */
  signal: AbortSignal;
}

/** Report progress at most this often, to keep messages cheap. */
const PROGRESS_INTERVAL_MS = 100;

/** A stream of the blob that reports how much of it has been read, and stops on cancel. */
function readWithProgress(blob: Blob, context: OperationContext): ReadableStream<Uint8Array> {
  let done = 0;
  let last = 0;
  const counter = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      if (context.signal.aborted) {
        controller.error(context.signal.reason);
        return;
      }
      done += chunk.length;
      const now = Date.now();
      if (now - last >= PROGRESS_INTERVAL_MS) {
        last = now;
        context.progress(done, blob.size);
      }
      controller.enqueue(chunk);
    },
    flush() {
      context.progress(done, blob.size);
    },
  });
  return blob.stream().pipeThrough(counter, { signal: context.signal });
}

/** Reads a stream into a Blob; nothing is returned unless the stream ended cleanly. */
async function collectVerified(stream: ReadableStream<Uint8Array>, type = ''): Promise<Blob> {
  const parts: Uint8Array<ArrayBuffer>[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value as Uint8Array<ArrayBuffer>);
  }
  return new Blob(parts, { type });
}

type Handler<K extends OperationName> = (args: Operations[K]['args'], context: OperationContext) => Promise<Operations[K]['result']>;

export const handlers: { [K in OperationName]: Handler<K> } = {
  generateKey: (args) => generateKeyPair(args),
  importKey: ({ text, passphrase, extractable }) => importAnyKey(text, passphrase === undefined ? { extractable } : { passphrase, extractable }),
  exportPublicKey: ({ key, format }) => exportPublicKey(key, format),
  exportPrivateKey: ({ key, format, passphrase }) => exportPrivateKey(key, format, passphrase === undefined ? {} : { passphrase }),

  async encrypt(args, context) {
    const encrypted = await encryptFile(readWithProgress(args.file, context), {
      meta: args.meta,
      owner: args.owner,
      authority: args.authority,
      ownerName: args.ownerName,
      authorityName: args.authorityName,
      description: args.description,
      ...(args.chunkSize === undefined ? {} : { chunkSize: args.chunkSize }),
    });
    const output = await collectVerified(encrypted.stream, 'application/octet-stream');
    return {
      output,
      fileId: encrypted.fileId,
      serial: encrypted.serial,
      escrowBlob: encrypted.escrowBlob,
      escrowJson: serializeBlob(encrypted.escrowBlob),
    };
  },

  async inspectFile({ file }) {
    const { parsed, payload } = await splitFile(file.stream());
    await payload.cancel();
    return summarizeHeader(parsed);
  },

  async decrypt({ file, unlock }, context) {
    const source = readWithProgress(file, context);
    const opened = await openFile(
      source,
      unlock.kind === 'keys' ? { keys: unlock.keys } : { blob: parseBlob(unlock.blobText), key: unlock.key },
    );
    const output = await collectVerified(opened.plaintext, opened.meta.type);
    return { output, meta: opened.meta, summary: summarizeHeader(opened.parsed) };
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

/** Runs one operation by name. */
export function runOperation<K extends OperationName>(op: K, args: Operations[K]['args'], context: OperationContext): Promise<Operations[K]['result']> {
  return (handlers[op] as Handler<K>)(args, context);
}

/** Turns anything thrown into what may cross to the page: a code and details, never a stack. */
export function toWireError(error: unknown, signal?: AbortSignal): WireError {
  if (signal?.aborted) return { code: 'CANCELLED', details: {} };
  if (isKeywardError(error)) return { code: error.code, details: error.details };
  if (error instanceof RangeError || error instanceof TypeError) return { code: 'INTERNAL', details: { reason: error.message } };
  return { code: 'INTERNAL', details: {} };
}

