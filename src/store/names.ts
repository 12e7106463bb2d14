/** File names the app offers for download. */
import { cleanFileName } from '../core/index.ts';

/** `NAME.keyward` for an encrypted file. */
export const encryptedName = (name: string) => `${name}.keyward`;

/** `NAME.keyward-escrow.json` for its escrow blob. */
export const escrowName = (name: string) => `${name}.keyward-escrow.json`;

/** `SERIAL.keyward-receipt.json` for a receipt (spec v2 §5). */
export const receiptName = (serial: string) => `${serial}.keyward-receipt.json`;

/** `SERIAL.keyward-recovery.json` for a recovery blob. */
export const recoveryName = (serial: string) => `${serial}.keyward-recovery.json`;

/**
 * A name from a file's metadata is untrusted: cleaned by the core's one rule
 * (`cleanFileName`, shared with the CLI): no control, bidi or zero-width
 * characters, so that what is shown is what is saved; no separators; no
 * leading dot or dash. When nothing usable is left, `fallback`, cleaned the
 * same way (else `file`).
 */
export function safeDownloadName(name: string, fallback: string): string {
  return cleanFileName(name) ?? cleanFileName(fallback) ?? 'file';
}

/** The name of a `.keyward` file without that suffix. */
export const withoutKeywardSuffix = (name: string) => name.replace(/\.keyward$/i, '') || 'decrypted';

/** The name a decrypted file is saved under: its own name from the metadata, made safe, else the `.keyward` file's. */
export const decryptedName = (metaName: string, fileName: string) => safeDownloadName(metaName, withoutKeywardSuffix(fileName));

/** Safe for a file name in a zip or a download: a base name without separators. */
export const keyFileName = (name: string) => safeDownloadName(name, 'key').replace(/\s+/g, '-');
