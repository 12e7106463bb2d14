/** v2 §8.1: the council ID is what the documented OpenSSL recipe computes, here with node:crypto over the bytes a writer writes. */
import { createHash } from 'node:crypto';
import { makeIdentity } from '../test-support.ts';
import { createCouncil, parseCouncil, serializeCouncil } from './council.ts';

it('council ID = sha256 of `{ printf \'keyward/v2 council\\0\'; head -c -1 COUNCIL.json; }`', async () => {
  const [a, b] = await Promise.all([makeIdentity(), makeIdentity()]);
  const council = await createCouncil({ name: 'Board é ✓', threshold: 2, members: [{ name: 'Ann "A"', identity: a }, { name: 'Bo', identity: b }] });
  const file = Buffer.from(serializeCouncil(council), 'utf8');
  expect(file.at(-1)).toBe(0x0a);
  const input = Buffer.concat([Buffer.from('keyward/v2 council\0', 'utf8'), file.subarray(0, file.length - 1)]);
  const expected = `SHA256:${createHash('sha256').update(input).digest('hex')}`;
  expect(council.id).toBe(expected);
  expect((await parseCouncil(file.toString('utf8'))).id).toBe(expected);
});
