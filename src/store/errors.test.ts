import { ERROR_CODES, KeywardError, userMessage } from '../core/index.ts';
import { appError, toUiError } from './errors.ts';

describe('the app shows the one sentence of each code', () => {
  it('for errors made in the app', () => {
    for (const code of ERROR_CODES) expect(appError(code)).toEqual({ code, message: userMessage(code) });
    expect(appError('KEY_EXISTS', { name: 'Work' }).message).toBe(userMessage('KEY_EXISTS', { name: 'Work' }));
  });

  it('for errors from the core, the Worker and storage, keeping the key IDs to list', () => {
    const error = new KeywardError('NO_MATCHING_KEY', { keyIds: ['SHA256:ab'] });
    expect(toUiError(error)).toEqual({ code: 'NO_MATCHING_KEY', message: error.message, keyIds: ['SHA256:ab'] });
    expect(toUiError(new KeywardError('DB_BLOCKED'))).toEqual({ code: 'DB_BLOCKED', message: userMessage('DB_BLOCKED') });
  });

  it('for anything else, INTERNAL, without its text or stack', () => {
    const shown = toUiError(new TypeError('secret at line 3'));
    expect(shown).toEqual({ code: 'INTERNAL', message: userMessage('INTERNAL') });
  });
});
