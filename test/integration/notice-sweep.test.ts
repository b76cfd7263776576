// Notices that always finish, on real servers: the dev server, PostgreSQL, and the real Resend
// SDK against a local stand-in. Deliveries run on their own task queue, so a contract's commands are
// answered while no notices worker runs at all; the sweep Schedule re-drives notices left pending past
// their contract's two hours and gives up on those past 20 h, inside Resend's 24-hour idempotency window.
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../db/client.js';
import { createResendMailer } from '../../activities/mail.js';
import { issueUser } from '../../api/users.js';
import { noticeTaskQueue } from '../../domain/names.js';
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
  main = await createWorker({ connection: native, db, taskQueue, workflowBundle: { codePath: shared('workflowBundlePath') } });
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
  it('R24: deliveries wait on their own task queue: with no notices worker at all, commands are still answered', async () => {
    const c = await contractWithNotices(); // answered by persistence alone: no email slot was needed

    expect((await c.state()).milestones[0]).toMatchObject({ state: 'active', fundedCents: 1000 });
    const history = await c.handle.fetchHistory();
    const queues = history.events!.flatMap((e) => {
      const a = e.activityTaskScheduledEventAttributes;
      return a ? [[a.activityType!.name, a.taskQueue!.name]] : [];
    });
    expect(queues).toContainEqual(['deliverNotice', noticeTaskQueue(taskQueue)]);
    expect(queues).toContainEqual(['persistTransition', taskQueue]);
    expect(await emailStates(c.id)).toEqual(each('pending'));

    const notices = await createNoticeWorker({ connection: native, db, mail: mail(), taskQueue });
    await notices.runUntil(() => expect.poll(() => emailStates(c.id), { timeout: 20_000 }).toEqual(each('sent')));
  });

  it(`R24: the Schedule's sweep re-drives notices pending past two hours, and gives up on those past 20 h (last attempt ends ${
    lastAttemptWithinMs / 3_600_000} h after a notice, inside Resend's 24 h)`, async () => {
    const stale = await contractWithNotices();
    const tooOld = await contractWithNotices();
    const fresh = await contractWithNotices();
    // Their own deliveries end unfinished (as when their two hours of retries ran out): the rows stay pending.
    for (const c of [stale, tooOld, fresh]) await c.handle.terminate('test: deliveries left pending');
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
