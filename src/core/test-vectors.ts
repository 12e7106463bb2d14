/**
 * The shape of the manifest's format v2 part (written by
 * scripts/make-vectors-v2.ts), for the runners that take every v2 vector
 * through the core, the CLI and the crypto Worker. Test code only.
 */

/** A v2 entry of the manifest: the files it names are in testdata/vectors; `key`, `expectSigner` and `trusted` name identities. */
export interface V2Vector {
  name: string;
  kind: 'file' | 'verify' | 'escrow' | 'receipt' | 'signed-object' | 'identity';
  description: string;
  key?: string;
  file?: string;
  escrow?: string;
  receipt?: string;
  recovery?: string;
  /** A v1 recovery blob (v1 §5), given where only pinned issuers are trusted. */
  recoveryV1?: string;
  blob?: string;
  expectSigner?: string;
  trusted?: string[];
  /** `success` or the code the reader must give. */
  expect: string;
  parsesAs?: string;
  sha256?: string;
  size?: number;
  meta?: unknown;
  chunkSize?: number;
}

/** A test identity's files and IDs. */
export interface V2Identity {
  private: string;
  public: string;
  jwk: string;
  id: string;
  keyId: string;
}

/** The v2 part of the manifest. */
export interface V2Manifest {
  identities: Record<string, V2Identity>;
  v2: V2Vector[];
}

/** The manifest JSON, read as its v2 part. */
export function v2Manifest(manifest: unknown): V2Manifest {
  return manifest as V2Manifest;
}
