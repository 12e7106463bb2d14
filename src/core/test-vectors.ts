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

/**
 * A council vector (v2 §8), in the manifest's `councils` list. Paths are relative to testdata/;
 * `key`, `keys` and `expectOwner` name identities of the manifest's `identities`. `kind` says what to run:
 * - `council`: parse descriptor `council`; success: its council ID is `councilId`;
 * - `member-check`: a member's check (§8.3 checks 1-8) of escrow blob `escrow` with identity `key`, told to expect
 *   owner `expectOwner` and the council of descriptor `expectCouncil` when given; success: the checker is member `index`;
 * - `quorum-check`: the check "with k or more member keys together" of `escrow` with identities `keys`; success: `present`
 *   (the distinct members' indices, increasing);
 * - `partials`: open `file` with partial blobs `partials` and the RSA key of identity `key`, the councils of descriptors `pinned` pinned;
 * - `ceremony`: open `file` with escrow blob `escrow` and identities `keys` together (§8.4, recovery by decryption);
 * - `drill`: check drill report `drill` against descriptor `council` (§8.5).
 * `partials` and `ceremony` successes give the plaintext's `sha256` and `size`, `meta` and `chunkSize`.
 */
export interface CouncilVector {
  name: string;
  kind: 'council' | 'member-check' | 'quorum-check' | 'partials' | 'ceremony' | 'drill';
  description: string;
  /** `success` or the code the reader must give. */
  expect: string;
  council?: string;
  councilId?: string;
  escrow?: string;
  key?: string;
  keys?: string[];
  expectOwner?: string;
  expectCouncil?: string;
  partials?: string[];
  pinned?: string[];
  file?: string;
  drill?: string;
  index?: number;
  present?: number[];
  sha256?: string;
  size?: number;
  meta?: unknown;
  chunkSize?: number;
}

/** The council part of the manifest. */
export interface CouncilManifest {
  identities: Record<string, V2Identity>;
  councils: CouncilVector[];
}

/** The manifest JSON, read as its council part. */
export function councilManifest(manifest: unknown): CouncilManifest {
  return manifest as CouncilManifest;
}
