// persistTransition against real PostgreSQL: idempotent under retries, and the ledger balances (R10).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../db/client.js';
import { shared } from '../support/context.js';
import { DirectContract } from '../support/direct-contract.js';

let db: Db;
beforeAll(() => {
  db = createDb(shared('databaseUrl'));
});
afterAll(async () => {
  await db?.$disconnect();
});

async function rowCounts(contractId: string) {
  const [ledger, audit, notifications, milestones, requests] = await Promise.all([
    db.ledgerEntry.count({ where: { contractId } }),
    db.auditEvent.count({ where: { contractId } }),
    db.notification.count({ where: { contractId } }),
    db.milestone.count({ where: { contractId } }),
    db.changeRequest.count({ where: { contractId } }),
  ]);
  return { ledger, audit, notifications, milestones, requests };
}

describe('persistTransition', () => {
  it('R10: a record whose seq does not follow the stored one is refused loudly and writes nothing', async () => {
    const c = await DirectContract.create(db);
    await c.send({ type: 'savePlan', ops: [{ op: 'add', title: 'A', amountCents: 1000 }] });
    await c.send({ type: 'fundMilestone' });
    const before = await rowCounts(c.id);
    const older = c.records.at(-2)!;
    const ahead = { ...c.records.at(-1)!, seq: c.records.at(-1)!.seq + 2 };

    const refusals = await Promise.all([c.persist(older), c.persist(ahead)].map((p) => p.then(() => null, (e: unknown) => e)));

    for (const err of refusals) expect(err).toMatchObject({ type: 'PERSISTENCE_FAILED', nonRetryable: true });
    expect(await rowCounts(c.id)).toEqual(before);
  });

  it('R10: another transition under a seq already stored (a redone workflow task) is refused, not taken for a retry', async () => {
    const c = await DirectContract.create(db);
    await c.send({ type: 'savePlan', ops: [{ op: 'add', title: 'A', amountCents: 1000 }] });
    await c.send({ type: 'fundMilestone' });
    const stored = c.records.at(-1)!;
    const before = await rowCounts(c.id);

    const other = c.persist({ ...stored, command: 'releasePayment', ledger: [] });

    await expect(other).rejects.toMatchObject({ type: 'PERSISTENCE_FAILED', nonRetryable: true });
    await c.persist(stored); // the same transition again is still a harmless retry
    expect(await rowCounts(c.id)).toEqual(before);
  });

  it('R10: the same transition persisted twice (an activity retry) writes exactly one set of rows', async () => {
    const c = await DirectContract.create(db);
    await c.send({ type: 'savePlan', ops: [{ op: 'add', title: 'A', amountCents: 1000 }, { op: 'add', title: 'B', amountCents: 2000 }] });
    await c.send({ type: 'fundMilestone' });
    const before = await rowCounts(c.id);

    await c.persist(c.records.at(-1)!);

    expect(await rowCounts(c.id)).toEqual(before);
    expect(before).toMatchObject({ ledger: 3, milestones: 2, audit: 3 });
    const row = await db.contract.findUniqueOrThrow({ where: { id: c.id } });
    expect([row.seq, Number(row.escrowCents), Number(row.depositsCents)]).toEqual([3, 1000, 1495]);
  });

  it('R10: the ledger is append-only: the database refuses to update or delete an entry', async () => {
    const c = await DirectContract.create(db);
    await c.send({ type: 'savePlan', ops: [{ op: 'add', title: 'A', amountCents: 1000 }] });
    await c.send({ type: 'fundMilestone' });

    await expect(db.ledgerEntry.updateMany({ where: { contractId: c.id }, data: { amountCents: 1n } })).rejects.toThrow(/append-only/);
    await expect(db.ledgerEntry.deleteMany({ where: { contractId: c.id } })).rejects.toThrow(/append-only/);
  });

  it('R12: a reorder rewrites positions without ever holding two milestones at one position', async () => {
    const c = await DirectContract.create(db);
    await c.send({ type: 'savePlan', ops: ['A', 'B', 'C', 'D'].map((title) => ({ op: 'add' as const, title, amountCents: 1000 })) });

    await c.send({ type: 'savePlan', ops: [{ op: 'delete', milestoneId: 'm2' }, { op: 'reorder', order: ['m4', 'm1', 'm3'] }] });

    const rows = await db.milestone.findMany({ where: { contractId: c.id }, orderBy: { position: 'asc' } });
    expect(rows.map((m) => [m.position, m.id])).toEqual([[1, 'm4'], [2, 'm1'], [3, 'm3']]);
  });

  it('R10, R17, R23: after the seed\'s lifecycle the ledger balances in SQL and equals the workflow\'s own state', async () => {
    const c = await DirectContract.create(db);
    await c.send({ type: 'savePlan', ops: [{ op: 'add', title: 'Design', amountCents: 5000 }, { op: 'add', title: 'Build', amountCents: 8000 }] });
    await c.send({ type: 'fundMilestone' });
    await c.send({ type: 'releasePayment', milestoneId: 'm1', amountCents: 3000 }); // partial: 2000 to project funds
    await c.send({ type: 'fundMilestone' }); // m2 from project funds first
    const cr = await c.send({ type: 'requestChange', milestoneId: 'm2', patch: { amountCents: 9000 }, featureEnabled: true });
    await c.resolve(cr.requestId!, 'approved');
    await c.send({ type: 'fundMilestone' }); // top-up of the 1000 shortfall
    const pr = await c.send({ type: 'proposeChanges', ops: [{ op: 'add', title: 'Launch', amountCents: 1500 }] }, 'freelancer');
    await c.resolve(pr.requestId!, 'approved');
    await c.send({ type: 'submitWork', milestoneId: 'm2' }, 'freelancer');
    await c.send({ type: 'releasePayment', milestoneId: 'm2', amountCents: 8500 });
    await c.send({ type: 'fundMilestone' });
    await c.send({ type: 'releasePayment', milestoneId: 'm3', amountCents: 1000 }); // 500 left
    await c.send({ type: 'endContract' }); // refunds the 500

    const [sums] = await db.$queryRaw<Record<string, bigint>[]>`
      SELECT
        COALESCE(SUM(amount_cents) FILTER (WHERE kind = 'deposit'), 0) AS deposits,
        COALESCE(SUM(amount_cents) FILTER (WHERE kind = 'fee'), 0) AS fees,
        COALESCE(SUM(amount_cents) FILTER (WHERE kind = 'release'), 0) AS releases,
        COALESCE(SUM(amount_cents) FILTER (WHERE kind = 'refund'), 0) AS refunds,
        COALESCE(SUM(amount_cents) FILTER (WHERE kind = 'escrow_hold'), 0)
          - COALESCE(SUM(amount_cents) FILTER (WHERE kind IN ('release', 'escrow_return')), 0) AS escrow
      FROM ledger_entries WHERE contract_id = ${c.id}`;
    const n = Object.fromEntries(Object.entries(sums!).map(([k, v]) => [k, Number(v)]));
    const row = await db.contract.findUniqueOrThrow({ where: { id: c.id } });
    const b = c.state.balances;

    expect(n.deposits).toBe(n.fees! + n.releases! + n.refunds! + n.escrow!);
    expect(n).toEqual({ deposits: b.depositsCents, fees: b.feesCents, releases: b.releasesCents, refunds: b.refundsCents, escrow: b.escrowCents });
    expect([Number(row.depositsCents), Number(row.refundsCents), row.status]).toEqual([b.depositsCents, b.refundsCents, 'ended']);
    expect(b).toEqual({ depositsCents: 13495, feesCents: 495, releasesCents: 12500, refundsCents: 500, escrowCents: 0, projectFundsCents: 0 });
    const requests = await db.changeRequest.findMany({ where: { contractId: c.id }, orderBy: { createdAt: 'asc' } });
    expect(requests.map((r) => [r.kind, r.state])).toEqual([['change', 'approved'], ['proposal', 'approved']]);
    expect(await db.auditEvent.count({ where: { contractId: c.id } })).toBe(c.records.length);
  });
});
