/**
 * The app's state and actions: one zustand store made of slices. Components
 * select what they render and call actions; actions call the core (through
 * the crypto Worker) and the IO adapters, then `set` the outcome.
 */
import type { Council, ErrorCode, EscrowBlobV2, FileMeta, FileSummary, KeyBlob, PrivateIdentity } from '../core/index.ts';
import type { CryptoClient } from '../io/crypto-client.ts';
import type { CouncilSummary, TempFile } from '../io/crypto-protocol.ts';
import type { Downloader } from '../io/download.ts';
import type { KeyRole, KeyStore, StoredCouncil, StoredKey } from '../io/key-store.ts';
import type { RegisterEntry, RegisterStore } from '../io/register-store.ts';
import type { ServiceClient, ServiceSession } from '../io/service-client.ts';
import type { ServedAuthority } from '../core/service.ts';
import type { PersistState } from '../io/storage.ts';
import type { SavePicker } from '../io/save-picker.ts';
import type { TempFiles } from '../io/temp-files.ts';
import type { ServiceStore } from '../io/service-store.ts';

/** What the store needs of the escrow service's client (the real one, or a test's). */
export type ServiceConnection = Pick<ServiceClient, 'config' | 'get' | 'post' | 'signIn' | 'info' | 'enrol' | 'deposit' | 'authorities'>;

/** The escrow service's side of the adapters. */
export interface ServiceAdapters {
  /** The outbox and small records (IndexedDB). */
  store: ServiceStore;
  /** The configured service's client; `null` when no service is configured. */
  connect: () => Promise<ServiceConnection | null>;
  /** Whether waiting blobs are sent again by a timer (off in tests, which send by hand). */
  timers?: boolean;
  /** Calls back when the browser is online again. */
  onOnline?: (callback: () => void) => void;
}

/** What the store needs from the outside world; tests pass in-memory versions. */
export interface Adapters {
  keyStore: KeyStore;
  registerStore: RegisterStore;
  crypto: CryptoClient;
  download: Downloader;
  storage: { persisted(): Promise<PersistState>; request(): Promise<PersistState> };
  /** Disk-backed outputs (OPFS); without it outputs are kept in memory. */
  tempFiles?: TempFiles;
  /** Where the browser can stream an output to a file the person picks. */
  savePicker?: SavePicker;
  /** The escrow service (absent in tests that do not need it: then there is none). */
  service?: ServiceAdapters;
  now?: () => number;
  /** The escrow service for recovery cases; absent, or a client of null: no service is configured. */
  cases?: CaseAdapters;
  /** The escrow service's client, or null when the app has none (no `keyward-service.json`). */
  serviceClient?: () => Promise<ServiceClientLike | null>;
}

/** What the store uses of `io/service-client.ts`'s `ServiceClient` (tests pass an in-memory service). */
export type ServiceClientLike = Pick<ServiceClient, 'get' | 'post' | 'signIn'>;
export type { ServiceSession };

/** An error as the UI shows it: a code (spec §7, key import, or app) and one sentence. */
/** What a sign-in form hands over: a private identity's text (and its passphrase), or this desk's stored identity's key ID. */
export type SignInWith = { text: string; passphrase?: string } | { keyId: string };

export interface UiError {
  code: ErrorCode;
  message: string;
  /** Key IDs a file or blob is for (NO_MATCHING_KEY). */
  keyIds?: readonly string[];
}

export type JobStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

/** One file being encrypted: a row in the encrypt list. */
export interface EncryptJob {
  id: string;
  fileName: string;
  size: number;
  status: JobStatus;
  /** Plaintext bytes read so far. */
  done: number;
  /** When the Worker started on it, and when `done` last moved (for speed and time left). */
  startedAt?: number;
  updatedAt?: number;
  serial?: string;
  /** Names offered for download. */
  outputName: string;
  escrowName: string;
  output?: Blob;
  /** The temp file behind `output`, removed when the row is cleared. */
  temp?: TempFile;
  /** Waiting for the person to pick where the output goes (it starts once they do). */
  awaitingTarget?: boolean;
  /** The name of the picked file the output streams (or streamed) into. */
  savedAs?: string;
  escrowJson?: string;
  /** The file ID (spec §3), once encrypted: the register entry it belongs to. */
  fileId?: string;
  /** Whether the encrypted file and the escrow blob were downloaded (alone or in the zip). */
  fileDownloaded?: boolean;
  escrowDownloaded?: boolean;
  error?: UiError;
}

/** How a file is being opened. */
export type DecryptVia = 'own-key' | 'escrow' | 'recovery';

/** One file being decrypted. */
export interface DecryptJob {
  id: string;
  fileName: string;
  size: number;
  via: DecryptVia;
  status: JobStatus;
  done: number;
  startedAt?: number;
  updatedAt?: number;
  /** The original name, type, size and date from the metadata (after the header verified). */
  meta?: FileMeta;
  /** The verified plaintext, offered under `meta.name`. */
  output?: Blob;
  temp?: TempFile;
  /** Waiting for the person to pick where the plaintext goes. */
  awaitingTarget?: boolean;
  /** The picked file the plaintext streams (or streamed) into; replaced only once every chunk verified. */
  savedAs?: string;
  /**
   * Once opened: the identity that signed the file (`byMe`: one of this
   * browser's own identities), or null for an unsigned v1 file.
   */
  signedBy?: { id: string; byMe: boolean } | null;
  error?: UiError;
}

/** An escrow blob of either version: v1 (spec §5, unsigned) or v2 (spec v2 §4, signed by the owner). */
export type EscrowBlob = KeyBlob | EscrowBlobV2;

/** An escrow blob the authority is looking at. */
export interface EscrowCase {
  fileName: string;
  text: string;
  blob: EscrowBlob;
  /**
   * v2: every check of spec v2 §4 passed (so what it says is the owner's,
   * and it opens the file it names). v1: the authority's key opened it and
   * its MAC verified, which a forged blob passes too.
   */
  verified: boolean;
  /** v2, once checked: the key ID of the owner's RSA key (no recovery blob is issued back to it). */
  ownerKeyId?: string;
  error?: UiError;
  /** A recovery blob issued from it: JSON text, the name offered, and the ID it was issued to (an identity ID when `signed`). */
  recovery?: { json: string; name: string; ownerKeyId: string; signed: boolean; /** A member's partial recovery blob (spec v2 §8.4). */ partial?: boolean };
  /** v2: the receipt downloaded for it. */
  receipt?: { name: string };
  /** A council blob (spec v2 §8.3) this member's check passed: where the member sits, and whether the check proved the key (k = 1). */
  member?: MemberStanding;
}

/** One escrow blob of a drop of several (files, or the entries of a zip), judged on its own. */
export interface EscrowListItem {
  id: string;
  /** The blob file's name, or `ZIP › ENTRY` for an entry of a zip. */
  fileName: string;
  /** True while the authority's key is still checking it. */
  checking: boolean;
  /** Its text and what it says, when it could be read as a blob. */
  text?: string;
  blob?: EscrowBlob;
  /** As `EscrowCase.verified`. */
  verified: boolean;
  ownerKeyId?: string;
  error?: UiError;
  /** v2: the receipt downloaded for it. */
  receipt?: { name: string };
  /** As `EscrowCase.member`. */
  member?: MemberStanding;
}

// councils: desk
export type { CouncilSummary };

/** Where this desk's identity sits in a council blob's council (spec v2 §8.3), once its member's check passed. */
export interface MemberStanding {
  council: CouncilSummary;
  /** 1-based. */
  index: number;
  /** k = 1: the share alone is the key, and the check opened the file's header. */
  provesKey: boolean;
}

/** A public identity imported as a member of the council being set up (spec v2 §8.1), in council order. */
export interface CouncilDraftMember {
  /** Its identity ID. */
  id: string;
  name: string;
  modulusBits: number;
}

/** A member's private identity loaded for a drill: held in memory only, never stored. */
export interface DrillMember {
  /** Its identity ID. */
  id: string;
}

/** A deposited escrow blob dropped for a drill: its bytes are read as they are (spec v2 §8.5 hashes them). */
export interface DrillBlob {
  id: string;
  fileName: string;
  /** What the blob says, when it parses: its serial and its council (names from the blob, to show). */
  serial?: string;
  council?: CouncilSummary;
}

/** A drill that ran (spec v2 §8.5): the signed report, and each blob's result in the order dropped. */
export interface DrillOutcome {
  passed: boolean;
  council: { name: string; id: string; threshold: number };
  /** The members who took part and signed, by index. */
  members: { index: number; id: string }[];
  results: { fileName: string; serial: string; result: string; error?: UiError }[];
  json: string;
  /** `keyward-drill.json`, once downloaded. */
  saved?: string;
}

export interface CouncilSlice {
  /** The members imported so far for a new council, in council order. */
  councilDraft: CouncilDraftMember[];
  /** The council last set up: its ID to read out, and the descriptor's file name as downloaded. */
  councilCreated: (CouncilSummary & { fileName: string }) | null;
  /**
   * Adds a member's public identity (pasted or read from a file) under the
   * organisation's name for it. Refuses a v1 key (`KEY_UNSUPPORTED`), a
   * private key (`KEY_NOT_PUBLIC`), an identity already in the list
   * (`MEMBER_TWICE`) and a 17th member (`COUNCIL_FULL`).
   */
  addCouncilMember: (options: { text: string; name: string }) => Promise<UiError | null>;
  removeCouncilMember: (id: string) => void;
  /** Makes the council descriptor (spec v2 §8.1) of the draft and downloads `NAME.keyward-council.json`. */
  createCouncil: (options: { name: string; threshold: number }) => Promise<UiError | null>;
  /** Forgets the draft and the council last set up. */
  clearCouncil: () => void;

  drillMembers: DrillMember[];
  drillBlobs: DrillBlob[];
  drillOutcome: DrillOutcome | null;
  /**
   * Loads one member's private identity for the drill, non-extractable and
   * in memory only. Refuses a public key (`KEY_NOT_PRIVATE`), a v1 key
   * (`KEY_UNSUPPORTED`: it cannot sign the report), the same identity twice
   * (`MEMBER_TWICE`); an encrypted one needs its passphrase (`PASSPHRASE_REQUIRED`).
   */
  addDrillMember: (options: { text: string; passphrase?: string }) => Promise<UiError | null>;
  /**
   * Adds this desk's own stored identity (an `authority-own` key that is an
   * identity) to the drill, without pasting it again; `KEY_GONE` if it is no
   * longer stored, `MEMBER_TWICE` if it is already present.
   */
  addDeskIdentityToDrill: (keyId: string) => UiError | null;
  removeDrillMember: (id: string) => void;
  /** Adds deposited escrow blobs to the drill's sample. */
  addDrillBlobs: (files: readonly File[]) => Promise<UiError | null>;
  /** Runs the drill (spec v2 §8.5) over the blobs with the members present; `QUORUM_NOT_MET` with fewer than k, and no report. */
  runDrill: () => Promise<UiError | null>;
  /** Downloads the signed report as `keyward-drill.json`. */
  downloadDrillReport: () => UiError | null;
  /** Forgets the members' keys, the blobs and the outcome. */
  clearDrill: () => void;
}
// councils: desk end

// cases: app
/** A signed-in session at the escrow service (`POST /v1/sign-in`). */
export interface CaseSession {
  token: string;
  identityId: string;
  name: string;
  roles: string[];
  expiresAt: string;
}

/** What the case slice asks of the escrow service (the app passes its `ServiceClient`, tests a fake). */
export interface CaseServiceClient {
  get<T>(path: string, session?: CaseSession): Promise<T>;
  post<T>(path: string, body: unknown, session?: CaseSession): Promise<T>;
  signIn(identity: PrivateIdentity): Promise<CaseSession>;
}

export interface CaseAdapters {
  /** The service, or null when none is configured (then no request is made). */
  client: () => Promise<CaseServiceClient | null>;
  /** Small records kept in this browser (IndexedDB `service` store): the open case's number. */
  values: {
    get: <T>(key: string) => Promise<T | undefined>;
    set: (key: string, value: unknown) => Promise<void>;
    delete: (key: string) => Promise<void>;
  };
}

/** Where a recovery case stands at the service. */
export type CaseState = 'open' | 'verified' | 'refused' | 'ready';

/** A case as `GET /v1/cases` lists it. */
export interface CaseSummary {
  caseId: string;
  state: CaseState;
  lostIdentityId: string;
  newIdentityId: string;
  name: string;
  openedAt: string;
}

/** One file of a case: the lost identity's deposit, who it is escrowed to, and what was uploaded for it. */
export interface CaseFile {
  fileId: string;
  serial: string;
  /** Left out for the applicant until an officer verified the case. */
  description?: string;
  authority: { kind: 'identity' | 'council'; id: string; name: string; threshold?: number };
  uploads: { kind: 'partial' | 'recovery'; by: string; index?: number; at: string }[];
}

/** A case as `GET /v1/cases/:id` shows it: its files and every step, each with its time and who took it. */
export interface CaseDetail extends CaseSummary {
  files: CaseFile[];
  /** open: the person's note; verify: the method; refuse: the reason; upload: the file ID. */
  steps: { event: string; at: string; by: string; detail?: string }[];
  /** The new identity's public keys (b64u SPKIs), which partials are issued for once their identity ID is the case's. */
  newIdentity?: { publicKey: string; signingKey: string };
}

/** The owner's own case, opened from this browser with its identity. */
export interface MyCase {
  caseId: string;
  /** The new identity (this browser's) that opened it. */
  identityId: string;
  detail?: CaseDetail;
  /** Once `ready` and downloaded: each file's partial or recovery blobs, as JSON text. */
  blobs?: { fileId: string; texts: string[] }[];
  error?: UiError;
}

export interface CaseSlice {
  /** The owner's case (its number kept in this browser, so it survives a reload), or null. */
  myCase: MyCase | null;
  /** False until `loadMyCase` looked; `'none'`: no escrow service is configured. */
  caseService: 'unknown' | 'none' | 'ready';
  /** Looks whether an escrow service is configured (`caseService`), asking nothing of it. */
  findCaseService: () => Promise<void>;
  /** Reads the kept case number and, with a service, fetches where the case stands. */
  loadMyCase: () => Promise<void>;
  /**
   * Opens a recovery case for a lost identity: a request signed by this
   * browser's identity (`keyward/v2 case`) sent to `POST /v1/cases`; the case
   * number is kept. `NO_OWNER_KEY` without an identity of one's own here.
   */
  openCase: (options: { lostIdentityId: string; note: string }) => Promise<UiError | null>;
  /** Fetches the case again (signed in as its applicant). */
  refreshMyCase: () => Promise<UiError | null>;
  /** Once `ready`: downloads the partial and recovery blobs (`GET /v1/cases/:id/blobs`), kept per file. */
  downloadCaseBlobs: () => Promise<UiError | null>;
  /** Opens `file` with the case's blobs for `fileId` (a row in the decrypt list); the core checks them. */
  decryptWithCase: (fileId: string, file: File) => UiError | null;
  /** Forgets the kept case number (the case stays at the service). */
  forgetMyCase: () => Promise<void>;

  /** The desk's signed-in identity (officer or member), held for this page only. */
  caseDesk: { identityId: string; name: string; roles: string[] } | null;
  deskCases: CaseSummary[];
  /** The state the list was fetched for. */
  deskCasesState: CaseState;
  deskCase: CaseDetail | null;
  /** Per file of `deskCase`: the partial or recovery blob uploaded from this desk, or why not. */
  deskUploads: Record<string, { done: true } | { error: UiError }>;
  /**
   * Signs in with a private identity (pasted or read from a file), imported
   * non-extractable and kept in memory only, never stored; or with this
   * desk's own stored identity (`keyId`).
   */
  caseSignIn: (options: SignInWith) => Promise<UiError | null>;
  caseSignOut: () => void;
  listCases: (state: CaseState) => Promise<UiError | null>;
  openDeskCase: (caseId: string) => Promise<UiError | null>;
  /** The officer records how the person's identity was checked (`POST /v1/cases/:id/verify`). */
  verifyCase: (method: string) => Promise<UiError | null>;
  refuseCase: (reason: string) => Promise<UiError | null>;
  /**
   * A council member issues, in this page, a partial recovery blob (spec v2
   * §8.4) for the case's new identity from the file's deposited blob, and
   * uploads it. `OUTSIDE_COUNCIL` when the member is not in the file's council.
   */
  uploadPartial: (fileId: string) => Promise<UiError | null>;
  /**
   * An officer signed in with the authority identity a file is escrowed to
   * issues, in this page, a recovery blob (spec v2 §6) for the case's new
   * identity from the file's deposited blob, and uploads it. `NOT_PERMITTED`
   * when the file is escrowed to another identity or to a council.
   */
  uploadRecovery: (fileId: string) => Promise<UiError | null>;
  /**
   * For a recovery blob issued where the authority's key is kept (offline,
   * `keyward reissue`): downloads the file's deposited escrow blob, once it is
   * checked to be the lost identity's for that file.
   */
  downloadCaseEscrow: (fileId: string) => Promise<UiError | null>;
  /** Downloads the case's new identity as a public identity PEM (its ID computed here, checked against the case's). */
  downloadCaseIdentity: () => Promise<UiError | null>;
  /**
   * Uploads a recovery blob (spec v2 §6) issued elsewhere for one file of the
   * case, read strictly here first (a recovery blob for that file and the
   * case's new identity); the service checks it against the deposit and the
   * file's authority. `BLOB_MISMATCH` for a blob about another file or identity.
   */
  uploadIssuedRecovery: (fileId: string, file: File) => Promise<UiError | null>;
}
// cases: app end

export interface Notice {
  id: string;
  kind: 'error' | 'info' | 'success';
  text: string;
}

export interface KeysSlice {
  keys: StoredKey[];
  /** The councils the owner pinned by their council ID (spec v2 §8.1), oldest first; loaded with the keys. */
  councils: StoredCouncil[];
  keysLoaded: boolean;
  /**
   * A key pair just generated, held only in memory (its private key
   * extractable) until a backup is downloaded (`exportPrivateBackup`) or
   * explicitly declined (`keepNewKeyWithoutBackup`); only then is it stored,
   * non-extractable unless `keepExportable`. A reload before that loses it,
   * unused.
   */
  newKey: { key: StoredKey; keepExportable: boolean } | null;
  loadKeys: () => Promise<void>;
  /** Generates a key pair into `newKey` (replacing one not yet stored); a name is required (`NAME_REQUIRED`). */
  generateKey: (options: {
    name: string;
    bits: 3072 | 4096;
    role: 'owner' | 'authority-own';
    keepExportable?: boolean;
  }) => Promise<{ key: StoredKey } | { error: UiError }>;
  /** Stores `newKey` without a backup: the person was told what that means and chose it. */
  keepNewKeyWithoutBackup: () => Promise<UiError | null>;
  /** Forgets `newKey` (never stored, never used). */
  discardNewKey: () => void;
  /** Records that a stored key that can no longer be backed up is kept anyway. */
  declineBackup: (keyId: string) => Promise<UiError | null>;
  /**
   * Imports a key from pasted or dropped text. A public key becomes an
   * `authority` key; a private key becomes `privateRole` (default `owner`).
   * The name is required (`NAME_REQUIRED`).
   * Resolves to the stored key, or to an error to show next to the form.
   */
  importKey: (options: {
    text: string;
    name: string;
    passphrase?: string;
    privateRole?: 'owner' | 'authority-own';
    publicRole?: 'authority';
    keepExportable?: boolean;
    /**
     * Which kind of key the form asks for: `private` refuses a public key
     * (`KEY_NOT_PRIVATE`), `public` refuses a private key (`KEY_NOT_PUBLIC`)
     * and the public half of a key pair stored here (`KEY_IS_OWN`). Default `any`.
     */
    accept?: 'any' | 'public' | 'private';
  }) => Promise<{ key: StoredKey } | { error: UiError }>;
  /**
   * Pins an authority key: the person compared the ID shown for it (its
   * identity ID, or the key ID of a v1 key) with the authority. With
   * `comparedId` (the ID that was shown), refuses with `KEY_CHANGED` if the
   * stored key no longer has it.
   */
  confirmAuthority: (keyId: string, comparedId?: string) => Promise<UiError | null>;
  /**
   * Makes a stored v1 key pair an identity by adding an Ed25519 key pair
   * (spec v2 §2), as exportable as its RSA key. The identity has a new ID,
   * which whoever pinned the v1 key must confirm again.
   */
  addSigningKey: (keyId: string) => Promise<UiError | null>;
  renameKey: (keyId: string, name: string) => Promise<UiError | null>;
  /** Downloads the public key, or both public keys of an identity (`NAME.pub.pem` or `.jwk.json`). */
  exportPublicKey: (keyId: string, format: 'spki-pem' | 'jwk') => Promise<UiError | null>;
  /**
   * Downloads a passphrase-protected PKCS#8 backup (both private keys of an
   * identity, in two blocks) and records when; for `newKey`, then stores it.
   */
  exportPrivateBackup: (keyId: string, passphrase: string) => Promise<UiError | null>;
  /**
   * Why no backup of this key can be exported (no private key, or a stored
   * non-extractable one: `KEY_NOT_EXTRACTABLE`), or null when it can (`newKey`
   * always can).
   */
  backupProblem: (keyId: string) => UiError | null;
  deleteKey: (keyId: string) => Promise<UiError | null>;
  /**
   * Reads a council file (`NAME.keyward-council.json`, spec v2 §8.1) strictly
   * and computes its council ID, for the person to compare; stores nothing.
   */
  readCouncil: (text: string) => Promise<{ council: Council } | { error: UiError }>;
  /**
   * Pins a council read by `readCouncil` once the person compared its council
   * ID (`comparedId`, the ID shown; `KEY_CHANGED` if it is not the council's).
   * The same council pinned again keeps its first pinning.
   */
  pinCouncil: (council: Council, comparedId: string) => Promise<UiError | null>;
  /** Unpins a council: new files can no longer be escrowed to it, nor partials from it checked. */
  removeCouncil: (id: string) => Promise<UiError | null>;
}

export interface EncryptSlice {
  encryptJobs: EncryptJob[];
  /** True where outputs can stream to a file the person picks (`showSaveFilePicker`). */
  canChooseWhereToSave: boolean;
  /** The owner key pair chosen for new files in this session (null: the first one, see `ownKeyPair`). */
  encryptOwnerKeyId: string | null;
  chooseEncryptOwner: (keyId: string) => void;
  /**
   * Queues files for encryption to the chosen owner key pair (`encryptOwnerKeyId`) and the chosen
   * authority (`authorityKeyId`: a confirmed authority's key ID, or a pinned council's ID). With `askWhereToSave` (where the browser can), each waits until
   * the person picks its file with `chooseWhereToSave`.
   */
  encryptFiles: (files: readonly File[], options: { description: string; authorityKeyId: string; askWhereToSave?: boolean }) => void;
  /** Opens the save picker for a waiting row (call it from a click); the row starts once a file is picked. */
  chooseWhereToSave: (id: string) => Promise<UiError | null>;
  cancelEncrypt: (id: string) => void;
  /** Downloads a finished file (or its escrow blob) and marks the row as downloaded. */
  downloadEncrypted: (id: string) => void;
  downloadEscrow: (id: string) => void;
  /** Every finished file and escrow blob in one zip; resolves to an error to show next to the button. */
  downloadAllEncrypted: () => Promise<UiError | null>;
  clearEncryptJobs: () => void;
}

export interface RegisterSlice {
  register: RegisterEntry[];
  registerLoaded: boolean;
  loadRegister: () => Promise<void>;
  downloadRegisterEscrow: (fileId: string) => void;
  /**
   * Records the backup authority's receipt for a file of the register, once it
   * verified against the escrow blob kept for that file (spec v2 §5); a receipt
   * that does not is refused with its code and changes nothing.
   */
  importReceipt: (file: File) => Promise<UiError | null>;
  /** All escrow blobs and a CSV index in one zip, for the authority; resolves to an error to show next to the button. */
  exportRegister: () => Promise<UiError | null>;
  /** Removes every entry in one transaction (all or nothing); resolves to an error to show next to the button. */
  clearRegister: () => Promise<UiError | null>;
}

export interface DecryptSlice {
  decryptJobs: DecryptJob[];
  /**
   * Opens `.keyward` files with whichever stored private key matches. With
   * `askWhereToSave` (where the browser can), each waits until the person
   * picks its file with `chooseWhereToSaveDecrypted`.
   */
  decryptFiles: (files: readonly File[], options?: { askWhereToSave?: boolean }) => void;
  /** Opens the save picker for a waiting row (call it from a click); the row starts once a file is picked. */
  chooseWhereToSaveDecrypted: (id: string) => Promise<UiError | null>;
  /**
   * Opens a file with a recovery blob issued for one of the owner's keys, or
   * with partial recovery blobs from members of a pinned council (spec v2
   * §8.4: at least k distinct members, else `QUORUM_NOT_MET`).
   */
  decryptWithRecovery: (file: File, recoveryBlobs: File | readonly File[]) => void;
  cancelDecrypt: (id: string) => void;
  downloadDecrypted: (id: string) => void;
  /** Removes finished rows (all, or only those opened `via` one of these ways); running rows stay. */
  clearDecryptJobs: (vias?: readonly DecryptVia[]) => void;
}

export interface AuthoritySlice {
  /** The blob being worked on: opened alone, or picked from the list. */
  escrowCase: EscrowCase | null;
  /** A blob file dropped alone that is not a readable escrow blob: shown next to the escrow drop zone. */
  escrowLoadError: { fileName: string; error: UiError } | null;
  /** The blobs of the last drop of several files or of a zip, each with its own check. */
  escrowList: EscrowListItem[];
  /** Entries of dropped zips that are not `.json` files, so were not read (`ZIP › ENTRY`). */
  escrowSkipped: string[];
  /**
   * Imports the authority's own key pair from pasted text. Refuses a public
   * key (`KEY_NOT_PRIVATE`) before anything is stored, then stores the key as
   * `authority-own`.
   */
  importAuthorityKey: (options: { text: string; name: string; passphrase?: string }) => Promise<{ key: StoredKey } | { error: UiError }>;
  /**
   * Reads escrow blob files and zips of them (the owner's register export)
   * and checks each blob with the authority's own key pair or identity (a v2
   * blob: every check of spec v2 §4, in order). One blob file alone
   * becomes the open case; anything else fills `escrowList`, one bad blob or
   * entry never hiding the others.
   */
  loadEscrowBlobs: (files: readonly File[]) => Promise<void>;
  /** Opens a verified blob of the list as the case. */
  openEscrowCase: (id: string) => void;
  /** Closes the open case (back to the list, if there is one). */
  closeEscrowCase: () => void;
  /** Forgets the list and the open case. */
  clearEscrowList: () => void;
  /** Decrypts the encrypted file the escrow blob belongs to (a row in the decrypt list). */
  recoverFile: (file: File) => void;
  /**
   * The key ID of the owner's new public key (and, for a v2 blob, the
   * identity ID of their new public identity, which is what is compared), or
   * why no recovery blob can be issued to it (a private key, an authority's
   * key: `KEY_IS_AUTHORITY`, the key the file was made for: `KEY_IS_ESCROWED_OWNER`).
   */
  checkRecoveryKey: (newOwnerPublicKey: string) => Promise<{ keyId: string; modulusBits: number; identityId?: string } | { error: UiError }>;
  /**
   * Wraps the file key for the owner's new public key (v1) or identity (v2:
   * a recovery blob signed by the authority's identity, spec v2 §6) and
   * downloads the recovery blob, only when `confirmedId` (the ID the
   * authority compared with the owner: the identity ID for v2) is its
   * (`KEY_NOT_CONFIRMED` otherwise).
   */
  issueRecovery: (newOwnerPublicKey: string, ownerName: string, confirmedId: string) => Promise<UiError | null>;
  /** Downloads a signed receipt (spec v2 §5, `SERIAL.keyward-receipt.json`) for the open case, a good v2 blob. */
  downloadReceipt: () => Promise<UiError | null>;
  /** Downloads, in one zip, a signed receipt for every good v2 blob of the list. */
  downloadReceipts: () => Promise<UiError | null>;
}

export interface SessionSlice {
  mode: 'owner' | 'authority';
  setMode: (mode: 'owner' | 'authority') => void;
  persist: PersistState | 'unknown';
  /** Asks the browser to keep this site's storage (keys must not be lost). */
  requestPersistence: () => Promise<void>;
  notices: Notice[];
  notify: (kind: Notice['kind'], text: string) => void;
  dismissNotice: (id: string) => void;
  /** Loads keys, register and storage state at start. */
  start: () => Promise<void>;
}

// desk: the authority's desk at the escrow service
/** Who is signed in at the desk (the session's token is held out of the state). */
export interface DeskSignedIn {
  identityId: string;
  name: string;
  roles: string[];
  expiresAt: string;
}

/** What the officer searches the deposits by; empty fields are left out. `from` and `to` are dates (YYYY-MM-DD), both included. */
export interface DeskFilters {
  owner: string;
  serial: string;
  words: string;
  from: string;
  to: string;
}

/** One deposit as the service lists it (`GET /v1/deposits`). */
export interface DeskDeposit {
  fileId: string;
  serial: string;
  description: string;
  ownerId: string;
  ownerName: string;
  /** When the owner's identity was revoked (a recovery case that enrolled it was refused): it is not the person named. */
  ownerRevokedAt?: string;
  authority: { kind: string; id: string; name: string };
  storedAt: string;
  escrowDigest: string;
  receipts: { by: string; at: string }[];
}

/** A receipt sent to the service: what it recorded, or why it refused it. */
export type DeskUpload = { fileId: string; signer: string; uploadedAt: string; auditSeq: number } | { error: UiError };

/** One escrow blob of the exported bundle: its text as handed to the escrow check, and its receipt's upload. */
export interface DeskBundleBlob {
  fileId: string;
  serial: string;
  text: string;
  upload?: DeskUpload;
}

/** A receipt file the officer chose to upload, with its outcome. */
export interface DeskReceiptFile {
  fileName: string;
  upload: DeskUpload;
}

export interface DeskSlice {
  /** True when the app has an escrow service (its config file was served); the desk is shown only then. */
  deskAvailable: boolean;
  deskSignedIn: DeskSignedIn | null;
  /** The last search: its filters, the deposits found so far (in pages), and the cursor of the next page. */
  deskSearch: { filters: DeskFilters; deposits: DeskDeposit[]; next: string | null } | null;
  /** The last exported bundle: the file downloaded and its blobs, handed to the escrow check. */
  deskBundle: { fileName: string; exportedAt: string; blobs: DeskBundleBlob[] } | null;
  deskReceiptFiles: DeskReceiptFile[];
  /** The audit log last downloaded: its file, and its head once the chain verified (or why it did not). */
  deskAudit: { fileName: string; count: number; head: string } | { fileName: string; error: UiError } | null;
  /** Finds out whether an escrow service is configured (at start). */
  loadDesk: () => Promise<void>;
  /**
   * Signs in with a private identity (pasted, or read from its file), held for
   * the sign-in only and never stored; or with this desk's own stored identity
   * (`keyId`). Refuses an identity that is neither officer nor council member
   * (`NOT_PERMITTED`).
   */
  signInAtDesk: (options: SignInWith) => Promise<UiError | null>;
  /** Forgets the session and everything it read. */
  signOutOfDesk: () => void;
  searchDeposits: (filters: DeskFilters) => Promise<UiError | null>;
  /** The next page of the last search. */
  moreDeposits: () => Promise<UiError | null>;
  /**
   * Exports the deposits found (`POST /v1/exports`), downloads the bundle
   * (`keyward-bundle-DATE.json`) and hands its blobs to the escrow check.
   */
  exportDeposits: () => Promise<UiError | null>;
  /** Issues the receipt of one checked blob of the bundle (the escrow check's) and uploads it. */
  uploadReceipt: (fileId: string) => Promise<UiError | null>;
  /** The same for every checked blob of the bundle whose receipt is not uploaded yet. */
  uploadReceipts: () => Promise<UiError | null>;
  /** Uploads receipt files (`SERIAL.keyward-receipt.json`), each with its own outcome. */
  uploadReceiptFiles: (files: readonly File[]) => Promise<UiError | null>;
  /** Downloads the audit log (`keyward-audit-DATE.json`) and verifies its chain here (core `verifyAuditLog`). */
  checkAuditLog: () => Promise<UiError | null>;
}
// desk end

// --- the escrow service (owner) ---------------------------------------------

/** Where a file's escrow blob stands with the service. */
export type DepositState = { state: 'not sent'; lastError?: UiError } | { state: 'refused'; error: UiError } | { state: 'stored'; storedAt: string };

/** One entry of the person's escrow log (`GET /v1/me/events`). */
export interface EscrowEvent {
  seq: number;
  at: string;
  event: string;
  data: Record<string, unknown>;
}

/** The person's enrolment, as this browser recorded it. */
export interface Enrolment {
  identityId: string;
  name: string;
  enrolledAt: string;
}

export interface ServiceSlice {
  /** `null` until known; then whether an escrow service is configured beside the app. */
  serviceConfigured: boolean | null;
  /** The owner identity's enrolment, once recorded here. */
  enrolment: Enrolment | null;
  /** Each queued or sent file's state, by file ID. */
  deposits: Record<string, DepositState>;
  /** The person's escrow log, once read. */
  escrowLog: EscrowEvent[] | null;
  /**
   * What the service keeps escrow for (`GET /v1/authorities`), read at start and after each round of sending;
   * `null` while not known (no service, not reached, or an answer that did not read). It vouches for no key.
   */
  servedAuthorities: ServedAuthority[] | null;
  /** Reads the configuration and the outbox, then sends what waits. */
  startService: () => Promise<void>;
  /** Enrols the owner's identity with the officer's one-time code; resolves to an error to show. */
  enrol: (code: string) => Promise<UiError | null>;
  /** Queues a register entry's escrow blob (a signed one) and sends it. */
  queueDeposit: (entry: RegisterEntry) => Promise<void>;
  /** Sends every queued blob whose wait is over (or all of them with `now`), one at a time. */
  sendDeposits: (options?: { all?: boolean }) => Promise<void>;
  /** Signs in as the owner, reads the service's receipts for this person's deposits and keeps those that verify. */
  checkReceipts: () => Promise<UiError | null>;
  /** Signs in as the owner and reads their escrow log. */
  loadEscrowLog: () => Promise<UiError | null>;
}


export type AppState = KeysSlice & EncryptSlice & RegisterSlice & DecryptSlice & AuthoritySlice & SessionSlice & CouncilSlice & ServiceSlice & DeskSlice & CaseSlice;

export type { FileSummary, KeyRole, RegisterEntry, StoredCouncil, StoredKey };
