/**
 * `keyward decrypt`: open FILE.keyward with one's own key, or with a recovery
 * blob and one's new key (spec v1 §3–§5); a signed recovery blob only from a
 * pinned issuer, and a signed file only from the expected author if one is
 * named (keyward-v2.md §3.4, §6); or with partial recovery blobs from k
 * distinct members of a pinned council (§8.4).
 */
import { KeywardError, type PartialRecoveryBlob, type Unlock } from '../../core/index.ts';
import { loadSignedObject } from '../blob-files.ts';
import { usageError, withContext } from '../errors.ts';
import { loadPrivateKey, loadPublicKeyFile, loadPublicKeyOrCouncil, needIdentity } from '../key-files.ts';
import { type CliContext, type Command, argsOrHelp } from './command.ts';
import { printWritten, writePlaintext } from './write-plaintext.ts';

const SPEC = {
  positionals: ['FILE.keyward'],
  flags: {
    key: { type: 'string', required: true },
    recovery: { type: 'list' },
    trust: { type: 'string' },
    signer: { type: 'string' },
    out: { type: 'string' },
    force: { type: 'boolean' },
  },
} as const;

const USAGE = `Usage: keyward decrypt FILE.keyward --key KEY.pem [--recovery RECOVERY.json [--trust AUTH.pub.pem]]
        [--signer OWNER.pub.pem] [--out PATH] [--force]
       keyward decrypt FILE.keyward --key KEY.pem --recovery P1.json --recovery P2.json ...
        --trust COUNCIL.json [--signer OWNER.pub.pem] [--out PATH] [--force]

Decrypts a file with your private key, or with a recovery blob from your
backup authority and the new key it was issued for, or with the partial
recovery blobs of council members (keyward reissue by each member).

Options:
  --key PATH            your private identity or key: PKCS#8, PKCS#1, encrypted PKCS#8 PEM, or JWK
                        (an encrypted key takes KEYWARD_PASSPHRASE, else asks on the terminal)
  --recovery PATH       a recovery blob issued for --key: a signed one (keyward-recovery/2)
                        needs --trust; an unsigned one (keyward-recovery/1) is refused with --trust.
                        For a council: once per member's partial blob; they are combined only
                        when they come from at least the council's threshold of distinct members
                        of the --trust council (else QUORUM_NOT_MET, and nothing is unwrapped)
  --trust PATH          the public identity of your backup authority: the only issuer whose
                        signed recovery blob is accepted (anyone else's is SIGNER_UNTRUSTED);
                        or the council file (COUNCIL.json) whose members' partials are accepted:
                        confirm its council ID (keyward id) first
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
  if (trust !== undefined && recovery.length === 0) throw usageError('--trust names the issuer of a --recovery blob', USAGE);
  const inputPath = args.positionals['FILE.keyward'];
  let how = '';
  const written = await writePlaintext(ctx, {
    inputPath,
    out,
    force,
    unlock: async () => {
      const expected = signer === undefined ? undefined : needIdentity(await loadPublicKeyFile(signer, '--signer'), '--signer', signer, 'cannot sign');
      const pinned = trust === undefined ? undefined : await loadPublicKeyOrCouncil(trust, '--trust');
      const trusted =
        pinned === undefined || trust === undefined
          ? undefined
          : pinned.kind === 'council'
            ? pinned
            : { kind: 'key' as const, identity: needIdentity(pinned.file, '--trust', trust, 'cannot sign') };
      const key = await loadPrivateKey(keyPath, '--key', ctx.env);
      const expectSigner = expected?.id;
      if (recovery.length === 0) return { unlock: { keys: [key] }, expectSigner };
      const parsed = [];
      for (const path of recovery) parsed.push(await loadSignedObject(path, '--recovery'));
      if (recovery.length > 1 || (recovery.length === 1 && parsed[0]?.kind === 'partial')) {
        // §8.4: partials only, checked against the pinned council (with nothing or an identity pinned, none is trusted).
        const partials: PartialRecoveryBlob[] = [];
        parsed.forEach((object, i) => {
          if (object.kind !== 'partial') throw usageError(`--recovery ${recovery[i] ?? ''} is not a partial recovery blob: a full recovery blob and partial ones are not mixed, and only partials are given more than once`, USAGE);
          partials.push(object.blob);
        });
        const councils = trusted?.kind === 'council' ? [trusted.council] : [];
        how = `partial recovery blobs (${partials.length}) of council ${trusted?.kind === 'council' ? trusted.council.id : '(none pinned)'}, key ${key.keyId}`;
        return { unlock: { partials, key, councils }, expectSigner };
      }
      const [object] = parsed;
      const path = recovery[0] ?? '';
      let unlock: Unlock;
      if (object?.kind === 'recovery-v1') {
        // §6: unsigned, so a reader told to trust only a pinned issuer refuses it.
        if (trusted) throw withContext(new KeywardError('SIGNER_UNTRUSTED', { reason: 'an unsigned (v1) recovery blob, and --trust pins its issuer' }), `--recovery ${path}`);
        how = `recovery blob ${path} (unsigned, v1), key ${key.keyId}`;
        unlock = { blob: object.blob, key };
      } else if (object?.kind === 'recovery-v2') {
        // With nothing (or a council) pinned, the core refuses every signed recovery blob (§6 step 3).
        how = `recovery blob ${path} issued by ${object.blob.issuer.id}, key ${key.keyId}`;
        unlock = { recovery: object.blob, key, trusted: trusted?.kind === 'key' ? [trusted.identity.id] : [] };
      } else {
        const what = object?.kind === 'receipt' ? 'a receipt' : object?.kind === 'drill' ? 'a drill report' : 'an escrow blob';
        throw withContext(new KeywardError('MALFORMED', { reason: `this is ${what}, not a recovery blob` }), `--recovery ${path}`);
      }
      return { unlock, expectSigner };
    },
  });
  const stanza = written.opened.stanza;
  printWritten(ctx, inputPath, written, stanza ? `${stanza.role} key ${stanza.keyId}` : how);
}

/** `keyward decrypt`. */
export const decryptCommand: Command = { name: 'decrypt', summary: 'decrypt a file with your key (or a recovery blob)', usage: USAGE, run };
