import { formatDuration } from './format.ts';
import { batchProgress, jobSpeed, partition } from './jobs.ts';

describe('rows of work', () => {
  it('tells speed and time left only once there is enough to tell', () => {
    expect(jobSpeed({ size: 1000, done: 0, startedAt: 0, updatedAt: 5000 })).toBeNull();
    expect(jobSpeed({ size: 1000, done: 10, startedAt: 0, updatedAt: 100 })).toBeNull();
    expect(jobSpeed({ size: 1000, done: 10 })).toBeNull();
    expect(jobSpeed({ size: 4_000_000_000, done: 1_000_000_000, startedAt: 1000, updatedAt: 3000 })).toEqual({ bytesPerSecond: 500_000_000, secondsLeft: 6 });
  });

  it('says time left as people read it', () => {
    expect([0.2, 12.4, 185, 3725, Infinity].map(formatDuration)).toEqual(['less than a second', '12 s', '3 min 5 s', '1 h 2 min', 'unknown']);
  });

  it('counts a batch without its cancelled rows, a failed row as fully read', () => {
    const rows = [
      { status: 'done', size: 10, done: 10 },
      { status: 'failed', size: 20, done: 3 },
      { status: 'running', size: 30, done: 15 },
      { status: 'cancelled', size: 1000, done: 5 },
    ] as const;
    expect(batchProgress(rows)).toEqual({ count: 3, finished: 2, succeeded: 1, done: 45, total: 60, busy: true });
    expect(partition([1, 2, 3, 4], (n) => n % 2 === 0)).toEqual([[2, 4], [1, 3]]);
  });
});
