/**
 * `keyward decrypt`: open FILE.keyward with one's own key, or with a recovery
 * blob and one's new key (spec v1 §3–§5); a signed recovery blob only from a
 * pinned issuer, and a signed file only from the expected author if one is
 * named (keyward-v2.md §3.4, §6).
 */
import { KeywardError, type Unlock } from '../../core/index.ts';
import { loadSignedObject } from '../blob-files.ts';
import { usageError, withContext } from '../errors.ts';
import { loadPrivateKey, loadPublicKeyFile, needIdentity } from '../key-files.ts';
import { type CliContext, type Command, argsOrHelp } from './command.ts';
import { printWritten, writePlaintext } from './write-plaintext.ts';

const SPEC = {
  positionals: ['FILE.keyward'],
  flags: {
    key: { type: 'string', required: true },
    recovery: { type: 'string' },
    trust: { type: 'string' },
    signer: { type: 'string' },
    out: { type: 'string' },
    force: { type: 'boolean' },
  },
} as const;

const USAGE = `Usage: keyward decrypt FILE.keyward --key KEY.pem [--recovery RECOVERY.json [--trust AUTH.pub.pem]]
        [--signer OWNER.pub.pem] [--out PATH] [--force]

Decrypts a file with your private key, or with a recovery blob from your
backup authority and the new key it was issued for.

Options:
  --key PATH            your private identity or key: PKCS#8, PKCS#1, encrypted PKCS#8 PEM, or JWK
                        (an encrypted key takes KEYWARD_PASSPHRASE, else asks on the terminal)
  --recovery PATH       a recovery blob issued for --key: a signed one (keyward-recovery/2)
                        needs --trust; an unsigned one (keyward-recovery/1) is refused with --trust
  --trust PATH          the public identity of your backup authority: the only issuer whose
                        signed recovery blob is accepted (anyone else's is SIGNER_UNTRUSTED)
  --signer PATH         the public identity the file must be signed by (its owner): another
                        signer, or an unsigned (format 1) file, is SIGNER_UNTRUSTED
  --out PATH            where to save the plaintext (default: the file's original
                        name, next to FILE.keyward; see "Without --out" below)
  --force               replace an existing --out file (it keeps its permissions)

Without --out, the name stored in the file is used, cleaned: control, bidi and
zero-width characters removed, / and \\ made _, and leading dots, dashes and
spaces removed (so never a path, a hidden file or an option). If nothing is
left, FILE without .keyward (cleaned the same way), else "decrypted". A stored
name never replaces an existing file, even with --force: OUTPUT_EXISTS, and
--out chooses the path instead.

The output appears only after every chunk verified, the size matched and, for
a signed file, its signature verified.
`;

async function run(argv: readonly string[], ctx: CliContext): Promise<void> {
  const args = argsOrHelp(SPEC, argv, USAGE, ctx);
  if (!args) return;
  const { key: keyPath, recovery, trust, signer, out, force } = args.flags;
  if (trust !== undefined && recovery === undefined) throw usageError('--trust names the issuer of a --recovery blob', USAGE);
  const inputPath = args.positionals['FILE.keyward'];
  let how = '';
  const written = await writePlaintext(ctx, {
    inputPath,
    out,
    force,
    unlock: async () => {
      const expected = signer === undefined ? undefined : needIdentity(await loadPublicKeyFile(signer, '--signer'), '--signer', signer, 'cannot sign');
      const trusted = trust === undefined ? undefined : needIdentity(await loadPublicKeyFile(trust, '--trust'), '--trust', trust, 'cannot sign');
      const key = await loadPrivateKey(keyPath, '--key', ctx.env);
      const expectSigner = expected?.id;
      if (recovery === undefined) return { unlock: { keys: [key] }, expectSigner };
      const parsed = await loadSignedObject(recovery, '--recovery');
      let unlock: Unlock;
      if (parsed.kind === 'recovery-v1') {
        // §6: unsigned, so a reader told to trust only a pinned issuer refuses it.
        if (trusted) throw withContext(new KeywardError('SIGNER_UNTRUSTED', { reason: 'an unsigned (v1) recovery blob, and --trust pins its issuer' }), `--recovery ${recovery}`);
        how = `recovery blob ${recovery} (unsigned, v1), key ${key.keyId}`;
        unlock = { blob: parsed.blob, key };
      } else if (parsed.kind === 'recovery-v2') {
        // With nothing pinned, the core refuses every signed recovery blob (§6 step 3).
        how = `recovery blob ${recovery} issued by ${parsed.blob.issuer.id}, key ${key.keyId}`;
        unlock = { recovery: parsed.blob, key, trusted: trusted ? [trusted.id] : [] };
      } else {
        throw withContext(new KeywardError('MALFORMED', { reason: `this is ${parsed.kind === 'receipt' ? 'a receipt' : 'an escrow blob'}, not a recovery blob` }), `--recovery ${recovery}`);
      }
      return { unlock, expectSigner };
    },
  });
  const stanza = written.opened.stanza;
  printWritten(ctx, inputPath, written, stanza ? `${stanza.role} key ${stanza.keyId}` : how);
}

/** `keyward decrypt`. */
export const decryptCommand: Command = { name: 'decrypt', summary: 'decrypt a file with your key (or a recovery blob)', usage: USAGE, run };
