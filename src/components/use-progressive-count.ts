import { useEffect, useState } from 'react';

/** Rows mounted per animation frame: about 200 rows stay well inside a 50 ms task. */
export const ROWS_PER_FRAME = 200;

/**
 * How many of `total` rows to render now: all of them up to one step, then
 * one more step every animation frame. Dropping two thousand files mounts
 * their rows over a few frames instead of in one long main-thread task.
 */
export function useProgressiveCount(total: number, step = ROWS_PER_FRAME): number {
  const [limit, setLimit] = useState(step);
  useEffect(() => {
    if (limit >= total) return;
    const frame = requestAnimationFrame(() => {
      setLimit((current) => current + step);
    });
    return () => {
      cancelAnimationFrame(frame);
    };
  }, [limit, total, step]);
  return Math.min(limit, total);
}
