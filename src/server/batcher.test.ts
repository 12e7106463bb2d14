/** The Batcher: work that arrives in one turn, or while a batch runs, goes together in the next batch; a failed batch fails only its own items. */
import { Batcher } from './batcher.ts';

/** A promise and the function that settles it. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

describe('Batcher', () => {
  it('runs what was submitted in one turn as one batch, then everything that arrived meanwhile, and answers each only after its batch', async () => {
    const batches: number[][] = [];
    const gates = [gate(), gate()];
    const batcher = new Batcher<number, string>(async (items) => {
      batches.push([...items]);
      await gates[batches.length - 1]!.opened;
      return items.map((n) => `done ${n}`);
    }, 10);
    const answered: string[] = [];
    const submit = (n: number) => batcher.submit(n).then((answer) => answered.push(answer));
    const first = [1, 2].map(submit);
    await new Promise((resolve) => setTimeout(resolve, 10));
    const second = [3, 4, 5].map(submit);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect({ batches, answered }).toEqual({ batches: [[1, 2]], answered: [] });
    gates[0]!.open();
    await Promise.all(first);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect({ batches, answered }).toEqual({ batches: [[1, 2], [3, 4, 5]], answered: ['done 1', 'done 2'] });
    gates[1]!.open();
    await Promise.all(second);
    expect(answered).toEqual(['done 1', 'done 2', 'done 3', 'done 4', 'done 5']);
  });

  it('gathers items that arrive in one turn of the event loop even when a batch never yields to it (PGlite runs on this thread)', async () => {
    const sizes: number[] = [];
    const batcher = new Batcher<number, number>((items) => {
      sizes.push(items.length);
      return Promise.resolve([...items]);
    }, 100);
    // Eight requests read in one turn, each submitting from its own callback.
    const answers = await Promise.all(Array.from({ length: 8 }, (_, n) => new Promise<number>((resolve) => setImmediate(() => void batcher.submit(n).then(resolve)))));
    expect({ answers, sizes }).toEqual({ answers: [0, 1, 2, 3, 4, 5, 6, 7], sizes: [8] });
  });

  it('takes at most max items in one batch', async () => {
    const sizes: number[] = [];
    const batcher = new Batcher<number, number>((items) => {
      sizes.push(items.length);
      return Promise.resolve([...items]);
    }, 3);
    expect(await Promise.all([1, 2, 3, 4, 5, 6, 7].map((n) => batcher.submit(n)))).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(sizes).toEqual([3, 3, 1]);
  });

  it('rejects every item of a batch that fails, and none of the next', async () => {
    let calls = 0;
    const batcher = new Batcher<number, number>(async (items) => {
      calls += 1;
      await Promise.resolve();
      if (calls === 2) throw new Error('the database went away');
      return items.map((n) => n * 10);
    }, 2);
    const results = await Promise.allSettled([1, 2, 3, 4, 5].map((n) => batcher.submit(n)));
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([10, 20, 'the database went away', 'the database went away', 50]);
  });
});
