/**
 * Work that arrives together is done together: while one batch runs, the
 * items submitted meanwhile wait, and the next batch takes them all (up to
 * `max`). The service stores concurrent deposits this way, in one
 * transaction under one lock (a group commit).
 *
 * Each batch starts only after one turn of the event loop (`setImmediate`),
 * so that what became ready in that turn (requests read, checks finished)
 * joins it. A database that runs on this thread (PGlite) does not give the
 * loop a turn while a batch runs; without the wait, every batch would hold one item.
 */
export class Batcher<I, O> {
  private waiting: { item: I; resolve: (output: O) => void; reject: (error: unknown) => void }[] = [];
  private running = false;

  /**
   * @param run - does one batch; resolves to one output per item, in order. If it
   *   throws, every item of that batch is rejected with its error, and the next batch runs.
   * @param max - the most items in one batch
   */
  constructor(
    private readonly run: (items: readonly I[]) => Promise<O[]>,
    private readonly max: number,
  ) {}

  /** Resolves to this item's output once its batch has run (not before). */
  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.waiting.length > 0) {
        await new Promise<void>((resolve) => {
          setImmediate(resolve);
        });
        const batch = this.waiting.splice(0, this.max);
        try {
          const outputs = await this.run(batch.map((w) => w.item));
          batch.forEach((w, i) => {
            w.resolve(outputs[i]!);
          });
        } catch (error) {
          for (const w of batch) w.reject(error);
        }
      }
    } finally {
      this.running = false;
    }
  }
}
