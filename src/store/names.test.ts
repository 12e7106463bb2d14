/** Download names: a name from a file's metadata goes through the core's one filter, as in the CLI. */
import { decryptedName, keyFileName, safeDownloadName } from './names.ts';

describe('safeDownloadName', () => {
  it.each(['report.pdf', 'Résumé (final).docx', '報告書 2026 📊 café.txt', 'a..b', '<img src=x>.txt'])('keeps %j', (name) => {
    expect(safeDownloadName(name, 'file')).toBe(name);
  });

  it.each([
    ['.bashrc', 'bashrc'],
    ['..hidden', 'hidden'],
    ['-rf', 'rf'],
    ['--help.txt', 'help.txt'],
    ['../../evil', '_.._evil'],
    ['a\\b', 'a_b'],
    ['\u202egnp.exe', 'gnp.exe'],
    ['alm\u061c.txt', 'alm.txt'],
    ['zero\u200bwidth\u200c\u200d\u2060\ufeff.txt', 'zerowidth.txt'],
    ['lrm\u200e\u200f.txt', 'lrm.txt'],
    ['iso\u2066\u2067\u2068\u2069.txt', 'iso.txt'],
    ['emb\u202a\u202b\u202c\u202d.txt', 'emb.txt'],
    ['line\u2028para\u2029.txt', 'linepara.txt'],
    ['c0\u0000\u001b[2J c1\u0085.txt', 'c0[2J c1.txt'],
    ['\u200b.profile', 'profile'],
    ['  spaced  ', 'spaced'],
  ])('cleans %j to %j', (name, cleaned) => {
    expect(safeDownloadName(name, 'file')).toBe(cleaned);
  });

  it('falls back, cleaned too, when nothing usable is left', () => {
    expect(safeDownloadName('..', 'decrypted')).toBe('decrypted');
    expect(safeDownloadName('\u202e', '.secret')).toBe('secret');
    expect(safeDownloadName('', '.')).toBe('file');
  });
});

describe('decryptedName and keyFileName', () => {
  it('clean the metadata name, then the .keyward file name', () => {
    expect(decryptedName('.bashrc', 'x.keyward')).toBe('bashrc');
    expect(decryptedName('.', '.bash_aliases.keyward')).toBe('bash_aliases');
    expect(decryptedName('\u202e', '-rf.keyward')).toBe('rf');
  });

  it('key file names have no separator, space, hidden or leading-dash form', () => {
    expect(keyFileName('.Work key / 2026')).toBe('Work-key-_-2026');
    expect(keyFileName('-\u200bme')).toBe('me');
  });
});
