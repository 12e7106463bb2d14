#!/usr/bin/env node
// Keyward outside tool (docs/outside-tools.md, councils; spec keyward-v2.md §8.2): combine k shares of a council's
// file key, each unwrapped by its member with `openssl pkeyutl -decrypt` under the label "keyward/v2 share i", and
// open the file with the key. node:crypto only, no Keyward code.
//
//   node keyward-combine.mjs SHARE... FILE.keyward OUT          decrypt to OUT
//   node keyward-combine.mjs --header-only SHARE... PREFIX      check that the shares open a header (a drill)
//
// A share is 33 bytes, y_1 .. y_32 || x; each key byte is the Lagrange interpolation at 0 of the points (x, y_j)
// over GF(2^8) modulo x^8 + x^4 + x^3 + x + 1. Refuses (exit 1, "keyward-combine: REASON" on stderr, nothing
// written) unless the combined key opens the header (HMAC) and then, as keyward-open.mjs checks: the metadata,
// every STREAM chunk in order, the size and for v2 the signature. The plaintext is written only after all passed.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';

function fail(why) {
  process.stderr.write(`keyward-combine: ${why}\n`);
  process.exit(1);
}
const args = process.argv.slice(2);
const headerOnly = args[0] === '--header-only';
if (headerOnly) args.shift();
const outPath = headerOnly ? undefined : args.pop();
const filePath = args.pop();
if (args.length < 1) fail('usage: keyward-combine.mjs SHARE... FILE.keyward OUT | --header-only SHARE... PREFIX');

// GF(2^8): shift-and-add product, inverse a^254; l_i(0) = prod_{m != i} x_m / (x_m + x_i), addition is XOR.
const mul = (a, b) => {
  let p = 0;
  for (; b > 0; b >>= 1, a = a & 0x80 ? (a << 1) ^ 0x11b : a << 1) if (b & 1) p ^= a;
  return p;
};
const inv = (a) => {
  let r = 1;
  for (let e = 254; e > 0; e >>= 1, a = mul(a, a)) if (e & 1) r = mul(r, a);
  return r;
};
const shares = args.map((p) => fs.readFileSync(p));
const xs = shares.map((s, i) => (s.length === 33 && s[32] !== 0 ? s[32] : fail(`${args[i]} is not a 33-byte share with a nonzero point`)));
if (new Set(xs).size !== xs.length) fail('two shares have the same point (one member\'s share given twice?)');
const basis = xs.map((xi, i) => xs.reduce((acc, xm, m) => (m === i ? acc : mul(acc, mul(xm, inv(xm ^ xi)))), 1));
const fileKey = Buffer.alloc(32);
for (let j = 0; j < 32; j++) fileKey[j] = shares.reduce((acc, s, i) => acc ^ mul(basis[i], s[j]), 0);
const file = fs.readFileSync(filePath);

// Prefix: magic || u32be(hlen) || header || hmac.
const magic = file.subarray(0, 10).toString('latin1');
const version = magic === 'KEYWARD/1\n' ? 1 : magic === 'KEYWARD/2\n' ? 2 : fail('not a Keyward v1 or v2 file');
if (file.length < 14) fail('truncated inside the header length');
const hlen = file.readUInt32BE(10);
if (hlen < 1 || hlen > 1048576) fail('header length out of bounds');
const prefixEnd = 14 + hlen + 32;
const sigLen = version === 2 && !headerOnly ? 64 : 0;
if (file.length < prefixEnd + sigLen) fail('truncated inside the header, its HMAC or the signature');
if (headerOnly && file.length !== prefixEnd) fail('not exactly a prefix (magic, length, header, HMAC)');
let header;
try {
  header = JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(file.subarray(14, 14 + hlen)));
} catch {
  fail('the header is not UTF-8 JSON');
}
if (header === null || typeof header !== 'object' || header.version !== version) fail(`the header is not a version ${version} header`);
function b64u(s, what, len) {
  if (typeof s !== 'string' || !/^[A-Za-z0-9_-]*$/.test(s)) fail(`${what} is not base64url`);
  const b = Buffer.from(s, 'base64url');
  if (b.toString('base64url') !== s || (len !== undefined && b.length !== len)) fail(`${what} is not valid`);
  return b;
}
const salt = b64u(header.salt, 'salt', 16);
const { chunkSize } = header;
if (!Number.isInteger(chunkSize) || chunkSize < 65536 || chunkSize > 16777216 || (chunkSize & (chunkSize - 1)) !== 0) fail('bad chunkSize');

// v1 §2 keys; the HMAC before any header field is trusted.
const hkdf = (info) => Buffer.from(crypto.hkdfSync('sha256', fileKey, salt, Buffer.from(`keyward/v1 ${info}`), 32));
const mac = crypto.createHmac('sha256', hkdf('header')).update(file.subarray(0, 14 + hlen)).digest();
if (!crypto.timingSafeEqual(mac, file.subarray(14 + hlen, prefixEnd))) fail('the combined key does not open this header (HMAC): a share is wrong, or fewer than k');
function gcm(key, nonce, sealed) {
  if (sealed.length < 16) return null;
  try {
    const d = crypto.createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: 16 });
    d.setAuthTag(sealed.subarray(sealed.length - 16));
    return Buffer.concat([d.update(sealed.subarray(0, sealed.length - 16)), d.final()]);
  } catch {
    return null;
  }
}
const metaBytes = gcm(hkdf('meta'), Buffer.alloc(12), b64u(header.meta, 'meta')) ?? fail('the metadata does not decrypt');
let meta;
try {
  meta = JSON.parse(metaBytes.toString('utf8'));
} catch {
  fail('the metadata is not JSON');
}
if (!Number.isSafeInteger(meta?.size) || meta.size < 0) fail('the metadata has no size');
if (headerOnly) {
  process.stderr.write(`keyward-combine: the combined key opens the header of file ${header.fileId} (${JSON.stringify(meta.name)}, ${meta.size} bytes)\n`);
  process.exit(0);
}

// v1 §4 STREAM: chunkSize + 16 bytes each, nonce u88be(i) || flag, flag 1 only on the chunk that ends the payload.
const payload = file.subarray(prefixEnd, file.length - sigLen);
const payloadKey = hkdf('payload');
const full = chunkSize + 16;
const out = [];
const leaves = [];
for (let i = 0, pos = 0; ; i++, pos += full) {
  const rest = payload.length - pos;
  if (rest <= 0) fail('truncated: no chunk ends the file');
  const last = rest <= full;
  const nonce = Buffer.alloc(12);
  nonce.writeUIntBE(i, 5, 6);
  nonce[11] = last ? 1 : 0;
  const chunk = payload.subarray(pos, pos + Math.min(rest, full));
  const plain = gcm(payloadKey, nonce, chunk) ?? fail(`chunk ${i} does not decrypt (changed, reordered, cut or followed by bytes)`);
  if (last && plain.length === 0 && i > 0) fail('an empty last chunk after other chunks');
  leaves.push(crypto.createHash('sha256').update(chunk).digest());
  out.push(plain);
  if (last) break;
}
const plaintext = Buffer.concat(out);
if (plaintext.length !== meta.size) fail(`${plaintext.length} bytes decrypted, the metadata says ${meta.size}`);

// v2 §3.2-3.3: payloadDigest over the chunk leaves, Ed25519 signature by the header's signer.
if (version === 2) {
  const signer = header.signer ?? fail('the header names no signer');
  const rsa = b64u(signer.publicKey, 'signer.publicKey');
  const ed = b64u(signer.signingKey, 'signer.signingKey', 44);
  const id = `SHA256:${crypto.createHash('sha256').update(rsa).update(ed).digest('hex')}`;
  if (signer.id !== id) fail('signer.id is not the identity ID of the signer\'s keys');
  const digest = crypto.createHash('sha256').update('keyward/v2 payload\0').update(Buffer.concat(leaves)).digest();
  const message = Buffer.concat([Buffer.from('keyward/v2 file\0'), file.subarray(0, prefixEnd), digest]);
  const key = crypto.createPublicKey({ key: ed, format: 'der', type: 'spki' });
  if (key.asymmetricKeyType !== 'ed25519' || !crypto.verify(null, message, key, file.subarray(file.length - 64))) {
    fail('the file signature does not verify');
  }
  process.stderr.write(`keyward-combine: signed by ${id}\n`);
}
fs.writeFileSync(outPath, plaintext, { flag: 'wx' });
