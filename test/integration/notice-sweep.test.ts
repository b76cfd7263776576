// Notices that always finish, on real servers: the dev server, PostgreSQL, and the real Resend
// SDK against a local stand-in. Notices leave through the outbox the projection writes, sent by the
// worker's notice pump, never as activities in the contract's history; the sweep Schedule re-drives
// notices left pending past two hours and gives up on those past 20 h, inside Resend's 24-hour
// idempotency window.
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../db/client.js';
import { createResendMailer } from '../../activities/mail.js';
import { issueUser } from '../../api/users.js';
import { lastAttemptWithinMs } from '../../domain/notice-policy.js';
import { createWorker } from '../../worker/create-worker.js';
import { ensureNoticeSweepSchedule } from '../../worker/notice-sweep-schedule.js';
import { createNoticeWorker } from '../../worker/notice-worker.js';
import type { NoticeSweepResult } from '../../workflows/notice-sweep.js';
import { shared } from '../support/context.js';
import { ContractDriver } from '../support/contract-driver.js';
import { type FakeResend, startFakeResend } from '../support/fake-resend.js';
import { quietRuntime } from '../support/runtime.js';
import { dataConverter } from '../../codec/data-converter.js';

const taskQueue = `notices-${randomUUID()}`;
let db: Db;
let resend: FakeResend;
let native: NativeConnection;
let connection: Connection;
let client: Client;
let main: Worker;
let running: Promise<void>;

beforeAll(async () => {
  quietRuntime();
  db = createDb(shared('databaseUrl'));
  resend = await startFakeResend();
  native = await NativeConnection.connect({ address: shared('temporalAddress') });
  connection = await Connection.connect({ address: shared('temporalAddress') });
  client = new Client({ connection, dataConverter: dataConverter() });
  main = await createWorker({ connection: native, db, mail: mail(), taskQueue, workflowBundle: { codePath: shared('workflowBundlePath') } });
  running = main.run();
});
afterAll(async () => {
  main?.shutdown();
  await running;
  await client?.schedule.getHandle(`notice-sweep-${taskQueue}`).delete().catch(() => undefined);
  await resend?.close();
  await Promise.all([db?.$disconnect(), connection?.close()]);
  await native?.close();
});

const mail = () => createResendMailer({ apiKey: 're_test_key', from: 'Milestones <n@milestones.test>', baseUrl: resend.url });

/** An offer sent and accepted (R30) tells both parties each time: four notices. */
const NOTICES = 4;
const each = (state: string): string[] => Array.from({ length: NOTICES }, () => state);

async function contractWithNotices(): Promise<ContractDriver> {
  const [c, f] = await Promise.all([
    issueUser(db, { email: `${randomUUID()}@example.test`, name: 'Client' }),
    issueUser(db, { email: `${randomUUID()}@example.test`, name: 'Freelancer' }),
  ]);
  const contract = new ContractDriver(client, taskQueue, randomUUID(), { clientId: c.id, freelancerId: f.id });
  await contract.open([{ op: 'add', title: 'Logo', amountCents: 1000 }]);
  return contract;
}

const emailStates = async (contractId: string) =>
  (await db.notification.findMany({ where: { contractId }, orderBy: { id: 'asc' } })).map((n) => n.emailState);

describe('notices that always finish', () => {
  it('R24: notices leave through the outbox once their record is stored, sent by the notice pump: no activity per notice in the history', async () => {
    const c = await contractWithNotices();

    await expect.poll(() => emailStates(c.id), { timeout: 20_000 }).toEqual(each('sent'));
    const keys = (await db.notification.findMany({ where: { contractId: c.id } })).map((n) => n.id);
    expect(keys.every((k) => resend.emails.has(k))).toBe(true); // sent with the notice's key (Idempotency-Key)
    await expect.poll(() => db.inAppMessage.count({ where: { notificationId: { in: keys } } })).toBe(keys.length);
    const history = await c.handle.fetchHistory();
    const activities = history.events!.flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
    expect(activities).toContain('projectTransitions');
    expect(activities.filter((a) => a !== 'projectTransitions')).toEqual([]);
  });

  it(`R24: the Schedule's sweep re-drives notices pending past two hours, and gives up on those past 20 h (last attempt ends ${
    lastAttemptWithinMs / 3_600_000} h after a notice, inside Resend's 24 h)`, async () => {
    const stale = await contractWithNotices();
    const tooOld = await contractWithNotices();
    const fresh = await contractWithNotices();
    // Their sends are lost (as with a worker killed after its projection committed): the rows are pending again.
    for (const c of [stale, tooOld, fresh]) {
      await c.projected(db);
      await expect.poll(() => emailStates(c.id), { timeout: 20_000 }).toEqual(each('sent'));
      await c.handle.terminate('test: sends lost');
      await db.$executeRaw`UPDATE notifications SET email_state = 'pending', emailed_at = NULL, provider_id = NULL WHERE contract_id = ${c.id}`;
    }
    const age = (contractId: string, interval: string) =>
      db.$executeRaw`UPDATE notifications SET created_at = now() - ${interval}::interval WHERE contract_id = ${contractId}`;
    await age(stale.id, '3 hours');
    await age(tooOld.id, '21 hours');
    const staleKeys = (await db.notification.findMany({ where: { contractId: stale.id } })).map((n) => n.id);

    const scheduleId = await ensureNoticeSweepSchedule(client, taskQueue);
    expect(await ensureNoticeSweepSchedule(client, taskQueue)).toBe(scheduleId); // a restarted worker updates it
    const schedule = client.schedule.getHandle(scheduleId);
    expect((await schedule.describe()).spec.intervals).toMatchObject([{ every: 15 * 60_000 }]);
    await schedule.trigger();
    const notices = await createNoticeWorker({ connection: native, db, mail: mail(), taskQueue });
    const result = await notices.runUntil(async () => {
      let workflowId: string | undefined;
      await expect.poll(async () => (workflowId = (await schedule.describe()).info.recentActions[0]?.action.workflow.workflowId)).toBeDefined();
      return client.workflow.getHandle(workflowId!).result() as Promise<NoticeSweepResult>;
    });

    expect(result).toMatchObject({ redriven: NOTICES, settled: NOTICES, stillPending: [], gaveUp: NOTICES });
    expect(await emailStates(stale.id)).toEqual(each('sent'));
    expect(staleKeys.every((k) => resend.emails.has(k))).toBe(true); // sent with the notice's key (Idempotency-Key)
    expect(await emailStates(tooOld.id)).toEqual(each('failed'));
    const gaveUp = await db.notification.findFirstOrThrow({ where: { contractId: tooOld.id } });
    expect(gaveUp.lastError).toMatch(/^gave up after 20 h .*; last error: none$/);
    expect(await emailStates(fresh.id)).toEqual(each('pending')); // left to its contract's own delivery
  });
});
