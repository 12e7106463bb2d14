/**
 * The name a decrypted file is saved under when no `--out` is given. It
 * comes from the file's metadata, which is authenticated but chosen by
 * whoever made the file: it is cleaned by the core's one rule
 * (`cleanFileName`: never a path, a hidden file, a name starting with `-`,
 * or invisible characters) and used only inside the input's folder. Such a
 * name never replaces an existing file (write-plaintext.ts).
 */
import { basename } from 'node:path';
import { cleanFileName } from '../core/index.ts';

/** The default output name and whether it is the metadata's name exactly as stored. */
export interface OutputName {
  name: string;
  asStored: boolean;
}

/**
 * Picks the output file name: the metadata name, cleaned; if nothing usable
 * is left, the input's name without `.keyward`, cleaned the same way; else
 * `decrypted`.
 *
 * @param metaName - the original name from the file's metadata (untrusted)
 * @param inputPath - the encrypted file's path
 */
export function outputNameFor(metaName: string, inputPath: string): OutputName {
  const fromMeta = cleanFileName(metaName);
  if (fromMeta !== null) return { name: fromMeta, asStored: fromMeta === metaName };
  const input = basename(inputPath);
  // Without the suffix the "fallback" would be the input itself.
  const stripped = input.endsWith('.keyward') ? cleanFileName(input.slice(0, -'.keyward'.length)) : null;
  return { name: stripped ?? 'decrypted', asStored: false };
}
