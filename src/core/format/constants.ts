/** Keyward v1 constants of the file and blob formats, each with the spec section that fixes it (key constants: keys/constants.ts). */
import { utf8 } from '../bytes.ts';

/** §3: the first ten bytes of every v1 file. */
export const MAGIC = utf8('KEYWARD/1\n');
/** v2 §3: the first ten bytes of every signed (v2) file. */
export const MAGIC_V2 = utf8('KEYWARD/2\n');
/** §3: any other version after this prefix is `UNSUPPORTED_VERSION`. */
export const MAGIC_PREFIX = utf8('KEYWARD/');
/** §3: `hlen` bounds. */
export const MIN_HEADER_LENGTH = 1;
export const MAX_HEADER_LENGTH = 1_048_576;
/** §3: length of the header HMAC. */
export const HMAC_LENGTH = 32;

/** §2: HKDF info strings. */
export const INFO_PAYLOAD = utf8('keyward/v1 payload');
export const INFO_META = utf8('keyward/v1 meta');
export const INFO_HEADER = utf8('keyward/v1 header');
export const INFO_BLOB = utf8('keyward/v1 blob');
/** §2: the size of the per-file salt (the file key's is in keys/constants.ts). */
export const SALT_LENGTH = 16;
/** §3: `fileId` is 16 random bytes. */
export const FILE_ID_LENGTH = 16;

/** §3: `chunkSize` is a power of two in this range. */
export const MIN_CHUNK_SIZE = 65_536;
export const MAX_CHUNK_SIZE = 16_777_216;
/**
 * Not fixed by the spec. 256 KiB: WebCrypto AES-GCM in Chromium ran fastest
 * at 256-512 KiB per call and less than half as fast at 1 MiB and above
 * (shared/guide/performance.md).
 */
export const DEFAULT_CHUNK_SIZE = 262_144;
/** §4: AES-GCM tag and nonce lengths. */
export const TAG_LENGTH = 16;
export const NONCE_LENGTH = 12;

/** §3: recipient stanzas per file. */
export const MIN_RECIPIENTS = 1;
export const MAX_RECIPIENTS = 64;

/** §5: blob formats. */
export const ESCROW_FORMAT = 'keyward-escrow/1';
export const RECOVERY_FORMAT = 'keyward-recovery/1';

/** v2 §3.3: the file signature (Ed25519) at the end of a v2 file. */
export const SIGNATURE_LENGTH = 64;
/** v2 §3.2: the domain of the payload digest. */
export const PAYLOAD_DIGEST_CONTEXT = utf8('keyward/v2 payload');
/** v2 §4–§6: the signed objects' formats. */
export const ESCROW_FORMAT_V2 = 'keyward-escrow/2';
export const RECEIPT_FORMAT = 'keyward-receipt/2';
export const RECOVERY_FORMAT_V2 = 'keyward-recovery/2';
