import { KeywardError, userMessage } from '../core/index.ts';
import { EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_USAGE, fromFsError, outputExists, reportError, usageError } from './errors.ts';

const firstLine = (error: unknown) => reportError(error, false).text.split('\n')[0];

describe('the CLI prints the one sentence of each code', () => {
  it('the same as the app, for format, key and file-system codes', () => {
    const tampered = new KeywardError('CHUNK_TAMPERED', { chunkIndex: 2 });
    expect(firstLine(tampered)).toBe(`CHUNK_TAMPERED: ${userMessage('CHUNK_TAMPERED', { chunkIndex: 2 })}`);
    expect(firstLine(outputExists('x.txt'))).toBe(`OUTPUT_EXISTS: ${userMessage('OUTPUT_EXISTS', { path: 'x.txt' })}`);
    expect(reportError(outputExists('x.txt'), false).exitCode).toBe(EXIT_FAILURE);
  });

  it('names the path and the reason of a file-system error', () => {
    const denied = fromFsError(Object.assign(new Error('x'), { code: 'EACCES' }), 'secret.pem', 'read');
    expect(denied).toMatchObject({ code: 'IO_ERROR', details: { path: 'secret.pem', reason: 'permission denied' } });
    expect(firstLine(denied)).toBe('IO_ERROR: Cannot read secret.pem (permission denied). Nothing was saved.');
    const full = fromFsError(Object.assign(new Error('x'), { code: 'ENOSPC' }), 'out.bin', 'write');
    expect(full.code).toBe('NO_SPACE');
    expect(fromFsError(Object.assign(new Error('x'), { code: 'ENOENT' }), 'in.bin', 'read').code).toBe('FILE_NOT_FOUND');
  });

  it('gives usage errors status 2 and the usage text', () => {
    const report = reportError(usageError('missing --owner', 'Usage: keyward encrypt FILE'), false);
    expect(report.exitCode).toBe(EXIT_USAGE);
    expect(report.text).toBe('USAGE: Missing --owner. Run keyward --help to see how to use this command.\n\nUsage: keyward encrypt FILE\n');
    expect(reportError(new KeywardError('INTERRUPTED', { reason: 'by SIGINT' }), false).exitCode).toBe(EXIT_INTERRUPTED);
  });

  it('shows a bug as INTERNAL with no stack unless asked', () => {
    const report = reportError(new TypeError('boom'), false);
    expect(report.text.split('\n')[0]).toBe(`INTERNAL: ${userMessage('INTERNAL')}`);
    expect(report.text).not.toContain('    at ');
    expect(reportError(new TypeError('boom'), true).text).toContain('    at ');
  });
});
