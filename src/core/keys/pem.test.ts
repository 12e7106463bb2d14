import { describe, expect, it } from 'vitest';
import ownerPubPem from '../testdata/keys/owner.pub.pem?raw';
import { toBytes, toHex } from '../bytes.ts';
import { isKeywardError } from '../errors.ts';
import { encodePem, looksLikePem, parsePem, parsePemKeyBlocks } from './pem.ts';

function expectUnreadable(fn: () => unknown, reason: RegExp): void {
  try {
    fn();
  } catch (error) {
    expect(isKeywardError(error) && error.code).toBe('KEY_UNREADABLE');
    if (isKeywardError(error)) expect(error.details.reason).toMatch(reason);
    return;
  }
  expect.fail('expected KEY_UNREADABLE');
}

const owner = parsePem(ownerPubPem);
const body = ownerPubPem.split('\n').slice(1, -2).join('\n');

describe('parsePem', () => {
  it('reads the label and the DER of an OpenSSL PEM', () => {
    expect(owner.label).toBe('PUBLIC KEY');
    expect(owner.der.length).toBe(422);
    expect(toHex(owner.der.subarray(0, 4))).toBe('308201a2');
  });

  it.each([
    ['CRLF line ends', ownerPubPem.replace(/\n/g, '\r\n')],
    ['indentation and blank lines', `\n\n   ${ownerPubPem.replace(/\n/g, '\n    ')}\n\n`],
    ['text before and after', `My key, as promised:\n\n${ownerPubPem}\n-- \nAlice\n`],
    ['line breaks turned into spaces', ownerPubPem.replace(/\n/g, ' ')],
    ['no line breaks at all', ownerPubPem.replace(/\n/g, '')],
    ['a certificate block next to the key', `-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n${ownerPubPem}`],
  ])('accepts %s', (_name, text) => {
    const block = parsePem(text);
    expect(block.label).toBe('PUBLIC KEY');
    expect(block.der).toEqual(owner.der);
  });

  it('returns a non-key block when there is no key block, so the caller can name it', () => {
    expect(parsePem('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----').label).toBe('CERTIFICATE');
  });

  it.each([
    ['mismatched labels', ownerPubPem.replace('END PUBLIC KEY', 'END PRIVATE KEY'), /do not match/],
    ['a BEGIN without END', ownerPubPem.replace(/-----END.*/, ''), /no END/],
    ['an END without BEGIN', ownerPubPem.replace(/-----BEGIN.*/, ''), /no BEGIN/],
    ['two keys', ownerPubPem + ownerPubPem, /more than one key/],
    ['no block', 'hello', /no PEM block/],
    ['an empty body', '-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----', /empty/],
    ['a character outside base64', ownerPubPem.replace('MIIB', 'MI_B'), /not valid base64/],
    ['missing padding', '-----BEGIN PUBLIC KEY-----\nAAE\n-----END PUBLIC KEY-----', /multiple of 4/],
    ['padding inside', '-----BEGIN PUBLIC KEY-----\nAA==AAAA\n-----END PUBLIC KEY-----', /padding inside/],
    ['non-zero trailing bits', '-----BEGIN PUBLIC KEY-----\nAAF=\n-----END PUBLIC KEY-----', /trailing bits/],
    ['a truncated base64 body', `-----BEGIN PUBLIC KEY-----\n${body.slice(0, 102)}\n-----END PUBLIC KEY-----`, /base64/],
    [
      'legacy OpenSSL encryption headers',
      '-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----',
      /legacy OpenSSL-encrypted/,
    ],
    ['other headers', '-----BEGIN PUBLIC KEY-----\nComment: hi\n\nAAAA\n-----END PUBLIC KEY-----', /headers/],
  ])('refuses %s', (_name, text, reason) => {
    expectUnreadable(() => parsePem(text), reason);
  });
});

describe('encodePem', () => {
  it('writes what OpenSSL writes', () => {
    expect(encodePem('PUBLIC KEY', owner.der)).toBe(ownerPubPem);
  });

  it('round-trips every length of the final line', () => {
    for (let n = 0; n < 100; n++) {
      const der = toBytes(Uint8Array.from({ length: n }, (_, i) => (i * 37) & 0xff));
      const pem = encodePem('TEST', der);
      expect(pem.split('\n').every((line) => line.length <= 64)).toBe(true);
      if (n > 0) expect(parsePem(pem)).toEqual({ label: 'TEST', der });
    }
  });

  it('is recognised as PEM', () => {
    expect(looksLikePem(ownerPubPem)).toBe(true);
    expect(looksLikePem('{"kty":"RSA"}')).toBe(false);
  });
});

describe('parsePemKeyBlocks', () => {
  const cert = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';

  it('returns every key block in order, skipping other blocks', () => {
    const second = encodePem('PRIVATE KEY', Uint8Array.of(1, 2, 3));
    const blocks = parsePemKeyBlocks(`intro\n${ownerPubPem}${cert}${second}outro`);
    expect(blocks.map((b) => b.label)).toEqual(['PUBLIC KEY', 'PRIVATE KEY']);
    expect(blocks[0]!.der).toEqual(owner.der);
    expect(parsePemKeyBlocks(cert)).toEqual([]);
  });

  it('checks every boundary and key body as parsePem does', () => {
    expectUnreadable(() => parsePemKeyBlocks(`${ownerPubPem}-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PRIVATE KEY-----`), /do not match/);
    expectUnreadable(() => parsePemKeyBlocks(`${ownerPubPem}-----BEGIN PUBLIC KEY-----\nA!AA\n-----END PUBLIC KEY-----`), /base64/);
    expectUnreadable(() => parsePemKeyBlocks(`${ownerPubPem}-----BEGIN PUBLIC KEY-----\nAAAA\n`), /no END line/);
  });
});
