// R25–R28 timers against the official time-skipping test server: the review window's reminder and
// automatic release, what stops or restarts it, a refund request's lapse, and the races at the very
// moment a window ends. Real persistence: the books are checked in PostgreSQL after each flow.
import { describe, expect, it } from 'vitest';
import { DAY_MS } from '../../domain/review.js';
import { ContractDriver, expectRefused } from '../support/contract-driver.js';
import { expectBooksBalanced } from '../support/ledger.js';
import { useTimeSkippingFile } from '../support/time-skipping.js';

const ts = useTimeSkippingFile();

/** A contract whose first milestone (1000 cents) is funded and its work submitted: the window runs. */
async function submitted(): Promise<ContractDriver> {
  const c = new ContractDriver(ts.env.client, ts.taskQueue);
  await c.open([{ op: 'add', title: 'Logo', amountCents: 1000 }, { op: 'add', title: 'Site', amountCents: 2000 }]);
  await c.submit('m1');
  return c;
}

const milestoneRow = (c: ContractDriver) => ts.db.milestone.findUniqueOrThrow({ where: { contractId_id: { contractId: c.id, id: 'm1' } } });
const events = async (c: ContractDriver) => (await ts.db.notification.findMany({ where: { contractId: c.id }, orderBy: { id: 'asc' } })).map((n) => n.event);
const seconds = (n: number) => n * 1000;

/**
 * Skips to `offsetMs` from the deadline `at`, measured on the server's clock: between a command and the
 * next sleep real time passes (seconds on a loaded machine), so "a second before" is taken from now.
 */
async function skipTo(at: string, offsetMs = 0): Promise<void> {
  const ms = Date.parse(at) + offsetMs - (await ts.env.currentTimeMs());
  if (ms > 0) await ts.env.sleep(ms);
}

describe('review window (time-skipping)', () => {
  it('R25: the funded amount is released automatically exactly 14 days after submission, not a second before, by the system', async () => {
    const c = await submitted();
    await c.projected(ts.db);
    const submittedAt = (await ts.db.auditEvent.findFirstOrThrow({ where: { contractId: c.id, command: 'submitWork' } })).at;
    const endsAt = (await c.state()).milestones[0]!.reviewEndsAt!;

    await skipTo(endsAt, -seconds(1));
    const before = await milestoneRow(c);
    await skipTo(endsAt);
    await expect.poll(async () => (await milestoneRow(c)).state).toBe('released');

    expect(Date.parse(endsAt) - submittedAt.getTime()).toBe(14 * DAY_MS);
    expect(before.state).toBe('submitted');
    const audit = await ts.db.auditEvent.findFirstOrThrow({ where: { contractId: c.id, command: 'autoRelease' } });
    expect(audit.actorId).toBe('system');
    // Recorded at the timer's workflow task: at the window's end, within the task's own latency.
    expect(audit.at.getTime() - Date.parse(endsAt)).toBeGreaterThanOrEqual(0);
    expect(audit.at.getTime() - Date.parse(endsAt)).toBeLessThan(seconds(1));
    expect((await milestoneRow(c)).releasedCents).toBe(1000);
    const notices = await ts.db.notification.findMany({ where: { contractId: c.id, event: 'payment_released_automatically' } });
    expect(notices.map((n) => (n.payload as { recipientRole: string }).recipientRole).sort()).toEqual(['client', 'freelancer']);
    expect(notices[0]!.payload).toMatchObject({ decidedBy: 'system', reason: 'the 14-day review window ended with no action by the client' });
    await expect.poll(() => ts.db.inAppMessage.count({ where: { contractId: c.id } })).toBe(await ts.db.notification.count({ where: { contractId: c.id } }));
    await expectBooksBalanced(ts.db, c.id);
  });

  it('R25: both parties are reminded at 13 days, a day before the window ends', async () => {
    const c = await submitted();
    const remindAt = new Date(Date.parse((await c.state()).milestones[0]!.reviewEndsAt!) - DAY_MS).toISOString();

    await skipTo(remindAt, -seconds(1));
    const early = await events(c);
    await skipTo(remindAt);
    await expect.poll(async () => (await events(c)).filter((e) => e === 'review_ending_soon').length).toBe(2);

    expect(early).not.toContain('review_ending_soon');
    expect((await milestoneRow(c)).state).toBe('submitted');
    await c.release('m1'); // leaves no window running for the next test's skipped time
  });

  it('R25: a release at 13 days 23 hours stops the automatic release', async () => {
    const c = await submitted();

    await ts.env.sleep(13 * DAY_MS + 23 * 3600_000);
    await c.release('m1', 800);
    await ts.env.sleep('2 hours');

    const audit = await ts.db.auditEvent.findMany({ where: { contractId: c.id }, select: { command: true } });
    expect(audit.map((a) => a.command)).not.toContain('autoRelease');
    expect(await events(c)).not.toContain('payment_released_automatically');
    const books = await expectBooksBalanced(ts.db, c.id);
    expect([books.releases, books.projectFunds, books.escrow]).toEqual([800, 200, 0]);
  });

  it('R26: a revision request stops the window and a resubmission starts a new one of 14 days', async () => {
    const c = await submitted();

    await ts.env.sleep(10 * DAY_MS);
    const revised = await c.send('requestRevisions', { actorId: c.clientId, milestoneId: 'm1', message: 'The logo needs a darker blue' });
    await ts.env.sleep(10 * DAY_MS);
    const stillActive = await milestoneRow(c);
    const resubmitted = await c.submit('m1');
    const endsAt = resubmitted.contract.milestones[0]!.reviewEndsAt!;
    await skipTo(endsAt, -seconds(1));
    const beforeEnd = await milestoneRow(c);
    await skipTo(endsAt);
    await expect.poll(async () => (await milestoneRow(c)).state).toBe('released');

    expect(revised.contract.milestones[0]).toMatchObject({ state: 'active', revisionRounds: 1, reviewEndsAt: null });
    expect([stillActive.state, stillActive.revisionRounds]).toEqual(['active', 1]);
    expect(beforeEnd.state).toBe('submitted');
    const resubmission = await ts.db.auditEvent.findFirstOrThrow({ where: { contractId: c.id, command: 'submitWork' }, orderBy: { seq: 'desc' } });
    expect(Date.parse(endsAt) - resubmission.at.getTime()).toBe(14 * DAY_MS); // a new full window
    const notice = await ts.db.notification.findFirstOrThrow({ where: { contractId: c.id, event: 'revisions_requested' } });
    expect(notice.payload).toMatchObject({ message: 'The logo needs a darker blue', stateChange: { old: 'submitted', new: 'active' } });
    await expectBooksBalanced(ts.db, c.id);
  });

  it('R28: a dispute opened at day 13 stops the automatic release and freezes the money', async () => {
    const c = await submitted();

    await ts.env.sleep(13 * DAY_MS);
    const opened = await c.send('openDispute', { actorId: c.freelancerId, milestoneId: 'm1', reason: 'The client went silent' });
    await ts.env.sleep(2 * DAY_MS);

    expect(opened.requestId).toMatch(/-d\d+$/);
    const row = await milestoneRow(c);
    expect([row.state, row.releasedCents, row.reviewEndsAt]).toEqual(['submitted', 0, null]);
    expect(row.dispute).toMatchObject({ openedBy: c.freelancerId, reason: 'The client went silent' });
    await expectRefused(c.release('m1'), 'MILESTONE_DISPUTED', 'R28');
    const attrs = (await c.handle.describe()).searchAttributes as Record<string, unknown[]>;
    expect(attrs.OpenDispute).toEqual([true]);
    await expectBooksBalanced(ts.db, c.id);
  });

  it('R27: a refund request with no answer lapses after seven days and nothing moves', async () => {
    const c = new ContractDriver(ts.env.client, ts.taskQueue);
    await c.open([{ title: 'Logo', amountCents: 1000 }]);
    const asked = await c.send('requestRefund', { actorId: c.clientId, milestoneId: 'm1', amountCents: 400, reason: 'Half the scope was dropped' });

    const lapseAt = asked.contract.milestones[0]!.refundRequest!.expiresAt;
    await skipTo(lapseAt, -seconds(1));
    const pending = await milestoneRow(c);
    await skipTo(lapseAt);
    await expect.poll(async () => (await milestoneRow(c)).refundRequest).toBeNull();

    expect(pending.refundRequest).toMatchObject({ id: asked.requestId, amountCents: 400 });
    expect(Date.parse(lapseAt) - Date.parse(asked.contract.milestones[0]!.refundRequest!.requestedAt)).toBe(7 * DAY_MS);
    expect(await events(c)).toEqual(expect.arrayContaining(['refund_requested', 'refund_lapsed', 'refund_lapsed']));
    const books = await expectBooksBalanced(ts.db, c.id);
    expect([books.refunds, books.escrow]).toEqual([0, 1000]);
  });

  it('R25: a release at the very moment the window ends is refused; the system\'s automatic release pays once', async () => {
    const c = await submitted();

    await ts.env.sleep(14 * DAY_MS);
    const answer = c.release('m1', 600);

    await expectRefused(answer, 'REVIEW_WINDOW_ENDED', 'R25');
    await expect.poll(async () => (await milestoneRow(c)).state).toBe('released');
    const audit = await ts.db.auditEvent.findMany({ where: { contractId: c.id, command: { in: ['autoRelease', 'releasePayment'] } } });
    expect(audit.map((a) => [a.command, a.actorId])).toEqual([['autoRelease', 'system']]);
    const releases = await ts.db.ledgerEntry.findMany({ where: { contractId: c.id, kind: 'release' } });
    expect(releases.map((e) => Number(e.amountCents))).toEqual([1000]);
    await expectBooksBalanced(ts.db, c.id);
  });

  it('R25, R26, R28: a dispute or a revision request once the window has ended is refused; the money is released, never frozen', async () => {
    const c = await submitted();

    await ts.env.sleep(14 * DAY_MS);
    const byClient = c.send('openDispute', { actorId: c.clientId, milestoneId: 'm1', reason: 'Not what we agreed' });
    await expectRefused(byClient, 'REVIEW_WINDOW_ENDED', 'R25');
    const byFreelancer = c.send('openDispute', { actorId: c.freelancerId, milestoneId: 'm1', reason: 'Paid late' });
    await expectRefused(byFreelancer, 'REVIEW_WINDOW_ENDED', 'R25');
    await expectRefused(c.send('requestRevisions', { actorId: c.clientId, milestoneId: 'm1', message: 'One more round' }), 'REVIEW_WINDOW_ENDED', 'R25');

    await expect.poll(async () => (await milestoneRow(c)).state).toBe('released');
    const row = await milestoneRow(c);
    expect([row.releasedCents, row.dispute, row.revisionRounds]).toEqual([1000, null, 0]);
    await expectBooksBalanced(ts.db, c.id);
  });
});
