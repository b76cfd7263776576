// Whatever the domain accepts, PostgreSQL stores (docs/architecture.md, the command path): arbitrary strings and
// dates go through the domain's checks and, when accepted, through the real persistTransition into a
// milestone row, and come back unchanged. A value the domain accepts but the database refuses would
// fail here, as it once froze a contract. The projection (answered first, stored behind in batches) has
// no way left to refuse a command, so the same holds for projectTransitions over bursts of commands.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../db/client.js';
import { DomainError } from '../../domain/errors.js';
import { shared } from '../support/context.js';
import { DirectContract } from '../support/direct-contract.js';

let db: Db;
beforeAll(() => {
  db = createDb(shared('databaseUrl'));
});
afterAll(async () => {
  await db?.$disconnect();
});

const pad = (n: number, w: number) => String(n).padStart(w, '0');
/** Mostly near-valid dates (0000–9999, months 0–13, days 0–32), plus arbitrary strings. */
const dates = fc.oneof(
  fc.tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }))
    .map(([y, m, d]) => `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`),
  fc.string({ maxLength: 12 }),
);
/** Any code points (lone surrogates and NUL included), grapheme clusters, and the usual suspects. */
const texts = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 220 }),
  fc.string({ unit: 'grapheme', maxLength: 210 }),
  fc.constantFrom('\u0000', 'a\ud800', '\udc00b', '😀'.repeat(200), ' ', '\u2028', 'é'.normalize('NFD')),
);

describe('the domain and PostgreSQL agree', () => {
  it('R11, R13: every title, description and due date the domain accepts is stored and read back unchanged', async () => {
    const c = await DirectContract.create(db);
    await c.send({ type: 'savePlan', ops: [{ op: 'add', title: 'Seed', amountCents: 1000 }] });
    let accepted = 0;

    await fc.assert(
      fc.asyncProperty(texts, texts, dates, async (title, description, dueDate) => {
        const before = c.state.milestones[0]!;
        try {
          await c.send({ type: 'savePlan', ops: [{ op: 'edit', milestoneId: 'm1', patch: { title, description, dueDate } }] });
        } catch (err) {
          if (err instanceof DomainError) return; // refused at the boundary: nothing reached PostgreSQL
          throw err; // anything else, a database refusal included, is the defect this test looks for
        }
        accepted++;
        const row = await db.milestone.findUniqueOrThrow({ where: { contractId_id: { contractId: c.id, id: 'm1' } } });
        const changed = before.title !== title || before.description !== description || before.dueDate !== dueDate;
        expect(changed).toBe(true);
        expect({ title: row.title, description: row.description, dueDate: row.dueDate?.toISOString().slice(0, 10) ?? null })
          .toEqual({ title, description, dueDate });
      }),
      { numRuns: Number(process.env.PBT_RUNS ?? 300) },
    );

    expect(accepted).toBeGreaterThan(10); // the generators reach the accepting side too
  }, 120_000);

  it('R11, R13: a burst of accepted edits projected in one batch is stored in seq order, each value as the domain accepted it', async () => {
    const c = await DirectContract.create(db, { behind: true });
    await c.send({ type: 'savePlan', ops: [{ op: 'add', title: 'Seed', amountCents: 1000 }, { op: 'add', title: 'Other', amountCents: 500 }] });
    await c.project();
    let accepted = 0;

    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.constantFrom('m1', 'm2'), texts, texts, dates), { minLength: 1, maxLength: 6 }), async (edits) => {
        for (const [milestoneId, title, description, dueDate] of edits) {
          try {
            await c.send({ type: 'savePlan', ops: [{ op: 'edit', milestoneId, patch: { title, description, dueDate } }] });
            accepted++;
          } catch (err) {
            if (!(err instanceof DomainError)) throw err;
          }
        }
        const seq = c.state.seq;
        const queued = c.unprojected.length;
        if (queued) { // the workflow's loop never sends an empty batch
          const result = await c.project(); // a database refusal here is the defect this test looks for
          expect(result).toMatchObject({ projectedSeq: seq, written: queued, skipped: 0 });
        }
        const rows = await db.milestone.findMany({ where: { contractId: c.id }, orderBy: { position: 'asc' } });
        expect(rows.map((r) => ({ id: r.id, title: r.title, description: r.description, dueDate: r.dueDate?.toISOString().slice(0, 10) ?? null })))
          .toEqual(c.state.milestones.map((m) => ({ id: m.id, title: c.textOf(m.title), description: m.description === null ? null : c.textOf(m.description), dueDate: m.dueDate })));
      }),
      { numRuns: Number(process.env.PBT_RUNS ?? 100) },
    );

    expect(accepted).toBeGreaterThan(10);
    // Every accepted command has its audit row, none skipped, none twice.
    const seqs = (await db.auditEvent.findMany({ where: { contractId: c.id }, select: { seq: true }, orderBy: { seq: 'asc' } })).map((e) => e.seq);
    expect(seqs).toEqual(Array.from({ length: c.state.seq }, (_, i) => i + 1));
  }, 120_000);
});
