/** The drill's random sample: n distinct items, in the order given, every subset possible. */
import { sampleInOrder } from './sample.ts';

describe('sampleInOrder', () => {
  const items = ['a', 'b', 'c', 'd', 'e'];

  it('gives n distinct items in the order given', () => {
    for (let run = 0; run < 50; run++) {
      const picked = sampleInOrder(items, 3);
      expect(picked).toHaveLength(3);
      expect(new Set(picked).size).toBe(3);
      expect([...picked].sort((x, y) => items.indexOf(x) - items.indexOf(y))).toEqual(picked);
    }
  });

  it('gives everything when n is the number of items or more', () => {
    expect(sampleInOrder(items, 5)).toEqual(items);
    expect(sampleInOrder(items, 9)).toEqual(items);
  });

  it('takes its choices from the generator: each draw moves one index into place', () => {
    // Draws 4 (of 5) then 0 (of 4): indices [4,1,2,3,0] then [4,1,...]: e and b, in the order given.
    const draws = [4, 0];
    expect(sampleInOrder(items, 2, () => draws.shift()!)).toEqual(['b', 'e']);
    // Every 2-subset of 5 is reachable: the draws enumerate all of them.
    const seen = new Set<string>();
    for (let first = 0; first < 5; first++) {
      for (let second = 0; second < 4; second++) {
        const script = [first, second];
        seen.add(sampleInOrder(items, 2, () => script.shift()!).join(''));
      }
    }
    expect(seen.size).toBe(10);
  });

  it('uses the cryptographic generator by default (crypto.randomInt), not Math.random', () => {
    const spy = vi.spyOn(Math, 'random');
    sampleInOrder(items, 2);
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
  });
});
