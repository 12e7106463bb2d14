/**
 * File names that come from inside a file. The metadata's `name` is
 * authenticated but chosen by whoever made the file, so before it names a
 * file on disk or a download it is cleaned here, by the one rule the CLI and
 * the app share, and before it is printed its invisible characters are
 * escaped.
 */

/** Linux NAME_MAX, in UTF-8 bytes: a longer name cannot be created. */
export const MAX_NAME_BYTES = 255;

/**
 * Characters that make text display as something else or act on a terminal:
 * C0 and C1 controls (a newline, an escape sequence), the line and paragraph
 * separators, the bidirectional controls (U+061C, U+200E, U+200F,
 * U+202A–U+202E, U+2066–U+2069: `exe.txt` shown for `txt.exe`) and the
 * zero-width characters (U+200B–U+200D, U+2060, U+FEFF: two names that look
 * the same but differ).
 */
export function isUnsafeNameChar(codePoint: number): boolean {
  return (
    codePoint <= 0x1f ||
    (codePoint >= 0x7f && codePoint <= 0x9f) ||
    codePoint === 0x061c ||
    (codePoint >= 0x200b && codePoint <= 0x200f) ||
    (codePoint >= 0x2028 && codePoint <= 0x202e) ||
    codePoint === 0x2060 ||
    (codePoint >= 0x2066 && codePoint <= 0x2069) ||
    codePoint === 0xfeff
  );
}

/** True if `text` holds any character of {@link isUnsafeNameChar}. */
export function hasUnsafeNameChar(text: string): boolean {
  for (const ch of text) if (isUnsafeNameChar(ch.codePointAt(0)!)) return true;
  return false;
}

/**
 * Cleans an untrusted name into a plain file name for a folder:
 * - unsafe characters ({@link isUnsafeNameChar}) are removed;
 * - `/` and `\` (a name made on Windows) become `_`, so it is never a path;
 * - leading dots, dashes and white space are removed (never a hidden file such
 *   as `.bashrc`, never read as an option such as `-rf`, never `.` or `..`),
 *   and trailing white space.
 *
 * @param name - the untrusted name
 * @returns the cleaned name, or `null` if nothing usable is left or it is
 *   longer than {@link MAX_NAME_BYTES} UTF-8 bytes
 */
export function cleanFileName(name: string): string | null {
  let cleaned = '';
  for (const ch of name) if (!isUnsafeNameChar(ch.codePointAt(0)!)) cleaned += ch;
  cleaned = cleaned
    .replace(/[/\\]/g, '_')
    .replace(/^[\s.-]+/u, '')
    .replace(/\s+$/u, '');
  if (cleaned === '') return null;
  if (new TextEncoder().encode(cleaned).length > MAX_NAME_BYTES) return null;
  return cleaned;
}

/** `\uXXXX` for one UTF-16 code unit (every unsafe character is one). */
const escapeOf = (codePoint: number) => `\\u${codePoint.toString(16).padStart(4, '0')}`;

/**
 * `text` with every unsafe character ({@link isUnsafeNameChar}) written as a
 * `\uXXXX` escape, so that a name printed to a terminal shows what it holds
 * instead of acting on the terminal.
 */
export function escapeUnsafeChars(text: string): string {
  let out = '';
  for (const ch of text) {
    const codePoint = ch.codePointAt(0)!;
    out += isUnsafeNameChar(codePoint) ? escapeOf(codePoint) : ch;
  }
  return out;
}

/**
 * `value` as indented JSON that is safe to print: `JSON.stringify` escapes
 * C0 controls inside strings but leaves C1 controls, bidi, zero-width and
 * line-separator characters raw; those are escaped here too. The text
 * parses to the same value.
 */
export function displayJson(value: unknown): string {
  let out = '';
  for (const ch of JSON.stringify(value, null, 2)) {
    const codePoint = ch.codePointAt(0)!;
    // Raw C0 characters in JSON text are its own line breaks and indentation: every one in a string is escaped already.
    out += codePoint > 0x1f && isUnsafeNameChar(codePoint) ? escapeOf(codePoint) : ch;
  }
  return out;
}
