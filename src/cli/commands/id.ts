/**
 * `keyward id`: the ID a person confirms for a key file, an identity ID
 * (keyward-v2.md §2) or a v1 key ID, labelled; or for a council file, its
 * council ID (§8.1), with its threshold and its members' identity IDs.
 */
import { type Council, escapeUnsafeChars, formatKeyIdForHumans } from '../../core/index.ts';
import { loadAnyKeyFile, loadCouncilIfAny } from '../key-files.ts';
import { type CliContext, type Command, argsOrHelp } from './command.ts';

const SPEC = { positionals: ['KEY.pem'], flags: {} } as const;

const USAGE = `Usage: keyward id PUBLIC.pem | COUNCIL.json

Prints the ID to confirm (over the phone or in person) before trusting a key:
  identity ID   for an identity (keyward keygen): covers both of its public
                keys, the RSA one and the Ed25519 one
  key ID (v1)   for a v1 key (RSA only, it cannot sign)
The first line is the ID, the second the same digits in groups of four to read
aloud. A private key file works too (an encrypted one takes
KEYWARD_PASSPHRASE, else asks on the terminal).

For a council file (keyward council create) it prints the council ID, which
pins the council's name, its threshold and every member's keys, then the
threshold and each member's identity ID (member 1 first).
`;

function printCouncil(ctx: CliContext, council: Council): void {
  ctx.print(`council ID    ${council.id}`);
  ctx.print(`read aloud    ${formatKeyIdForHumans(council.id)}`);
  ctx.print(`council       ${council.threshold} of ${council.members.length} members recover a file  (a council, not one person's key)`);
  // Names are the file's text; the ID covers them, but they are still shown escaped.
  ctx.print(`name          ${escapeUnsafeChars(JSON.stringify(council.name))}`);
  council.members.forEach((member, i) => {
    ctx.print(`member ${String(i + 1).padEnd(7)}${member.id}  ${escapeUnsafeChars(JSON.stringify(member.name))}`);
  });
}

async function run(argv: readonly string[], ctx: CliContext): Promise<void> {
  const args = argsOrHelp(SPEC, argv, USAGE, ctx);
  if (!args) return;
  const path = args.positionals['KEY.pem'];
  const council = await loadCouncilIfAny(path, '');
  if (council) {
    printCouncil(ctx, council);
    return;
  }
  const { key, name } = await loadAnyKeyFile(path, ctx.env);
  if (key.kind === 'public-identity' || key.kind === 'private-identity') {
    const { identity } = key;
    ctx.print(`identity ID   ${identity.id}`);
    ctx.print(`read aloud    ${formatKeyIdForHumans(identity.id)}`);
    ctx.print(`RSA key ID    ${identity.encryption.keyId}  (the v1 key ID of its RSA key, not the ID to confirm)`);
  } else {
    ctx.print(`key ID (v1)   ${key.keyId}`);
    ctx.print(`read aloud    ${formatKeyIdForHumans(key.keyId)}`);
  }
  // The name line is the file's text, not part of the key: shown escaped, and last.
  if (name !== undefined) ctx.print(`name          ${escapeUnsafeChars(JSON.stringify(name))}  (written in the file, not confirmed by the ID)`);
}

/** `keyward id`. */
export const idCommand: Command = { name: 'id', summary: 'print the identity ID, council ID (or v1 key ID) to confirm', usage: USAGE, run };
