/**
 * The name a decrypted file is saved under when no `--out` is given. It
 * comes from the file's metadata, which is authenticated but chosen by
 * whoever made the file: it is used only if it is a plain name inside the
 * input's folder, never a path.
 */
import { basename } from 'node:path';

/** Linux NAME_MAX, in bytes. */
const MAX_NAME_BYTES = 255;

/**
 * C0 and C1 controls (a newline or an escape sequence in a name can spoof a
 * terminal), and the bidirectional and line-separator characters that make a
 * name display as something else (`exe.txt` shown for `txt.exe`).
 */
function isUnsafeChar(codePoint: number): boolean {
  return (
    codePoint <= 0x1f ||
    (codePoint >= 0x7f && codePoint <= 0x9f) ||
    codePoint === 0x200e ||
    codePoint === 0x200f ||
    codePoint === 0x2028 ||
    codePoint === 0x2029 ||
    (codePoint >= 0x202a && codePoint <= 0x202e) ||
    (codePoint >= 0x2066 && codePoint <= 0x2069)
  );
}

/**
 * Returns `name` if it is safe as a file name in a folder, else `null`.
 * Unsafe: empty, `.` or `..`, any `/` or `\` (a name made on Windows uses
 * `\`), control or bidirectional characters, or longer than 255 bytes.
 */
export function safeBaseName(name: string): string | null {
  if (name === '' || name === '.' || name === '..') return null;
  if (name.includes('/') || name.includes('\\')) return null;
  for (const ch of name) if (isUnsafeChar(ch.codePointAt(0)!)) return null;
  if (Buffer.byteLength(name, 'utf8') > MAX_NAME_BYTES) return null;
  return name;
}

/** The default output name and whether the metadata's own name was used. */
export interface OutputName {
  name: string;
  fromMetadata: boolean;
}

/**
 * Picks the output file name: the metadata name if safe; else the input's
 * name without `.keyward`; else `decrypted`.
 *
 * @param metaName - the original name from the file's metadata (untrusted)
 * @param inputPath - the encrypted file's path
 */
export function outputNameFor(metaName: string, inputPath: string): OutputName {
  const fromMeta = safeBaseName(metaName);
  if (fromMeta !== null) return { name: fromMeta, fromMetadata: true };
  const input = basename(inputPath);
  // Without the suffix the "fallback" would be the input itself.
  const stripped = input.endsWith('.keyward') ? safeBaseName(input.slice(0, -'.keyward'.length)) : null;
  return { name: stripped ?? 'decrypted', fromMetadata: false };
}
