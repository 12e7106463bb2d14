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

// councils: desk
/** `NAME.keyward-council.json` for a council descriptor (spec v2 §8.1), NAME made safe (else `council`). */
export const councilName = (name: string) => `${safeDownloadName(name, 'council').replace(/\s+/g, '-')}.keyward-council.json`;

/** `SERIAL-member-I.keyward-partial.json` for member I's partial recovery blob (spec v2 §8.4): the owner gathers k of them in one folder. */
export const partialName = (serial: string, index: number) => `${serial}-member-${String(index)}.keyward-partial.json`;

/** The drill report's file name (spec v2 §8.5). */
export const drillReportName = () => 'keyward-drill.json';
// councils: desk end
