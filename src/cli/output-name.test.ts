/** Safe output names from untrusted metadata. */
import { outputNameFor, safeBaseName } from './output-name.ts';

describe('safeBaseName', () => {
  it.each(['report.pdf', 'Résumé (final).docx', '.hidden', '..evil', 'a..b', 'name with spaces', '日本語.txt', 'x'.repeat(255)])(
    'keeps %j',
    (name) => {
      expect(safeBaseName(name)).toBe(name);
    },
  );

  it.each([
    '',
    '.',
    '..',
    '../evil',
    'a/b',
    '/etc/passwd',
    'a\\b',
    '..\\..\\evil',
    'nul\u0000byte',
    'tab\there',
    'new\nline',
    'esc\u001b[31m',
    'del\u007f',
    'c1\u0085',
    'rlo\u202etxt.exe',
    'lri\u2066x',
    'ls\u2028x',
    'x'.repeat(256),
    'é'.repeat(128),
  ])('refuses %j', (name) => {
    expect(safeBaseName(name)).toBeNull();
  });
});

describe('outputNameFor', () => {
  it('uses a safe metadata name', () => {
    expect(outputNameFor('report.pdf', '/in/x.keyward')).toEqual({ name: 'report.pdf', fromMetadata: true });
  });

  it('falls back to the input name without .keyward, then to "decrypted"', () => {
    expect(outputNameFor('../evil', '/in/report.pdf.keyward')).toEqual({ name: 'report.pdf', fromMetadata: false });
    expect(outputNameFor('../evil', '/in/data.bin')).toEqual({ name: 'decrypted', fromMetadata: false });
    expect(outputNameFor('../evil', '/in/.keyward')).toEqual({ name: 'decrypted', fromMetadata: false });
    expect(outputNameFor('a/b', '/in/...keyward')).toEqual({ name: 'decrypted', fromMetadata: false });
  });
});
