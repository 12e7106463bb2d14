/** Rows of work (files being encrypted or decrypted): progress, speed, and the temp files behind their outputs. */
import type { OutputTarget, TempFile } from '../io/crypto-protocol.ts';
import { toUiError } from './errors.ts';
import type { Adapters, JobStatus, UiError } from './types.ts';

/** Splits a list into the items that pass and those that do not. */
export function partition<T>(items: readonly T[], keep: (item: T) => boolean): [T[], T[]] {
  const kept: T[] = [];
  const dropped: T[] = [];
  for (const item of items) (keep(item) ? kept : dropped).push(item);
  return [kept, dropped];
}

/** Removes the temp files behind rows that were cleared (in the background; failures are swept at start-up). */
export function releaseTemps(adapters: Adapters, rows: readonly { temp?: TempFile }[]): void {
  for (const row of rows) if (row.temp) void adapters.tempFiles?.release(row.temp);
}

/** Speed and time left of a running row, from its bytes done and timestamps; null until there is enough to tell. */
export function jobSpeed(job: { size: number; done: number; startedAt?: number; updatedAt?: number }): { bytesPerSecond: number; secondsLeft: number } | null {
  if (job.startedAt === undefined || job.updatedAt === undefined) return null;
  const elapsed = (job.updatedAt - job.startedAt) / 1000;
  if (elapsed < 0.25 || job.done <= 0) return null;
  const bytesPerSecond = job.done / elapsed;
  return { bytesPerSecond, secondsLeft: Math.max(0, job.size - job.done) / bytesPerSecond };
}

/** The whole batch at a glance: bytes read of all rows still counted, and how many rows ended. */
export interface BatchProgress {
  /** Rows that are not cancelled. */
  count: number;
  /** Rows that ended, well or not. */
  finished: number;
  /** Rows whose outputs can be downloaded. */
  succeeded: number;
  done: number;
  total: number;
  /** True while a row is queued or running. */
  busy: boolean;
}

export const isBusy = (job: { status: JobStatus }) => job.status === 'queued' || job.status === 'running';

/** Progress of every row (encrypt or decrypt) that was not cancelled (a pure selector; pick its fields with `useShallow`). */
export function batchProgress(jobs: readonly { status: JobStatus; size: number; done: number }[]): BatchProgress {
  // One pass: this runs on every change of the store while thousands of rows are shown.
  const batch: BatchProgress = { count: 0, finished: 0, succeeded: 0, done: 0, total: 0, busy: false };
  for (const job of jobs) {
    const busy = isBusy(job);
    if (busy) batch.busy = true;
    if (job.status === 'cancelled') continue;
    batch.count++;
    if (!busy) batch.finished++;
    if (job.status === 'done') batch.succeeded++;
    // A failed row counts as fully read, so the bar reaches its end when the batch does.
    batch.done += job.status === 'failed' ? job.size : Math.min(job.done, job.size);
    batch.total += job.size;
  }
  return batch;
}

/** Files below this size run side by side (their cost is per file, not per byte). */
export const SMALL_FILE_BYTES = 4 * 1024 * 1024;
/** Small files in flight at once: enough to overlap the Worker, IndexedDB and the page. */
export const SMALL_FILES_AT_ONCE = 4;

/**
 * A first-in, first-out queue of files to work on. Small files run up to
 * four at a time, so a thousand notes are not a thousand round trips in a
 * row; a large file runs alone (the Worker streams it at full speed).
 */
export function createJobQueue<T extends { file: { size: number } }>(run: (id: string, input: T) => Promise<void>) {
  const waiting = new Map<string, T>();
  let active = 0;
  let largeRunning = false;

  const pump = () => {
    for (const [id, input] of waiting) {
      const small = input.file.size < SMALL_FILE_BYTES;
      if (largeRunning || active >= (small ? SMALL_FILES_AT_ONCE : 1)) return;
      waiting.delete(id);
      active++;
      if (!small) largeRunning = true;
      void run(id, input).finally(() => {
        active--;
        if (!small) largeRunning = false;
        pump();
      });
    }
  };

  return {
    add(id: string, input: T): void {
      waiting.set(id, input);
      pump();
    },
    /** Removes a file that has not started; false if it already runs or ended. */
    drop(id: string): boolean {
      return waiting.delete(id);
    },
  };
}

/** How a job that threw ends: `cancelled` for a cancel (`CANCELLED`), else `failed` with the error. */
export function endedBy(error: unknown): { status: 'cancelled' } | { status: 'failed'; error: UiError } {
  const uiError = toUiError(error);
  return uiError.code === 'CANCELLED' ? { status: 'cancelled' } : { status: 'failed', error: uiError };
}

/**
 * Cancels a job: a running one is aborted (its run then ends it as
 * cancelled); one still queued, or parked until its file is picked, never
 * starts and `markCancelled` ends it.
 */
export function cancelJob(
  id: string,
  running: ReadonlyMap<string, AbortController>,
  queue: { drop: (id: string) => boolean },
  parked: Map<string, unknown>,
  markCancelled: () => void,
): void {
  const controller = running.get(id);
  if (controller) controller.abort();
  else if (queue.drop(id) || parked.delete(id)) markCancelled();
}

/**
 * Opens the save picker for a row parked until the person picks its file
 * (call it from a click). On a pick the row leaves `parked` and `start` runs
 * with the picked file as its target; a closed picker, or a row cancelled
 * meanwhile, starts nothing.
 */
export async function pickSaveTarget<T>(
  picker: Adapters['savePicker'],
  parked: Map<string, T>,
  id: string,
  suggestedName: string,
  start: (input: T & { target: OutputTarget }, savedAs: string) => void,
): Promise<UiError | null> {
  const input = parked.get(id);
  if (!input || !picker) return null;
  try {
    const handle = await picker.pick(suggestedName);
    if (!handle || !parked.delete(id)) return null;
    start({ ...input, target: { kind: 'file', handle } }, handle.name);
    return null;
  } catch (error) {
    return toUiError(error);
  }
}
