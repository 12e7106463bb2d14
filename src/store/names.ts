/** File names the app offers for download. */

/** `NAME.keyward` for an encrypted file. */
export const encryptedName = (name: string) => `${name}.keyward`;

/** `NAME.keyward-escrow.json` for its escrow blob. */
export const escrowName = (name: string) => `${name}.keyward-escrow.json`;

/** `SERIAL.keyward-recovery.json` for a recovery blob. */
export const recoveryName = (serial: string) => `${serial}.keyward-recovery.json`;

/**
 * A name from a file's metadata is untrusted: the browser's download keeps
 * only a base name, but control and bidi characters are dropped here too so
 * that what is shown is what is saved.
 */
export function safeDownloadName(name: string, fallback: string): string {
  // eslint-disable-next-line no-control-regex
  const cleaned = name.replace(/[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]/g, '').replace(/[/\\]/g, '_').trim();
  return cleaned === '' || cleaned === '.' || cleaned === '..' ? fallback : cleaned;
}

/** The name of a `.keyward` file without that suffix. */
export const withoutKeywardSuffix = (name: string) => name.replace(/\.keyward$/i, '') || 'decrypted';

/** The name a decrypted file is saved under: its own name from the metadata, made safe, else the `.keyward` file's. */
export const decryptedName = (metaName: string, fileName: string) => safeDownloadName(metaName, withoutKeywardSuffix(fileName));

/** Safe for a file name in a zip or a download: a base name without separators. */
export const keyFileName = (name: string) => safeDownloadName(name, 'key').replace(/\s+/g, '-');
