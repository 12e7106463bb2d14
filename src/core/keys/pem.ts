/**
 * PEM armor (RFC 7468): finding the key block in pasted text, and writing one.
 *
 * Reading is lenient about the text around the block (CRLF, indentation, an
 * email signature, a certificate next to the key) and strict about the block
 * itself: matching BEGIN/END labels, exactly one key block (two for an
 * identity, read with {@link parsePemKeyBlocks}), strict base64.
 */
import { type Bytes, fromBase64, toBase64 } from '../bytes.ts';
import { unreadable } from './asn1.ts';

/** A decoded PEM block. */
export interface PemBlock {
  /** The label between `BEGIN ` and `-----`, e.g. `PUBLIC KEY`. */
  label: string;
  /** The decoded base64 body. */
  der: Bytes;
}

/**
 * Labels that hold a key of some kind. Other blocks (CERTIFICATE, EC
 * PARAMETERS) may stand next to a key in one file and are skipped when a key
 * block is there too.
 */
const KEY_LABELS = new Set([
  'PUBLIC KEY',
  'RSA PUBLIC KEY',
  'PRIVATE KEY',
  'RSA PRIVATE KEY',
  'ENCRYPTED PRIVATE KEY',
  'EC PRIVATE KEY',
  'DSA PRIVATE KEY',
  'OPENSSH PRIVATE KEY',
  'SSH2 PUBLIC KEY',
  'PGP PUBLIC KEY BLOCK',
  'PGP PRIVATE KEY BLOCK',
]);

/**
 * RFC 7468 §3: a label is printable ASCII, with single hyphens or spaces only
 * between other characters (so it never runs into the closing `-----`). The
 * boundaries need not start a line here, so a PEM whose line breaks a web
 * form turned into spaces still reads.
 */
const BOUNDARY = /-----(BEGIN|END) ((?:[\x21-\x2c\x2e-\x7e]+(?:[- ][\x21-\x2c\x2e-\x7e]+)*)?)-----/g;

/** True when the text has a PEM encapsulation boundary at all. */
export function looksLikePem(text: string): boolean {
  return text.includes('-----BEGIN ') || text.includes('-----END ');
}

/** Every block of `text`, in order, with its label and undecoded body. */
function scanBlocks(text: string): { label: string; body: string }[] {
  const blocks: { label: string; body: string }[] = [];
  let open: { label: string; bodyStart: number } | undefined;
  for (const match of text.matchAll(BOUNDARY)) {
    const [whole, kind, label = ''] = match;
    const index = match.index;
    if (kind === 'BEGIN') {
      if (open) throw unreadable(`PEM "BEGIN ${open.label}" has no END line`);
      open = { label, bodyStart: index + whole.length };
    } else {
      if (!open) throw unreadable(`PEM "END ${label}" has no BEGIN line`);
      if (label !== open.label) throw unreadable(`PEM labels do not match (BEGIN ${open.label}, END ${label})`);
      blocks.push({ label, body: text.slice(open.bodyStart, index) });
      open = undefined;
    }
  }
  if (open) throw unreadable(`PEM "BEGIN ${open.label}" has no END line`);
  return blocks;
}

/**
 * The key block of `text`: the only block with a key label, or else the
 * first block (so the caller can name what it found, e.g. a certificate).
 *
 * @throws KeywardError `KEY_UNREADABLE`: no block, unmatched or mismatched
 *   BEGIN/END, more than one key block, PEM headers, bad base64
 */
export function parsePem(text: string): PemBlock {
  const blocks = scanBlocks(text);
  const keyBlocks = blocks.filter((b) => KEY_LABELS.has(b.label));
  if (keyBlocks.length > 1) throw unreadable('more than one key in the PEM text');
  const block = keyBlocks[0] ?? blocks[0];
  if (!block) throw unreadable('no PEM block found');
  return { label: block.label, der: decodeBody(block.body, block.label) };
}

/**
 * Every key block of `text`, in order (an identity is two, keyward-v2.md
 * §2). Blocks with other labels are skipped, as {@link parsePem} skips them;
 * the boundaries of every block are checked all the same. The caller decides
 * how many key blocks it accepts.
 *
 * @returns the decoded key blocks, possibly none
 * @throws KeywardError `KEY_UNREADABLE`: unmatched or mismatched BEGIN/END,
 *   PEM headers or bad base64 in a key block
 */
export function parsePemKeyBlocks(text: string): PemBlock[] {
  return scanBlocks(text)
    .filter((b) => KEY_LABELS.has(b.label))
    .map((b) => ({ label: b.label, der: decodeBody(b.body, b.label) }));
}

/**
 * RFC 7468 §2 has no headers; RFC 1421 headers mean OpenSSL's legacy
 * encryption (`Proc-Type: 4,ENCRYPTED` + `DEK-Info`), whose MD5-based key
 * derivation we choose not to implement.
 */
function decodeBody(body: string, label: string): Bytes {
  if (body.includes(':')) {
    if (/Proc-Type:\s*4,\s*ENCRYPTED/i.test(body)) {
      throw unreadable('legacy OpenSSL-encrypted PEM; convert it with "openssl pkcs8 -topk8 -v2 aes-256-cbc"');
    }
    throw unreadable(`PEM headers in the ${label} block are not supported`);
  }
  const compact = body.replace(/[ \t\r\n\f\v]+/g, '');
  if (compact.length === 0) throw unreadable(`the ${label} block is empty`);
  return fromBase64(compact, (why) => unreadable(`the ${label} block is not valid base64 (${why})`));
}

/**
 * A PEM block in RFC 7468 §2's strict form: 64-character lines, LF line
 * ends, a final newline (what OpenSSL writes).
 */
export function encodePem(label: string, der: Uint8Array): string {
  const body = toBase64(der).replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n');
  return `-----BEGIN ${label}-----\n${body}-----END ${label}-----\n`;
}
