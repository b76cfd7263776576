// projectTransitions against real PostgreSQL: a burst of records in one transaction, in seq order, each
// once (a retried or overlapping batch skips what is stored), never past a gap; the notices it committed
// leave through the outbox, sent by the notice pump (in-app rows here: no email provider is configured).
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../db/client.js';
import { createNotifications } from '../../activities/notifications.js';
import { createNoticePump, redrivePendingNotices } from '../../activities/notice-pump.js';
import { createProjection } from '../../activities/projection.js';
import type { TransitionRecord } from '../../activities/types.js';
import { shared } from '../support/context.js';
import { DirectContract } from '../support/direct-contract.js';

let db: Db;
beforeAll(() => {
  db = createDb(shared('databaseUrl'));
});
afterAll(async () => {
  await db?.$disconnect();
});

const auditSeqs = async (contractId: string) =>
  (await db.auditEvent.findMany({ where: { contractId }, select: { seq: true }, orderBy: { seq: 'asc' } })).map((e) => e.seq);

/** A contract with its creation stored and three more commands queued behind. */
async function threeBehind(): Promise<{ c: DirectContract; queued: TransitionRecord[] }> {
  const c = await DirectContract.create(db, { behind: true });
  await c.project();
  await c.send({ type: 'savePlan', ops: [{ op: 'add', title: 'A', amountCents: 1000 }, { op: 'add', title: 'B', amountCents: 2000 }] });
  await c.send({ type: 'fundMilestone' });
  await c.send({ type: 'submitWork', milestoneId: 'm1' }, 'freelancer');
  const queued = c.unprojected;
  c.unprojected = [];
  return { c, queued };
}

describe('projectTransitions', () => {
  it('R10: writes a burst in one batch, and a retried or overlapping batch writes nothing twice', async () => {
    const { c, queued } = await threeBehind();
    expect(await c.project(queued.slice(0, 2))).toEqual({ projectedSeq: 3, written: 2, skipped: 0 });
    expect(await c.project(queued)).toEqual({ projectedSeq: 4, written: 1, skipped: 2 });
    expect(await c.project(queued)).toEqual({ projectedSeq: 4, written: 0, skipped: 3 });
    expect(await auditSeqs(c.id)).toEqual([1, 2, 3, 4]);
    const [row, ledger] = await Promise.all([
      db.contract.findUniqueOrThrow({ where: { id: c.id } }),
      db.ledgerEntry.count({ where: { contractId: c.id } }),
    ]);
    expect(row.seq).toBe(4);
    expect(Number(row.escrowCents)).toBe(1000);
    expect(ledger).toBe(c.records.reduce((n, r) => n + r.ledger.length, 0));
  });

  it('R10: a batch that would skip a seq is refused for good and writes nothing; so is one that is not consecutive', async () => {
    const { c, queued } = await threeBehind();
    await expect(c.project(queued.slice(1))).rejects.toMatchObject({ type: 'PERSISTENCE_FAILED', nonRetryable: true });
    await expect(c.project([queued[0]!, queued[2]!])).rejects.toMatchObject({ type: 'PERSISTENCE_FAILED', nonRetryable: true });
    expect(await auditSeqs(c.id)).toEqual([1]);
    expect(await c.project(queued)).toMatchObject({ projectedSeq: 4, written: 3 }); // the whole burst still lands
  });

  it('R24: the notices a batch committed are sent after the commit, each once, without an activity per notice', async () => {
    const { queued } = await threeBehind();
    const pump = createNoticePump(createNotifications(db, undefined).deliverNotice);
    const projection = createProjection(db, { notices: pump });
    await new MockActivityEnvironment().run(projection.projectTransitions, queued);
    await new MockActivityEnvironment().run(projection.projectTransitions, queued); // a retry: sent again, stored once
    const keys = queued.flatMap((r) => r.notices.map((n) => n.key));
    expect(keys.length).toBeGreaterThan(0);
    const deadline = Date.now() + 10_000; // the pump sends in the background: bounded wait for its rows
    let rows = 0;
    const done = () => db.notification.count({ where: { id: { in: keys }, emailState: { not: 'pending' } } });
    // The in-app message is written first, then the email's state: wait for both.
    while (Date.now() < deadline && ((rows = await db.inAppMessage.count({ where: { notificationId: { in: keys } } })) < keys.length || (await done()) < keys.length)) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(rows).toBe(keys.length);
    const states = await db.notification.findMany({ where: { id: { in: keys } }, select: { emailState: true } });
    expect(states.every((s) => s.emailState === 'skipped')).toBe(true);
    expect(pump.pending).toBe(0);
  });

  it('R24: a notice left pending (its process died mid-send) is taken again by a worker\'s re-drive, and sent once', async () => {
    const { queued } = await threeBehind();
    await new MockActivityEnvironment().run(createProjection(db).projectTransitions, queued); // stored; nobody sends
    const keys = queued.flatMap((r) => r.notices.map((n) => n.key));
    expect(await db.notification.count({ where: { id: { in: keys }, emailState: 'pending' } })).toBe(keys.length);

    const pump = createNoticePump(createNotifications(db, undefined).deliverNotice);
    const stop = redrivePendingNotices(db, pump, { policy: { everyMs: 200, graceMs: 0, limit: 1000 } });
    try {
      const deadline = Date.now() + 15_000; // bounded: a few looks
      while (Date.now() < deadline && (await db.notification.count({ where: { id: { in: keys }, emailState: 'pending' } })) > 0) {
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      stop();
    }
    expect(await db.notification.count({ where: { id: { in: keys }, emailState: 'skipped' } })).toBe(keys.length);
    expect(await db.inAppMessage.count({ where: { notificationId: { in: keys } } })).toBe(keys.length);
  });
});
