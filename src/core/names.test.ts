/** The one name filter of the CLI and the app, and the escaping of names for a terminal. */
import { cleanFileName, displayJson, escapeUnsafeChars, hasUnsafeNameChar, isUnsafeNameChar } from './names.ts';

/** Every character the filter must catch: controls, separators, bidi controls, zero-width characters. */
const UNSAFE = [
  ...Array.from({ length: 0x20 }, (_, i) => i),
  ...Array.from({ length: 0x21 }, (_, i) => 0x7f + i),
  0x061c,
  0x200b,
  0x200c,
  0x200d,
  0x200e,
  0x200f,
  0x2028,
  0x2029,
  0x202a,
  0x202b,
  0x202c,
  0x202d,
  0x202e,
  0x2060,
  0x2066,
  0x2067,
  0x2068,
  0x2069,
  0xfeff,
];

describe('isUnsafeNameChar', () => {
  it.each(UNSAFE.map((cp) => [`U+${cp.toString(16).padStart(4, '0')}`, cp]))('catches %s', (_, cp) => {
    expect(isUnsafeNameChar(cp)).toBe(true);
    expect(hasUnsafeNameChar(`a${String.fromCodePoint(cp)}b`)).toBe(true);
  });

  it.each([' ', 'a', '.', '-', '_', 'é', '日', '😀', '\u00a0', '\u0600', '\u200a', '\u2010', '\u2061', '\u206a', '\ufefe'])('lets %j through', (ch) => {
    expect(isUnsafeNameChar(ch.codePointAt(0)!)).toBe(false);
  });
});

describe('cleanFileName', () => {
  it.each(['report.pdf', 'Résumé (final).docx', 'a..b', 'name with spaces', '日本語.txt', 'a-b', 'x'.repeat(255), 'é'.repeat(127)])('keeps %j', (name) => {
    expect(cleanFileName(name)).toBe(name);
  });

  it.each([
    ['.bashrc', 'bashrc'],
    ['.bash_aliases', 'bash_aliases'],
    ['..evil', 'evil'],
    ['-rf', 'rf'],
    ['--force', 'force'],
    ['. -.-x', 'x'],
    ['  padded  ', 'padded'],
    ['../evil', '_evil'],
    ['a/b', 'a_b'],
    ['/etc/passwd', '_etc_passwd'],
    ['..\\..\\evil', '_.._evil'],
    ['tab\there', 'tabhere'],
    ['new\nline', 'newline'],
    ['esc\u001b[31m', 'esc[31m'],
    ['c1\u0085\u009b', 'c1'],
    ['txt.\u202eexe', 'txt.exe'],
    ['alm\u061cx', 'almx'],
    ['zw\u200bs\u200c\u200dp', 'zwsp'],
    ['wj\u2060x', 'wjx'],
    ['\ufeffbom.txt', 'bom.txt'],
    ['lri\u2066x\u2069', 'lrix'],
    ['ls\u2028ps\u2029', 'lsps'],
    ['\u200b.bashrc', 'bashrc'],
    ['.\u202e-rf', 'rf'],
  ])('cleans %j to %j', (name, cleaned) => {
    expect(cleanFileName(name)).toBe(cleaned);
  });

  it.each(['', '.', '..', '...', '-', ' ', '\u202e', '\u200b.', '\n', 'x'.repeat(256), 'é'.repeat(128)])('finds nothing usable in %j', (name) => {
    expect(cleanFileName(name)).toBeNull();
  });
});

describe('escapeUnsafeChars', () => {
  it('writes unsafe characters as \\u escapes and leaves the rest', () => {
    expect(escapeUnsafeChars('a\u202eb\u200bc\u061cd\u0085e é 日')).toBe('a\\u202eb\\u200bc\\u061cd\\u0085e é 日');
  });

});

describe('displayJson', () => {
  it('is indented JSON with no raw unsafe character, and parses to the same value', () => {
    const value = { description: 'txt.\u202eexe\\\u202e', owner: { name: '\u0085\u009b[2J\u2066\ufeff\u061c\u200b\u2028\n\u001b' } };
    const text = displayJson(value);
    expect(text).toContain('\n  "owner": {\n');
    expect(text).toContain('txt.\\u202eexe\\\\\\u202e');
    expect(hasUnsafeNameChar(text.replaceAll('\n', ''))).toBe(false);
    expect(JSON.parse(text)).toEqual(value);
  });
});
