import { formatBytes, formatDuration } from '../store/format.ts';
import { jobSpeed } from '../store/jobs.ts';

interface Timing {
  startedAt?: number;
  updatedAt?: number;
}

/** Bytes done of a total, as a native progress bar with a readable label; with timestamps, also speed and time left. */
export function ProgressBar({ done, total, label, timing }: { done: number; total: number; label: string; timing?: Timing }) {
  const percent = total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : 100;
  const speed = timing ? jobSpeed({ size: total, done, ...timing }) : null;
  return (
    <div className="progress">
      <progress max={100} value={percent} aria-label={label} />
      <span className="progress__text">
        {percent}% · {formatBytes(done)} of {formatBytes(total)}
        {speed && (
          <>
            {' '}
            · {formatBytes(speed.bytesPerSecond)}/s · {formatDuration(speed.secondsLeft)} left
          </>
        )}
      </span>
    </div>
  );
}
