/** The service's audit log: a hash chain that names the first entry changed, removed or reordered. */
import { AUDIT_GENESIS, type AuditEntry, auditEntryHash, nextAuditEntry, parseAuditLog, verifyAuditLog } from './audit.ts';
import { expectCode } from './test-support.ts';

async function chain(length: number): Promise<AuditEntry[]> {
  const entries: AuditEntry[] = [];
  for (let i = 0; i < length; i++) {
    const last = entries.at(-1) ?? null;
    entries.push(await nextAuditEntry(last, i === 0 ? 'enrol' : 'deposit', { fileId: `file-${i}` }, new Date(1_764_000_000_000 + i).toISOString()));
  }
  return entries;
}

describe('audit log', () => {
  it('chains each entry to the one before and verifies end to end', async () => {
    const entries = await chain(4);
    expect(entries[0]!.prev).toBe(AUDIT_GENESIS);
    expect(entries[2]!.prev).toBe(entries[1]!.hash);
    expect(await verifyAuditLog(entries)).toEqual({ count: 4, head: entries[3]!.hash });
    expect(await verifyAuditLog([])).toEqual({ count: 0, head: AUDIT_GENESIS });
    const text = JSON.stringify({ format: 'keyward-audit/1', entries });
    expect(parseAuditLog(text).entries).toEqual(entries);
  });

  it('names a changed entry', async () => {
    const entries = await chain(4);
    entries[1] = { ...entries[1]!, data: { fileId: 'another' } };
    await expectCode(verifyAuditLog(entries), 'AUDIT_BROKEN');
    expect((await verifyAuditLog(entries).catch((e: unknown) => e)) as object).toMatchObject({ details: { seq: 2 } });
  });

  it('names the entry after a changed one whose hash was recomputed', async () => {
    const entries = await chain(4);
    const changed = { ...entries[1]!, data: { fileId: 'another' } };
    entries[1] = { ...changed, hash: await auditEntryHash(changed) };
    expect((await verifyAuditLog(entries).catch((e: unknown) => e)) as object).toMatchObject({ code: 'AUDIT_BROKEN', details: { seq: 3 } });
  });

  it('names where an entry was removed', async () => {
    const entries = await chain(4);
    entries.splice(1, 1);
    expect((await verifyAuditLog(entries).catch((e: unknown) => e)) as object).toMatchObject({ code: 'AUDIT_BROKEN', details: { seq: 2 } });
  });

  it('names where entries were reordered, even with their seq numbers swapped back', async () => {
    const entries = await chain(4);
    [entries[1], entries[2]] = [entries[2]!, entries[1]!];
    expect((await verifyAuditLog(entries).catch((e: unknown) => e)) as object).toMatchObject({ code: 'AUDIT_BROKEN', details: { seq: 2 } });
    const renumbered = (await chain(4)).map((e) => ({ ...e }));
    const [b, c] = [renumbered[1]!, renumbered[2]!];
    renumbered[1] = { ...c, seq: 2 };
    renumbered[2] = { ...b, seq: 3 };
    expect((await verifyAuditLog(renumbered).catch((e: unknown) => e)) as object).toMatchObject({ code: 'AUDIT_BROKEN', details: { seq: 2 } });
  });

  it('refuses numbering that does not run 1, 2, 3, even with hashes made to fit it', async () => {
    // A chain whose first entry claims to be entry 2: every hash and prev holds.
    const first = await nextAuditEntry({ seq: 1, hash: AUDIT_GENESIS }, 'enrol', { fileId: 'x' }, new Date(0).toISOString());
    const second = await nextAuditEntry(first, 'deposit', { fileId: 'y' }, new Date(1).toISOString());
    expect((await verifyAuditLog([first, second]).catch((e: unknown) => e)) as object).toMatchObject({ code: 'AUDIT_BROKEN', details: { seq: 1 } });
  });

  it('reads an export strictly', async () => {
    const entries = await chain(1);
    await expectCode(() => parseAuditLog(`{"format":"keyward-audit/1","entries":[],"entries":[]}`), 'MALFORMED');
    await expectCode(() => parseAuditLog({ format: 'keyward-audit/1', entries: [{ ...entries[0], extra: 'x' }] }), 'MALFORMED');
    await expectCode(() => parseAuditLog({ format: 'keyward-audit/2', entries: [] }), 'MALFORMED');
  });
});
