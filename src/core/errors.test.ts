import { APP_ERROR_CODES, KEY_ERROR_CODES, KeywardError, SPEC_ERROR_CODES, isKeywardError, userMessage } from './errors.ts';

describe('KeywardError', () => {
  it('has a sentence for every code, saying what happened and what to do', () => {
    for (const code of [...SPEC_ERROR_CODES, ...KEY_ERROR_CODES, ...APP_ERROR_CODES]) {
      const message = userMessage(code);
      expect(message.length, code).toBeGreaterThan(40);
      expect(message, code).toMatch(/\.$/);
      expect(message, code).not.toMatch(/undefined|\[object|Error:/);
    }
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
