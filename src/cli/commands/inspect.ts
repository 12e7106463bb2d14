/**
 * `keyward inspect`: what a `.keyward` file or an escrow/recovery blob says
 * about itself, as JSON, without any key. Nothing secret is shown, and
 * nothing shown is verified: only a key can check the header's HMAC or a
 * blob's MAC, and `keyward verify` or `escrow check` a signature.
 */
import { displayJson, parseSignedObject, splitFile, summarizeHeader } from '../../core/index.ts';
import { readBlobText } from '../blob-files.ts';
import { openInput, readStart } from '../node-io.ts';
import { type CliContext, type Command, argsOrHelp } from './command.ts';

const SPEC = { positionals: ['FILE'], flags: {} } as const;

const USAGE = `Usage: keyward inspect FILE.keyward | BLOB.json

Prints, as JSON on stdout, what the file says about itself (no key needed,
so none of it is verified):
  a .keyward file:  fileId, serial, chunkSize, recipients (role, keyId),
                    headerSize, headerHmac, signer (the identity ID the
                    header names, or "unsigned (v1)")
  a v1 blob:        format, fileId, serial, description, createdAt, owner,
                    authority, headerHmac, signer "unsigned (v1)"
  a v2 escrow blob: format, fileId, serial, description, createdAt, owner
                    (name, id), authority, payloadDigest, signer
  a v2 recovery blob: format, fileId, serial, description, createdAt, owner,
                    issuer, headerHmac, escrowDigest, signer (a council member's
                    partial one: its issuer names the council and the member's index)
  a receipt:        format, fileId, serial, escrowDigest, owner, authority
                    (name, id), receivedAt, signer
  a drill report:   format, council, createdAt, members, results, signer (the
                    identity IDs of the members who signed it)
"signer" is who the file or blob claims signed it: "keyward verify" and
"keyward escrow check" check that. Wrapped keys, salts, MACs and signatures
are not shown. Control, bidi and zero-width characters in names and
descriptions are written as \\u escapes (the JSON parses to the same text).
`;

/** A UTF-8 byte-order mark, then JSON whitespace: what may precede a blob's `{`. */
function looksLikeJson(start: Uint8Array): boolean {
  let i = start[0] === 0xef && start[1] === 0xbb && start[2] === 0xbf ? 3 : 0;
  while (i < start.length && [0x20, 0x09, 0x0a, 0x0d].includes(start[i]!)) i++;
  return start[i] === 0x7b;
}

/** What a blob or receipt says, without wrapped keys, signatures or the file's prefix; `signer` is who claims to have signed it. */
async function describeBlob(path: string): Promise<object> {
  const parsed = parseSignedObject(await readBlobText(path));
  switch (parsed.kind) {
    case 'escrow-v1':
    case 'recovery-v1': {
      const { format, fileId, serial, description, createdAt, owner, authority, headerHmac } = parsed.blob;
      return { format, fileId, serial, description, createdAt, owner, authority, headerHmac, signer: 'unsigned (v1)' };
    }
    case 'escrow-v2': {
      const { format, fileId, serial, description, createdAt, owner, authority, payloadDigest } = parsed.blob;
      return { format, fileId, serial, description, createdAt, owner: { name: owner.name, id: owner.id }, authority, payloadDigest, signer: owner.id };
    }
    case 'recovery-v2': {
      const { format, fileId, serial, description, createdAt, headerHmac, escrowDigest, owner, issuer } = parsed.blob;
      return { format, fileId, serial, description, createdAt, owner, issuer: { kind: issuer.kind, name: issuer.name, id: issuer.id }, headerHmac, escrowDigest, signer: issuer.id };
    }
    case 'partial': {
      // §8.4: a council member's partial recovery blob; its wrapped share is left out.
      const { format, fileId, serial, description, createdAt, headerHmac, escrowDigest, owner, issuer } = parsed.blob;
      const { kind, name, id, council, index } = issuer;
      return { format, fileId, serial, description, createdAt, owner, issuer: { kind, name, id, council, index }, headerHmac, escrowDigest, signer: id };
    }
    case 'receipt': {
      const { format, fileId, serial, escrowDigest, owner, authority, receivedAt } = parsed.receipt;
      return { format, fileId, serial, escrowDigest, owner, authority: { name: authority.name, id: authority.id }, receivedAt, signer: authority.id };
    }
    case 'drill': {
      // §8.5: signed by every member listed; "signer" names them all.
      const { format, council, createdAt, members, results } = parsed.report;
      return { format, council, createdAt, members, results, signer: members.map((m) => m.id) };
    }
  }
}

async function describeFile(path: string): Promise<object> {
  const input = await openInput(path);
  try {
    // Only the prefix is read; the payload is left unread.
    const { parsed, payload } = await splitFile(input.stream());
    await payload.cancel();
    const summary = summarizeHeader(parsed);
    return { ...summary, signer: parsed.header.signer ? parsed.header.signer.id : 'unsigned (v1)' };
  } finally {
    await input.close().catch(() => undefined);
  }
}

async function run(argv: readonly string[], ctx: CliContext): Promise<void> {
  const args = argsOrHelp(SPEC, argv, USAGE, ctx);
  if (!args) return;
  const path = args.positionals.FILE;
  const summary = looksLikeJson(await readStart(path, 64)) ? await describeBlob(path) : await describeFile(path);
  // Names and descriptions are the file maker's text: bidi, zero-width and C1 control characters are printed as \u escapes.
  ctx.print(displayJson(summary));
}

/** `keyward inspect`. */
export const inspectCommand: Command = { name: 'inspect', summary: 'show a file header or blob as JSON (no secrets)', usage: USAGE, run };
