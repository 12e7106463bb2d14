import { type ComponentType, memo } from 'react';

interface RowListProps<J extends { id: string }> {
  /** The jobs to show, passed at most once per frame (`useValuePerFrame`): the list renders only then. */
  jobs: readonly J[];
  /** How many of them are mounted yet (`useProgressiveCount`). */
  shown: number;
  label: string;
  /** The row of one job; a memoized component, so unchanged rows are skipped. */
  Row: ComponentType<{ job: J }>;
}

function RowListOf<J extends { id: string }>({ jobs, shown, label, Row }: RowListProps<J>) {
  return (
    <ul className="rows" aria-label={label}>
      {jobs.slice(0, shown).map((job) => (
        <Row key={job.id} job={job} />
      ))}
    </ul>
  );
}

/** The first `shown` rows of a list of jobs (encrypt or decrypt). */
export const RowList = memo(RowListOf) as typeof RowListOf;
