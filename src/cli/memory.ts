/**
 * Keeps the CLI's memory flat while it streams a large file. `node:crypto`
 * returns every sealed or opened chunk in a fresh buffer, and V8 collects
 * those only once some 64 MiB of them are dead: `keyward encrypt` of 512 MiB
 * peaked at 107 MiB resident. A young-generation collection every few MiB
 * (well under a millisecond each: the buffers die young) frees them as the
 * file goes; measured in docs/performance.md, "CLI against age".
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Bytes handed out between collections. */
export const COLLECT_EVERY = 2 << 20;

type Collect = (options: { type: 'minor' }) => void;

let collect: Collect | null | undefined;

/** V8's own `gc`, made visible to a new context only (this process's globals are left as they are). */
function collector(): Collect | null {
  if (collect === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      collect = runInNewContext('gc') as Collect;
    } catch {
      // A runtime without it: memory is then only collected later.
      collect = null;
    }
  }
  return collect;
}

/** Counts bytes that passed through and collects the young generation every `COLLECT_EVERY` of them. */
export function youngCollector(every = COLLECT_EVERY): (bytes: number) => void {
  let since = 0;
  return (bytes) => {
    since += bytes;
    if (since < every) return;
    since = 0;
    collector()?.({ type: 'minor' });
  };
}
