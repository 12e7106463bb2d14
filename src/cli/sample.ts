/** Picking a random sample of the blobs given to `keyward drill`. */
import { randomInt } from 'node:crypto';

/**
 * `n` of `items` picked uniformly at random with the operating system's
 * cryptographic generator (so nobody can predict which will be drilled),
 * kept in the order given.
 *
 * @param random - `randomInt(max)`: a whole number from 0 to max − 1 (tests replace it)
 */
export function sampleInOrder<T>(items: readonly T[], n: number, random: (max: number) => number = randomInt): T[] {
  if (n >= items.length) return [...items];
  const indices = items.map((_, i) => i);
  // A partial Fisher–Yates shuffle: the first n places get a uniform random n-subset.
  for (let i = 0; i < n; i++) {
    const j = i + random(indices.length - i);
    [indices[i], indices[j]] = [indices[j]!, indices[i]!];
  }
  return indices
    .slice(0, n)
    .sort((a, b) => a - b)
    .map((i) => items[i]!);
}
