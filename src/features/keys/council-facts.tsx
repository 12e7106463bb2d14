import { KeyId } from '../../components/key-id.tsx';
import type { CouncilDescriptor } from '../../core/index.ts';
import { councilName } from './council-name.ts';

/**
 * What a council is (spec v2 §8.1), as the owner compares it: k of n, its
 * council ID (grouped in fours, as identity IDs are) and each member by name
 * and identity ID, in the council's order.
 */
export function CouncilFacts({ council }: { council: CouncilDescriptor & { id: string } }) {
  const n = council.members.length;
  return (
    <>
      <p>
        <strong>
          {council.threshold} of {n}
        </strong>
        : any {council.threshold} of its {n} members together can recover a file escrowed to it; {council.threshold === 1 ? 'each member alone can.' : 'fewer cannot.'}
      </p>
      <p>
        <span className="stored-key-id">
          Council ID <KeyId keyId={council.id} />
        </span>
      </p>
      <ol className="council-members" aria-label={`Members of ${councilName(council)}`}>
        {council.members.map((member) => (
          <li key={member.id}>
            <span className="row__name">{member.name === '' ? 'Unnamed member' : member.name}</span>{' '}
            <span className="stored-key-id">
              Identity ID <KeyId keyId={member.id} />
            </span>
          </li>
        ))}
      </ol>
    </>
  );
}
