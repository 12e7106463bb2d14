/**
 * The typed protocol between the page and the crypto Worker: one operation
 * map shared by both sides. Keys travel as `CryptoKey`s (structured clone
 * keeps non-extractable keys non-extractable); files travel as `Blob`s, which
 * the Worker reads itself.
 */
import type { AnyKey, AnyKeyInfo, ErrorDetails, FileMeta, FileSummary, KeyBlob, PrivateIdentity, PrivateKeyInfo, PublicIdentity, PublicKeyInfo } from '../core/index.ts';

/** A temp file in this tab's OPFS folder (see `temp-files.ts`). */
export interface TempFile {
  session: string;
  name: string;
}

/** Where the Worker writes an output (see `output-sink.ts`); memory when absent. */
export type OutputTarget = { kind: 'memory' } | ({ kind: 'temp' } & TempFile) | { kind: 'file'; handle: FileSystemFileHandle };

export interface EncryptArgs {
  file: Blob;
  meta: FileMeta;
  owner: PublicKeyInfo;
  authority: PublicKeyInfo;
  ownerName: string;
  authorityName: string;
  description: string;
  chunkSize?: number;
  target?: OutputTarget;
}

export interface EncryptResult {
  /** The whole `.keyward` file (disk-backed for a temp or picked file). */
  output: Blob;
  /** The temp file behind `output`, removed when its row is cleared. */
  temp?: TempFile;
  fileId: string;
  serial: string;
  escrowBlob: KeyBlob;
  /** The escrow blob as offered for download. */
  escrowJson: string;
}

export type UnlockArgs =
  | { kind: 'keys'; keys: PrivateKeyInfo[] }
  | {
      /** An escrow blob (with the authority's key) or a recovery blob (with the owner's new key). */
      kind: 'blob';
      blobText: string;
      key: PrivateKeyInfo;
    };

export interface DecryptResult {
  /** The verified plaintext: handed out only after the last chunk and the size check passed. */
  output: Blob;
  temp?: TempFile;
  meta: FileMeta;
  summary: FileSummary;
}

/** Every operation the Worker runs: its arguments and its result. */
export interface Operations {
  generateKey: { args: { bits: 3072 | 4096; extractable: boolean }; result: PrivateKeyInfo };
  importKey: { args: { text: string; passphrase?: string; extractable: boolean }; result: AnyKeyInfo };
  /** A new identity (spec v2 §2): RSA and Ed25519 pairs, both private keys extractable exactly when asked. */
  generateIdentity: { args: { bits: 3072 | 4096; extractable: boolean }; result: PrivateIdentity };
  /** A v1 key or an identity, public or private, PEM or JWK. */
  importKeyOrIdentity: { args: { text: string; passphrase?: string; extractable: boolean }; result: AnyKey };
  /** A v1 key pair made an identity: a fresh Ed25519 pair (extractable exactly when asked) beside it. */
  upgradeToIdentity: { args: { key: PrivateKeyInfo; extractable: boolean }; result: PrivateIdentity };
  exportPublicIdentity: { args: { identity: PublicIdentity; format: 'pem' | 'jwk' }; result: string };
  exportPrivateIdentity: {
    args: { identity: PrivateIdentity; format: 'pem' | 'jwk' | 'encrypted-pem'; passphrase?: string };
    result: string;
  };
  exportPublicKey: { args: { key: CryptoKey; format: 'spki-pem' | 'pkcs1-pem' | 'jwk' }; result: string };
  exportPrivateKey: {
    args: { key: CryptoKey; format: 'pkcs8-pem' | 'pkcs1-pem' | 'jwk' | 'encrypted-pkcs8-pem'; passphrase?: string };
    result: string;
  };
  encrypt: { args: EncryptArgs; result: EncryptResult };
  inspectFile: { args: { file: Blob }; result: FileSummary };
  decrypt: {
    args: {
      file: Blob;
      unlock: UnlockArgs;
      target?: OutputTarget;
      /** Bytes per piece read (default about 8 MiB); tests make it small to take the reader Worker's path with small files. */
      pieceBytes?: number;
    };
    result: DecryptResult;
  };
  parseBlob: { args: { text: string }; result: KeyBlob };
  openBlob: { args: { text: string; key: PrivateKeyInfo }; result: KeyBlob };
  issueRecovery: {
    args: { escrowText: string; authority: PrivateKeyInfo; newOwner: PublicKeyInfo; ownerName?: string };
    result: { blob: KeyBlob; json: string };
  };
}

export type OperationName = keyof Operations;

export type WorkerRequest =
  | { [K in OperationName]: { id: number; op: K; args: Operations[K]['args'] } }[OperationName]
  | { id: number; op: 'cancel' };

/** An error as it crosses the Worker boundary: a code and details, never a stack. */
export interface WireError {
  code: string;
  details: ErrorDetails;
}

export type WorkerResponse =
  | { id: number; kind: 'progress'; done: number; total: number }
  | { id: number; kind: 'result'; value: unknown }
  | { id: number; kind: 'error'; error: WireError };
