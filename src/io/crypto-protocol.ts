/**
 * The typed protocol between the page and the crypto Worker: one operation
 * map shared by both sides. Keys travel as `CryptoKey`s (structured clone
 * keeps non-extractable keys non-extractable); files travel as `Blob`s, which
 * the Worker reads itself.
 */
import type {
  AnyKey,
  Bytes,
  DrillReport,
  PartialRecoveryBlob,
  AnyKeyInfo,
  Council,
  ErrorDetails,
  EscrowBlobV2,
  FileMeta,
  FileSummary,
  KeyBlob,
  PrivateIdentity,
  PrivateKeyInfo,
  PublicIdentity,
  PublicKeyInfo,
  ReceiptV2,
  RecoveryBlobV2,
  parseSignedObject,
} from '../core/index.ts';

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
  /** An identity: the file is signed, a v2 file (spec v2 §3); `owner` must be its RSA key. Absent: a v1 file. */
  signer?: PrivateIdentity;
  /**
   * An identity gets a signed v2 escrow blob (spec v2 §4) when the file is signed; a v1 key a v1 blob;
   * a council (councils: owner) a council escrow blob (spec v2 §8.3), which needs `signer`.
   */
  authority: PublicKeyInfo | PublicIdentity | Council;
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
  escrowBlob: KeyBlob | EscrowBlobV2;
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
    }
  | {
      /** A signed (v2) escrow blob, checked whole (spec v2 §4) with the authority's identity before it opens the file. */
      kind: 'escrow-v2';
      blobText: string;
      authority: PrivateIdentity;
    }
  | {
      /**
       * A signed recovery blob (spec v2 §6) for the owner's key: it opens the
       * file only if its issuer is one of `trusted` (the identity IDs of the
       * authorities the owner pinned), else `SIGNER_UNTRUSTED`.
       */
      kind: 'recovery-v2';
      blobText: string;
      key: PrivateKeyInfo;
      trusted: readonly string[];
    }
  // councils: owner
  | {
      /**
       * Partial recovery blobs from council members (spec v2 §8.4), each text
       * parsed strictly: they open the file only if they come from at least k
       * distinct members of one of `councils` (the councils the owner pinned,
       * whose threshold counts, never a partial's word).
       */
      kind: 'partials';
      blobTexts: readonly string[];
      key: PrivateKeyInfo;
      councils: readonly Council[];
    };

export interface DecryptResult {
  /** The verified plaintext: handed out only after the last chunk and the size check passed. */
  output: Blob;
  temp?: TempFile;
  meta: FileMeta;
  summary: FileSummary;
  /** The identity ID that signed the file (a v2 file, its signature verified), or null for an unsigned v1 file. */
  signer: string | null;
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
  /**
   * Checks an authority's receipt (spec v2 §5) against the escrow blob it
   * names, as the owner stored it: the receipt when it verifies, else the
   * code of the first check that failed.
   */
  verifyReceipt: { args: { receiptText: string; escrowText: string }; result: ReceiptV2 };
  openBlob: { args: { text: string; key: PrivateKeyInfo }; result: KeyBlob };
  issueRecovery: {
    args: { escrowText: string; authority: PrivateKeyInfo; newOwner: PublicKeyInfo; ownerName?: string };
    result: { blob: KeyBlob; json: string };
  };
  // The authority's v2 operations (spec v2 §4–§6). Each takes the escrow blob's text and checks it
  // whole (§4, in order) before it answers, so nothing is issued for a blob that was not checked.
  /** Any signed object or v1 blob, parsed strictly (spec v2 §1), without checking a signature. */
  parseSigned: { args: { text: string }; result: ReturnType<typeof parseSignedObject> };
  /** Spec v2 §4 checks 1–8; resolves to what the good blob proved, or rejects with the first failure's code. */
  checkEscrow: { args: { text: string; authority: PrivateIdentity }; result: EscrowCheckResult };
  /** A signed receipt (spec v2 §5) for a good blob. */
  issueReceipt: { args: { escrowText: string; authority: PrivateIdentity; name: string }; result: { serial: string; json: string } };
  /** A signed recovery blob (spec v2 §6) for the owner's new identity, from a good blob. */
  issueRecoveryV2: {
    args: { escrowText: string; authority: PrivateIdentity; newOwner: PublicIdentity; ownerName?: string; name: string };
    result: { blob: RecoveryBlobV2; json: string };
  };
  // councils: owner
  /** A council descriptor (spec v2 §8.1), parsed strictly, with its council ID computed here. */
  parseCouncil: { args: { text: string }; result: Council };

  // councils: desk (spec v2 §8.1, §8.3, §8.4, §8.5): a council set up, one member's check and partial, a drill.
  /** A council descriptor (§8.1) from named public identities: its ID and the canonical `.keyward-council.json` text. */
  createCouncil: {
    args: { name: string; threshold: number; members: { name: string; identity: PublicIdentity }[] };
    result: CouncilSummary & { json: string };
  };
  /** §8.3 checks 1–8 with one member's identity; rejects with the first failure's code. */
  checkEscrowAsMember: { args: { text: string; member: PrivateIdentity }; result: MemberCheckResult };
  /** A signed partial recovery blob (§8.4) for the owner's new identity, from a blob the member's check passes. */
  issuePartial: {
    args: { escrowText: string; member: PrivateIdentity; newOwner: PublicIdentity; ownerName?: string; name: string };
    result: { blob: PartialRecoveryBlob; json: string };
  };
  /** A drill (§8.5) of the members present over the blobs' bytes as read: the signed report, or QUORUM_NOT_MET / NO_MATCHING_KEY. */
  runDrill: { args: { blobs: { bytes: Bytes }[]; members: PrivateIdentity[] }; result: { report: DrillReport; json: string; passed: boolean } };
  // councils: desk end
}

// councils: desk
/** A council as the desk shows it (spec v2 §8.1): name, threshold, members in order, and its ID. */
export interface CouncilSummary {
  id: string;
  name: string;
  threshold: number;
  members: { name: string; id: string }[];
}

/** What one member's check of a council blob proved (spec v2 §8.3): who signed it, for which file, and where the member sits. */
export interface MemberCheckResult extends EscrowCheckResult {
  council: CouncilSummary;
  /** The checker's place in the council (1-based). */
  index: number;
  /** k = 1: the member's share alone is the key, and check 8 opened the header. */
  provesKey: boolean;
}
// councils: desk end

/** What a good v2 escrow blob proved (spec v2 §4): who signed it, and the file it opens. */
export interface EscrowCheckResult {
  blob: EscrowBlobV2;
  /** The owner's identity ID and the key ID of its RSA key (a recovery blob is never issued back to it). */
  ownerId: string;
  ownerKeyId: string;
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
