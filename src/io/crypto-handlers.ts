/**
 * The operations of the crypto Worker, as plain async functions over the
 * core. The Worker wires them to messages; tests call them in-process.
 * Outputs stream into a sink (`output-sink.ts`) and are handed back only
 * after the whole stream verified (spec §7).
 */
import {
  type EscrowBlobV2,
  KeywardError,
  type PieceHooks,
  type PrivateIdentity,
  type Unlock,
  encryptSource,
  exportPrivateIdentity,
  exportPrivateKey,
  exportPublicIdentity,
  exportPublicKey,
  generateIdentity,
  generateKeyPair,
  identityFromKeyPair,
  checkEscrowBlob,
  importAnyKey,
  importAnyKeyOrIdentity,
  isKeywardError,
  issueReceipt,
  issueRecoveryV2,
  issueRecoveryBlob,
  openBlob,
  verifyReceipt,
  openSource,
  parseBlob,
  parseCouncil,
  parsePartialRecovery,
  parseSignedObject,
  readHeader,
  serializeBlob,
  serializeSigned,
  summarizeHeader,
  // councils: desk
  checkEscrowAsMember,
  createCouncil,
  drillPassed,
  issuePartialRecovery,
  runDrill,
  serializeCouncil,
  type Council,
  // councils: desk end
} from '../core/index.ts';
import type { CouncilSummary, Operations, OperationName, UnlockArgs, WireError } from './crypto-protocol.ts';
import { type OutputSink, openSink, writeToSink } from './output-sink.ts';
import { PIECE_BYTES } from './piece-reader.ts';
import { blobSource } from './remote-pieces.ts';

export interface OperationContext {
  /** Bytes of the input handled so far. */
  progress: (done: number, total: number) => void;
  /** Aborted when the user cancels. */
  signal: AbortSignal;
}

/** Report progress at most this often, to keep messages cheap. */
const PROGRESS_INTERVAL_MS = 100;

/**
 * What the Worker does between pieces: stop once cancelled, and report how
 * much of the input was handled every 100 ms.
 */
function pieceHooks(context: OperationContext, pieceBytes = PIECE_BYTES): PieceHooks {
  let last = Date.now();
  return {
    pieceBytes,
    async beforePiece(done, total) {
      context.signal.throwIfAborted();
      const now = Date.now();
      if (now - last < PROGRESS_INTERVAL_MS) return;
      last = now;
      context.progress(done, total);
      // Measured in Chromium: reading and WebCrypto can keep the Worker busy
      // without ever running a message task, so a Cancel would wait until the
      // end. A timer turn every report lets it through at once.
      await new Promise((resolve) => setTimeout(resolve, 0));
      context.signal.throwIfAborted();
    },
  };
}

/** Opens a sink for `output`; if that fails, `output` is cancelled, which stops its reading. */
async function openSinkOrCancel(output: ReadableStream<Uint8Array>, ...args: Parameters<typeof openSink>): Promise<OutputSink> {
  try {
    return await openSink(...args);
  } catch (error) {
    await output.cancel();
    throw error;
  }
}

/** What the core's `openSource` takes to unlock the file, from what crossed to the Worker. */
function unlockFor(unlock: UnlockArgs): Unlock {
  switch (unlock.kind) {
    case 'escrow-v2':
      return escrowUnlock(unlock);
    case 'keys':
      return { keys: unlock.keys };
    case 'blob':
      return { blob: parseBlob(unlock.blobText), key: unlock.key };
    case 'recovery-v2': {
      const parsed = parseSignedObject(unlock.blobText);
      if (parsed.kind !== 'recovery-v2') throw new KeywardError('NOT_RECOVERY_BLOB');
      return { recovery: parsed.blob, key: unlock.key, trusted: unlock.trusted };
    }
    // councils: owner
    case 'partials':
      return { partials: unlock.blobTexts.map((text) => parsePartialRecovery(text)), key: unlock.key, councils: unlock.councils };
  }
}

type Handler<K extends OperationName> = (args: Operations[K]['args'], context: OperationContext) => Promise<Operations[K]['result']>;

export const handlers: { [K in OperationName]: Handler<K> } = {
  generateKey: (args) => generateKeyPair(args),
  importKey: ({ text, passphrase, extractable }) => importAnyKey(text, passphrase === undefined ? { extractable } : { passphrase, extractable }),
  exportPublicKey: ({ key, format }) => exportPublicKey(key, format),
  exportPrivateKey: ({ key, format, passphrase }) => exportPrivateKey(key, format, passphrase === undefined ? {} : { passphrase }),
  generateIdentity: (args) => generateIdentity(args),
  importKeyOrIdentity: ({ text, passphrase, extractable }) =>
    importAnyKeyOrIdentity(text, passphrase === undefined ? { extractable } : { passphrase, extractable }),
  upgradeToIdentity: ({ key, extractable }) => identityFromKeyPair(key, { extractable }),
  exportPublicIdentity: ({ identity, format }) => exportPublicIdentity(identity, format),
  exportPrivateIdentity: ({ identity, format, passphrase }) => exportPrivateIdentity(identity, format, passphrase === undefined ? {} : { passphrase }),

  async encrypt(args, context) {
    // The metadata's size is the file's: the output fails if the file changes while it is read.
    const encrypted = await encryptSource(
      blobSource(args.file),
      {
        meta: args.meta,
        owner: args.owner,
        authority: args.authority,
        ...(args.signer ? { signer: args.signer } : {}),
        ownerName: args.ownerName,
        authorityName: args.authorityName,
        description: args.description,
        ...(args.chunkSize === undefined ? {} : { chunkSize: args.chunkSize }),
      },
      pieceHooks(context),
    );
    const sink = await openSinkOrCancel(encrypted.stream, args.target, 'application/octet-stream', args.file.size);
    const output = await writeToSink(encrypted.stream, sink);
    // A signed file's escrow blob carries the payload digest and the file signature: it exists only once the stream ended.
    const { escrowBlob } = await encrypted.done;
    return {
      output,
      ...(sink.temp ? { temp: sink.temp } : {}),
      fileId: encrypted.fileId,
      serial: encrypted.serial,
      escrowBlob,
      escrowJson: escrowBlob.format === 'keyward-escrow/2' ? serializeSigned(escrowBlob) : serializeBlob(escrowBlob),
    };
  },

  async inspectFile({ file }) {
    return summarizeHeader((await readHeader(blobSource(file))).parsed);
  },

  async decrypt({ file, unlock, target, pieceBytes }, context) {
    const opened = await openSource(blobSource(file), unlockFor(unlock), pieceHooks(context, pieceBytes));
    // The sink opens only once the header verified and a key unwrapped: a wrong file leaves no temp file.
    // Its size is the payload's, which bounds the plaintext whatever the metadata says.
    const sink = await openSinkOrCancel(opened.plaintext, target, opened.meta.type, opened.payloadSize);
    const output = await writeToSink(opened.plaintext, sink);
    return {
      output,
      ...(sink.temp ? { temp: sink.temp } : {}),
      meta: opened.meta,
      summary: summarizeHeader(opened.parsed),
      signer: opened.signer?.id ?? null,
    };
  },

  parseBlob: ({ text }) => Promise.resolve(parseBlob(text)),

  async verifyReceipt({ receiptText, escrowText }) {
    const receipt = parseSignedObject(receiptText);
    if (receipt.kind !== 'receipt') throw new KeywardError('NOT_A_RECEIPT');
    const escrow = parseSignedObject(escrowText);
    // A v1 blob has no receipt: no receipt can be for it.
    if (escrow.kind !== 'escrow-v2') throw new KeywardError('BLOB_MISMATCH');
    await verifyReceipt(receipt.receipt, escrow.blob);
    return receipt.receipt;
  },

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

  parseSigned: ({ text }) => Promise.resolve(parseSignedObject(text)),

  async checkEscrow({ text, authority }) {
    const checked = await checkEscrowBlob(escrowV2(text), authority);
    return { blob: checked.blob, ownerId: checked.owner.id, ownerKeyId: checked.owner.encryption.keyId };
  },

  // spec v2 §5 and §6: the core checks the blob whole (§4) before it issues anything from it.
  async issueReceipt({ escrowText, authority, name }) {
    const receipt = await issueReceipt(escrowV2(escrowText), authority, { name });
    return { serial: receipt.serial, json: serializeSigned(receipt) };
  },

  async issueRecoveryV2({ escrowText, authority, newOwner, ownerName, name }) {
    const blob = await issueRecoveryV2(escrowV2(escrowText), authority, { newOwner, name, ...(ownerName === undefined ? {} : { ownerName }) });
    return { blob, json: serializeSigned(blob) };
  },

  // councils: owner
  parseCouncil: ({ text }) => parseCouncil(text),

  // councils: desk
  async createCouncil({ name, threshold, members }) {
    const council = await createCouncil({ name, threshold, members });
    return { ...councilSummary(council), json: serializeCouncil(council) };
  },

  async checkEscrowAsMember({ text, member }) {
    const checked = await checkEscrowAsMember(escrowV2(text), member);
    return {
      blob: checked.blob,
      ownerId: checked.owner.id,
      ownerKeyId: checked.owner.encryption.keyId,
      council: councilSummary(checked.council),
      index: checked.index,
      provesKey: checked.provesKey,
    };
  },

  // spec v2 §8.4: the core issues it only from a blob this member's check (§8.3 checks 1–8) passes.
  async issuePartial({ escrowText, member, newOwner, ownerName, name }) {
    const blob = await issuePartialRecovery(escrowV2(escrowText), member, { newOwner, name, ...(ownerName === undefined ? {} : { ownerName }) });
    return { blob, json: serializeSigned(blob) };
  },

  async runDrill({ blobs, members }) {
    const report = await runDrill(blobs, members);
    return { report, json: serializeSigned(report), passed: drillPassed(report) };
  },
  // councils: desk end
};

// councils: desk
/** What the page shows of a council: no keys cross back. */
function councilSummary(council: Council): CouncilSummary {
  return { id: council.id, name: council.name, threshold: council.threshold, members: council.members.map((m) => ({ name: m.name, id: m.id })) };
}
// councils: desk end

/**
 * The authority opens a file with a signed escrow blob: the core checks the
 * blob whole (spec v2 §4), requires the file to be the one it names
 * (`BLOB_MISMATCH`) and checks the file's own signature to its end.
 */
function escrowUnlock({ blobText, authority }: { blobText: string; authority: PrivateIdentity }): Unlock {
  return { escrow: escrowV2(blobText), authority };
}

/** A v2 escrow blob's text, parsed strictly (spec v2 §4 check 1); any other object is `MALFORMED`. */
function escrowV2(text: string): EscrowBlobV2 {
  const parsed = parseSignedObject(text);
  if (parsed.kind !== 'escrow-v2') throw new KeywardError('MALFORMED', { reason: 'not a v2 escrow blob' });
  return parsed.blob;
}

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

