/**
 * Councils (spec v2 §8) for the owner's store and component tests: members
 * made from the test keys, the council file as the organisation hands it out,
 * made by the core directly (not by the store under test).
 */
import type { Council, PrivateIdentity } from '../core/index.ts';
import { testIdentity } from './test-identities.ts';

/** The test keys the members' RSA halves come from, in member order (3072, 3072, 4096 bits). */
const MEMBER_KEYS = ['authority.pem', 'stranger.pem', 'rsa4096.pem'] as const;
const MEMBER_NAMES = ['Grace Hopper', 'Alan Turing', 'Joan Clarke'] as const;

export interface PinnableCouncil {
  council: Council;
  /** The council file's text: canonical JSON and one newline (spec v2 §8.1). */
  text: string;
  /** Member i is `members[i - 1]`, with its private keys. */
  members: PrivateIdentity[];
}

/** A council of up to three members (default 2 of 3), named `name`. */
export async function pinnableCouncil(options: { name?: string; threshold?: number; size?: 1 | 2 | 3 } = {}): Promise<PinnableCouncil> {
  const { createCouncil, serializeCouncil } = await import('../core/index.ts');
  const size = options.size ?? 3;
  const members = await Promise.all(MEMBER_KEYS.slice(0, size).map((pem) => testIdentity(pem)));
  const council = await createCouncil({
    name: options.name ?? 'Recovery council',
    threshold: options.threshold ?? 2,
    members: members.map((identity, i) => ({ name: MEMBER_NAMES[i]!, identity })),
  });
  return { council, text: serializeCouncil(council), members };
}

/**
 * The owner's side of a council recovery, made by the core directly: a file
 * signed by the old owner identity (`owner.pem`) and escrowed to a council,
 * the owner's new identity (`new-owner.pem`), and the partial recovery blob
 * (spec v2 §8.4) member i issues for it, as the `.json` file the owner gets.
 */
export async function councilRecoveryFixture(options: { plaintext: Uint8Array; name: string; council?: PinnableCouncil }) {
  const { collectBytes, encryptFile, exportPrivateIdentity, issuePartialRecovery, serializeSigned, streamFromBytes } = await import('../core/index.ts');
  const pinnable = options.council ?? (await pinnableCouncil());
  const { council, members } = pinnable;
  const [owner, newOwner] = await Promise.all([testIdentity('owner.pem'), testIdentity('new-owner.pem')]);
  const encrypted = await encryptFile(streamFromBytes(options.plaintext), {
    meta: { name: options.name, type: 'application/octet-stream', size: options.plaintext.length, lastModified: Date.UTC(2026, 10, 1, 9, 30) },
    owner: owner.encryption,
    signer: owner,
    authority: council,
    ownerName: 'Ada Lovelace',
    authorityName: council.name,
    description: 'Quarterly report',
  });
  const bytes = await collectBytes(encrypted.stream);
  const { escrowBlob } = await encrypted.done;
  if (escrowBlob.format !== 'keyward-escrow/2') throw new Error('expected a council escrow blob');
  /** Member `index`'s partial for the new owner, as a dropped file. */
  const partial = async (index: number, fileName = `${encrypted.serial}-member-${index}.keyward-partial.json`) => {
    const blob = await issuePartialRecovery(escrowBlob, members[index - 1]!, { newOwner, ownerName: 'Ada Lovelace' });
    return new File([serializeSigned(blob)], fileName, { type: 'application/json' });
  };
  return {
    ...pinnable,
    owner,
    newOwner,
    newOwnerPem: await exportPrivateIdentity(newOwner, 'pem'),
    file: new File([bytes], `${options.name}.keyward`),
    escrowBlob,
    escrowJson: serializeSigned(escrowBlob),
    serial: encrypted.serial,
    partial,
  };
}
