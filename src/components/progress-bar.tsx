import { formatBytes } from '../store/format.ts';

/** Bytes done of a total, as a native progress bar with a readable label. */
export function ProgressBar({ done, total, label }: { done: number; total: number; label: string }) {
  const percent = total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : 100;
  return (
    <div className="progress">
      <progress max={100} value={percent} aria-label={label} />
      <span className="progress__text">
        {percent}% · {formatBytes(done)} of {formatBytes(total)}
      </span>
    </div>
  );
}
