/** Display helpers the UI may use (components import the store, never the core at run time). */
import { formatKeyIdForHumans } from '../core/keys/key-id.ts';

export { formatKeyIdForHumans };

/**
 * The first two groups of a key ID as `KeyId` shows it, for a line in a list
 * (a select's option) where the whole ID does not fit; the same notation.
 */
export const shortKeyId = (keyId: string) => `${formatKeyIdForHumans(keyId).slice(0, 9)} …`;

const UNITS = ['bytes', 'KB', 'MB', 'GB', 'TB'];

/** 1536 → "1.5 KB" (powers of 1000, as file managers show). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} ${bytes === 1 ? 'byte' : 'bytes'}`;
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} ${UNITS[unit]!}`;
}

/** A date and time in the reader's locale. */
export function formatDate(ms: number | string): string {
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** Seconds left, rounded for people: "less than a second", "12 s", "3 min 5 s", "1 h 2 min". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return 'unknown';
  if (seconds < 1) return 'less than a second';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}
