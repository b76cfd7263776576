// deliverNotice with the real resend SDK against a local stand-in for Resend's endpoint, and real
// PostgreSQL: retries never send twice, a refusal is recorded rather than retried, and the email and
// in-app message say what changed, old → new (R24).
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../db/client.js';
import { createResendMailer } from '../../activities/mail.js';
import { createNotifications } from '../../activities/notifications.js';
import type { Notice } from '../../domain/events.js';
import { shared } from '../support/context.js';
import { DirectContract } from '../support/direct-contract.js';
import { type FakeResend, startFakeResend } from '../support/fake-resend.js';

let db: Db;
let resend: FakeResend;
beforeAll(async () => {
  db = createDb(shared('databaseUrl'));
  // A hang outlasts the client's timeout by a margin; the timeout is far above a loaded machine's answer
  // time, so only the scripted hang ever times out.
  resend = await startFakeResend({ hangMs: 2_500 });
});
afterAll(async () => {
  await resend?.close();
  await db?.$disconnect();
});
beforeEach(() => resend.script());

const mailer = () => createResendMailer({ apiKey: 're_test_key', from: 'Milestones <n@milestones.test>', baseUrl: resend.url, timeoutMs: 1_500 });

/** A persisted change request on the active milestone: its notice to the freelancer is pending delivery. */
async function changeRequestNotice(): Promise<{ c: DirectContract; notice: Notice }> {
  const c = await DirectContract.create(db);
  await c.send({ type: 'savePlan', ops: [{ op: 'add', title: 'Logo', amountCents: 1000 }] });
  await c.send({ type: 'fundMilestone' });
  const t = await c.send({ type: 'requestChange', milestoneId: 'm1', patch: { amountCents: 1500, title: 'Logo + icon' }, featureEnabled: true });
  return { c, notice: t.notices[0]! };
}

/** Runs the activity as Temporal would: retry while the failure is retryable, stop otherwise. */
async function deliverWithRetries(deliver: (n: Notice) => Promise<void>, notice: Notice, maxAttempts = 10) {
  const failures: string[] = [];
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    try {
      await new MockActivityEnvironment().run(deliver, notice);
      return failures;
    } catch (err) {
      if (!(err instanceof ApplicationFailure)) throw err;
      failures.push(`${err.type}${err.nonRetryable ? ' (final)' : ''}`);
      if (err.nonRetryable) return failures;
    }
  }
  throw new Error('never delivered');
}

describe('deliverNotice', () => {
  it('R24: 500, 429 and a timeout are retried, and exactly one email reaches the provider, with the idempotency key', async () => {
    const { notice } = await changeRequestNotice();
    resend.script(500, 429, 'hang', 'ok');
    const { deliverNotice } = createNotifications(db, mailer());

    const failures = await deliverWithRetries(deliverNotice, notice);
    await new Promise((r) => setTimeout(r, 1_500)); // let the abandoned (hung) request land too
    await new MockActivityEnvironment().run(deliverNotice, notice); // a late duplicate activity run

    expect(failures).toEqual(['EMAIL_UNAVAILABLE', 'EMAIL_UNAVAILABLE', 'EMAIL_UNAVAILABLE']);
    const mine = resend.requests.filter((r) => r.headers['idempotency-key'] === notice.key);
    expect(mine).toHaveLength(4);
    expect([...resend.emails.keys()].filter((k) => k === notice.key)).toHaveLength(1);
    const row = await db.notification.findUniqueOrThrow({ where: { id: notice.key } });
    expect(row).toMatchObject({ emailState: 'sent', attempts: 4 });
    expect(row.providerId).toMatch(/^email_\d+$/);
  });

  it('R24: the email and the in-app message detail the change, old → new, with contract and milestone names', async () => {
    const { c, notice } = await changeRequestNotice();
    const { deliverNotice } = createNotifications(db, mailer());

    await new MockActivityEnvironment().run(deliverNotice, notice);

    const email = resend.emails.get(notice.key)!.body;
    expect(email.to).toBe(c.freelancer.email);
    expect(email.subject).toContain('A change to the active milestone was requested — Website');
    expect(email.text).toContain('amount: $10.00 → $15.00');
    expect(email.text).toContain('title: "Logo" → "Logo + icon"');
    expect(email.html).toContain('&quot;Logo&quot; → &quot;Logo + icon&quot;');
    const message = await db.inAppMessage.findUniqueOrThrow({ where: { notificationId: notice.key } });
    expect(message).toMatchObject({ recipientId: c.freelancer.id, contractId: c.id });
    expect(message.body).toContain('amount: $10.00 → $15.00');
  });

  it('R24: a 4xx from the provider ends as a recorded failure in the outbox, not a retry loop', async () => {
    const { notice } = await changeRequestNotice();
    resend.script(422);
    const { deliverNotice } = createNotifications(db, mailer());

    const failures = await deliverWithRetries(deliverNotice, notice);
    await new MockActivityEnvironment().run(deliverNotice, notice);

    expect(failures).toEqual(['EMAIL_REJECTED (final)']);
    const row = await db.notification.findUniqueOrThrow({ where: { id: notice.key } });
    expect(row).toMatchObject({ emailState: 'failed', attempts: 1 });
    expect(row.lastError).toContain('422');
    expect(resend.requests.filter((r) => r.headers['idempotency-key'] === notice.key)).toHaveLength(1);
    expect(await db.inAppMessage.count({ where: { notificationId: notice.key } })).toBe(1);
  });

  it('R24: a 409 for an idempotency key reused with another payload is final; a 409 for the same key in flight is retried', async () => {
    const reused = await changeRequestNotice();
    const inFlight = await changeRequestNotice();
    const { deliverNotice } = createNotifications(db, mailer());

    resend.script(409);
    const final = await deliverWithRetries(deliverNotice, reused.notice);
    resend.script('409-concurrent');
    const retried = await deliverWithRetries(deliverNotice, inFlight.notice);

    expect(final).toEqual(['EMAIL_REJECTED (final)']);
    const row = await db.notification.findUniqueOrThrow({ where: { id: reused.notice.key } });
    expect(row).toMatchObject({ emailState: 'failed', attempts: 1 });
    expect(row.lastError).toContain('409 invalid_idempotent_request');
    expect(retried).toEqual(['EMAIL_UNAVAILABLE']);
    expect(await db.notification.findUniqueOrThrow({ where: { id: inFlight.notice.key } })).toMatchObject({ emailState: 'sent', attempts: 2 });
  });

  it('R24: without RESEND_API_KEY the email is marked skipped (never lost) and the in-app message is still written once', async () => {
    const { notice } = await changeRequestNotice();
    const { deliverNotice } = createNotifications(db, undefined);
    const logged: string[] = [];
    const logger = new DefaultLogger('DEBUG', (entry) => logged.push(`${entry.message} ${JSON.stringify(entry.meta ?? {})}`));

    await new MockActivityEnvironment(undefined, { logger }).run(deliverNotice, notice);
    await new MockActivityEnvironment().run(deliverNotice, notice);

    const row = await db.notification.findUniqueOrThrow({ where: { id: notice.key } });
    expect(row).toMatchObject({ emailState: 'skipped', lastError: 'skipped: no provider (RESEND_API_KEY is not set)' });
    expect(await db.inAppMessage.count({ where: { notificationId: notice.key } })).toBe(1);
    // Logged by the recipient's id, never their email address.
    const email = (await db.notification.findUniqueOrThrow({ where: { id: notice.key }, include: { recipient: true } })).recipient.email;
    expect(logged.join('\n')).toContain('email skipped: no provider');
    expect(logged.join('\n')).not.toContain(email);
    expect(logged.join('\n')).not.toMatch(/@/);
  });
});
