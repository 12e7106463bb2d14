import { ERROR_CODES, KeywardError, isKeywardError, userMessage } from './errors.ts';

describe('KeywardError', () => {
  it('has a sentence for every code, saying what happened and what to do', () => {
    for (const code of ERROR_CODES) {
      const message = userMessage(code);
      expect(message.length, code).toBeGreaterThan(25);
      expect(message, code).toMatch(/\.$/);
      expect(message, code).not.toMatch(/undefined|\[object|Error:/);
    }
  });

  it('does not tell someone whose file already ends in .keyward to choose one that does', () => {
    // A garbage or empty NAME.keyward is NOT_KEYWARD: the sentence must fit a file with the right name too.
    expect(userMessage('NOT_KEYWARD')).not.toMatch(/choose a file whose name ends in \.keyward/i);
    expect(userMessage('NOT_KEYWARD')).toMatch(/If its name ends in \.keyward, it was damaged or replaced/);
  });

  it('names the chunk and the key IDs', () => {
    expect(new KeywardError('CHUNK_TAMPERED', { chunkIndex: 3 }).message).toContain('chunk 3');
    expect(new KeywardError('NO_MATCHING_KEY', { keyIds: ['SHA256:ab', 'SHA256:cd'] }).message).toContain('SHA256:ab, SHA256:cd');
    expect(new KeywardError('KEY_TOO_WEAK', { bits: 1024 }).message).toContain('1024 bits');
  });

  it('is recognised across realms by name and code', () => {
    const error = new KeywardError('TRUNCATED');
    expect(isKeywardError(error)).toBe(true);
    expect(isKeywardError({ name: 'KeywardError', code: 'TRUNCATED', message: 'x' })).toBe(true);
    expect(isKeywardError({ name: 'KeywardError', code: 'NOPE' })).toBe(false);
    expect(isKeywardError(new TypeError('x'))).toBe(false);
  });
});
