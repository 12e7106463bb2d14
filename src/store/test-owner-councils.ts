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
