/** Output names from untrusted metadata. */
import { outputNameFor } from './output-name.ts';

describe('outputNameFor', () => {
  it.each(['report.pdf', 'Résumé (final).docx', 'a..b', '日本語.txt'])('uses the safe metadata name %j as stored', (name) => {
    expect(outputNameFor(name, '/in/x.keyward')).toEqual({ name, asStored: true });
  });

  it.each([
    ['.bashrc', 'bashrc'],
    ['.bash_aliases', 'bash_aliases'],
    ['-rf', 'rf'],
    ['../evil', '_evil'],
    ['txt.\u202eexe', 'txt.exe'],
  ])('cleans %j to %j', (metaName, name) => {
    expect(outputNameFor(metaName, '/in/x.keyward')).toEqual({ name, asStored: false });
  });

  it('falls back to the input name without .keyward, cleaned, then to "decrypted"', () => {
    expect(outputNameFor('..', '/in/report.pdf.keyward')).toEqual({ name: 'report.pdf', asStored: false });
    expect(outputNameFor('', '/in/.profile.keyward')).toEqual({ name: 'profile', asStored: false });
    expect(outputNameFor('\u202e', '/in/-rf.keyward')).toEqual({ name: 'rf', asStored: false });
    expect(outputNameFor('.', '/in/data.bin')).toEqual({ name: 'decrypted', asStored: false });
    expect(outputNameFor('..', '/in/.keyward')).toEqual({ name: 'decrypted', asStored: false });
    expect(outputNameFor('x'.repeat(256), '/in/...keyward')).toEqual({ name: 'decrypted', asStored: false });
  });
});
