// The command path under real faults: workers are separate OS processes that get SIGKILLed and
// stopped, PostgreSQL is stopped and restarted, and triggers make a projection attempt slow or refuse
// it with a chosen SQLSTATE. Every command must be answered or refused within a bound, and its record
// must land in PostgreSQL exactly once, in order, once the fault is gone.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../db/client.js';
import { createApp } from '../../api/app.js';
import { issueUser, type IssuedUser } from '../../api/users.js';
import { fundMilestoneUpdate, savePlanUpdate } from '../../workflows/messages.js';
import { shared } from '../support/context.js';
import { projectedTo } from '../support/projected.js';
import { ContractDriver } from '../support/contract-driver.js';
import { Faults } from '../support/faults.js';
import { http } from '../support/http.js';
import { type OwnPostgres, type WorkerProcess, spawnWorker, startOwnPostgres, stopAll } from '../support/processes.js';
import { quietRuntime } from '../support/runtime.js';
import { dataConverter } from '../../codec/data-converter.js';

let client: Client;
let connection: Connection;
let db: Db;
let faults: Faults;
const servers: Server[] = [];
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  quietRuntime();
  connection = await Connection.connect({ address: shared('temporalAddress') });
  client = new Client({ connection, dataConverter: dataConverter() });
  db = createDb(shared('databaseUrl'));
  faults = await Faults.connect(shared('databaseUrl'));
});

afterAll(async () => {
  await stopAll();
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  for (const cleanup of cleanups) await cleanup().catch((err: unknown) => console.error('cleanup failed', err));
  await faults?.close();
  await Promise.all([db?.$disconnect(), connection?.close()]);
});

const newQueue = () => `faults-${randomUUID()}`;

async function startWorker(taskQueue: string, databaseUrl = shared('databaseUrl')): Promise<WorkerProcess> {
  const worker = spawnWorker({ databaseUrl, taskQueue, temporalAddress: shared('temporalAddress'), workflowBundlePath: shared('workflowBundlePath') });
  await worker.ready;
  return worker;
}

/** The API in this process on `taskQueue`, with a short command deadline so a test can wait it out. */
async function startApi(taskQueue: string, commandTimeoutMs: number): Promise<ReturnType<typeof http>> {
  const server = createApp({ db, temporal: client, taskQueue, log: () => {}, rateLimitPerMinute: 100_000, commandTimeoutMs }).listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise((resolve) => server.once('listening', resolve));
  return http(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
}

async function parties(on: Db = db): Promise<{ client: IssuedUser; freelancer: IssuedUser }> {
  const [c, f] = await Promise.all(['Client', 'Freelancer'].map((name) => issueUser(on, { email: `${randomUUID()}@example.test`, name })));
  return { client: c!, freelancer: f! };
}

/**
 * A contract with one pending milestone of 5,000 cents, ready to fund: an accepted offer (R30) whose first
 * milestone was released, then the milestone added.
 */
async function plannedContract(taskQueue: string, on: Db = db): Promise<{ c: ContractDriver; p: Awaited<ReturnType<typeof parties>> }> {
  const p = await parties(on);
  const c = new ContractDriver(client, taskQueue, undefined, { clientId: p.client.id, freelancerId: p.freelancer.id });
  await c.open([{ title: 'Kick-off', amountCents: 1000 }]);
  await c.release('m1');
  await c.add('Design', 5000);
  return { c, p };
}

/** `p`, or a failure naming what did not happen within `ms` (the test's own timeout would say less). */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** Ledger rows and audit events of one command: exactly one of each kind means it applied once. */
async function effects(on: Db, contractId: string, command: string) {
  const [ledger, audit] = await Promise.all([
    on.ledgerEntry.groupBy({ by: ['kind'], where: { contractId }, _count: true }),
    on.auditEvent.count({ where: { contractId, command } }),
  ]);
  return { ledger: Object.fromEntries(ledger.map((l) => [l.kind, l._count])), audit };
}

/** The offer's deposit, fee and hold and its release (plannedContract), then one funding's deposit and hold. */
const ONE_FUNDING = { ledger: { deposit: 2, fee: 1, escrow_hold: 2, release: 1 }, audit: 1 };

/** The history's events from `sinceMs` (epoch ms) on, as "+ms EventType (task queue kind)": where the time went. */
async function timeline(c: ContractDriver, sinceMs: number): Promise<string[]> {
  const out: string[] = [];
  for (const e of (await c.handle.fetchHistory()).events ?? []) {
    const at = Number(e.eventTime?.seconds ?? 0) * 1000 + Math.round((e.eventTime?.nanos ?? 0) / 1e6);
    if (at < sinceMs) continue;
    const type = Object.keys(e).find((k) => k.endsWith('EventAttributes') && (e as Record<string, unknown>)[k]) ?? String(e.eventType);
    const attrs = (e as Record<string, { taskQueue?: { kind?: number }; attempt?: number; timeoutType?: number } | undefined>)[type];
    const kind = attrs?.taskQueue?.kind === 2 ? ' sticky' : '';
    out.push(`+${at - sinceMs} ${type.replace('EventAttributes', '')}${kind}${attrs?.attempt ? ` #${attrs.attempt}` : ''}`);
  }
  return out;
}

const figure = (name: string, values: Record<string, unknown>) => console.log(JSON.stringify({ figure: name, ...values }));

/** JSON with object keys sorted: two values compare equal whatever order their keys came in. */
const canonical = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) =>
  x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b))) : x);

/** Polls `read` until it equals `want` (bounded: `ms`), then returns how long that took. */
async function until<T>(read: () => Promise<T>, want: T, ms: number, what: string): Promise<number> {
  const started = performance.now();
  let last: T | undefined;
  while (performance.now() - started < ms) {
    last = await read();
    if (canonical(last) === canonical(want)) return performance.now() - started;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: still ${canonical(last)} after ${ms} ms, not ${canonical(want)}`);
}

async function currentDetails(c: ContractDriver): Promise<string> {
  const meta = await c.handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
  return meta.currentDetails ?? '';
}

describe('a worker that dies mid-projection', () => {
  it('a worker SIGKILLed during a projection write: the command was answered; its record lands within seconds of a new worker, once', async () => {
    const queue = newQueue();
    const first = await startWorker(queue);
    const { c, p } = await plannedContract(queue);
    const tag = `slow-${c.id.slice(0, 8)}`;
    await faults.slowFirstAttempt({ table: 'audit_events', contractId: c.id, tag, seconds: 60 });

    const result = await within(c.handle.executeUpdate(fundMilestoneUpdate, { args: [{ actorId: p.client.id }], updateId: randomUUID() }),
      10_000, 'fundMilestone answered before its write');
    await faults.sleeping(tag);
    const killedAt = performance.now();
    const killedEpoch = Date.now();
    await first.stop('SIGKILL');
    // A killed client's session sleeps on, holding the contract row, until PostgreSQL next talks to it;
    // an ordinary statement would have ended at once, so end it as the server would.
    expect(await faults.terminate(tag)).toBe(1);
    const second = await startWorker(queue);
    await until(() => effects(db, c.id, 'fundMilestone'), ONE_FUNDING, 45_000, 'the funding stored after the worker was replaced');
    const done = performance.now();

    const fromReady = Math.round(done - second.readyAt!);
    figure('worker SIGKILLed mid-projection', {
      fromKillMs: Math.round(done - killedAt), fromSpawnMs: Math.round(done - second.spawnedAt), fromReadyMs: fromReady,
      historyFromKill: await timeline(c, killedEpoch),
    });
    expect(result.contract.balances.escrowCents).toBe(5000);
    // The dead attempt's start-to-close timeout (10 s) plus the retry.
    expect(fromReady).toBeLessThan(15_000);
  }, 90_000);
});

describe('a worker that dies just after its projection committed', () => {
  // Found by the fault suite's full run: with persistence as a local activity, a worker killed here left PostgreSQL
  // holding a transition whose Update was never accepted (the contract stuck between the two), and a local
  // activity spanning two workflow tasks wrote a history its own code could not replay.
  it('SIGKILL at the commit: the Update was accepted before anything was written; the command is adopted and stored once', async () => {
    const queue = newQueue();
    const first = await startWorker(queue);
    const { c, p } = await plannedContract(queue);
    const { seen, fault } = await faults.committed({ table: 'audit_events', contractId: c.id });
    const updateId = randomUUID();
    const fund = () => c.handle.executeUpdate(fundMilestoneUpdate, { args: [{ actorId: p.client.id }], updateId });
    const funding = fund();
    funding.catch(() => {});
    await within(seen, 20_000, 'the funding transaction commit');
    await first.stop('SIGKILL');
    await fault.remove();
    await startWorker(queue);

    const result = await within(funding, 45_000, 'fundMilestone after the worker was replaced');
    expect(result.contract.balances.escrowCents).toBe(5000);
    expect((await within(fund(), 15_000, 'the same update again')).contract.balances.escrowCents).toBe(5000);
    await until(() => effects(db, c.id, 'fundMilestone'), ONE_FUNDING, 20_000, 'the funding stored once');
    await c.idle(); // the retried write (its record found stored) has completed: nothing more to come

    const events = (await c.handle.fetchHistory()).events ?? [];
    const accepted = events.findIndex((e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.meta?.updateId === updateId);
    const written = events.findIndex((e, i) => i > accepted && e.activityTaskScheduledEventAttributes?.activityType?.name === 'projectTransitions');
    expect(accepted).toBeGreaterThan(0);
    expect(written).toBeGreaterThan(accepted);
    expect(events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity')).toEqual([]);
    expect(await effects(db, c.id, 'fundMilestone')).toEqual(ONE_FUNDING);
  }, 90_000);
});

describe('retryable persistence failures', () => {
  let own: OwnPostgres;
  let ownDb: Db;
  beforeAll(async () => {
    own = await startOwnPostgres();
    cleanups.push(() => own.remove());
  }, 60_000);

  it('PostgreSQL stopped and restarted: a command sent while it is down is answered, and its record lands once it is back, with one ledger effect', async () => {
    ownDb = createDb(own.url);
    const queue = newQueue();
    await startWorker(queue, own.url);
    const { c, p } = await plannedContract(queue, ownDb);
    await c.projected(ownDb);
    await ownDb.$disconnect();
    await own.stop();

    // Durable when answered: the database being down does not hold the answer.
    const result = await within(c.handle.executeUpdate(fundMilestoneUpdate, { args: [{ actorId: p.client.id }], updateId: randomUUID() }),
      10_000, 'fundMilestone while PostgreSQL is down');
    // Three seconds of the stopped server cover the batch's attempts (200 ms, doubling) and the workflow's first retries.
    await new Promise((r) => setTimeout(r, 3_000));
    const downMs = performance.now();
    await own.start();
    ownDb = createDb(own.url);
    cleanups.push(() => ownDb.$disconnect());
    const landed = await until(() => effects(ownDb, c.id, 'fundMilestone'), ONE_FUNDING, 60_000, 'the funding stored after PostgreSQL restarted');
    figure('PostgreSQL restarted', { landedAfterRestartMs: Math.round(performance.now() - downMs), pollMs: Math.round(landed) });

    expect(result.contract.balances.escrowCents).toBe(5000);
  }, 90_000);

  it('a serialization failure (SQLSTATE 40001) on two attempts is retried: the record lands, once', async () => {
    const queue = newQueue();
    await startWorker(queue);
    const { c, p } = await plannedContract(queue);
    await c.projected(db);
    const fault = await faults.failFirstAttempts({ table: 'audit_events', contractId: c.id, sqlstate: '40001', times: 2 });

    const started = performance.now();
    const result = await within(
      c.handle.executeUpdate(fundMilestoneUpdate, { args: [{ actorId: p.client.id }], updateId: randomUUID() }), 20_000, 'fundMilestone');
    await until(() => effects(db, c.id, 'fundMilestone'), ONE_FUNDING, 20_000, 'the funding stored after two serialization failures');
    figure('40001 twice', { landedMs: Math.round(performance.now() - started) });

    expect(result.contract.balances.escrowCents).toBe(5000);
    expect(await fault.attempts()).toBe(3);
  }, 45_000);
});

describe('a projection the database refuses', () => {
  it('a data error (SQLSTATE 22023) the domain let through: commands are still answered, the failure is shown, reads say 503, and once fixed every record lands in order', async () => {
    const queue = newQueue();
    await startWorker(queue);
    const call = await startApi(queue, 10_000);
    const { c, p } = await plannedContract(queue);
    await c.projected(db);
    const marker = `refused-${c.id.slice(0, 8)}`;
    const fault = await faults.refuseTitle({ contractId: c.id, title: marker, sqlstate: '22023' });
    const before = await c.state();

    const saved = await within(
      c.handle.executeUpdate(savePlanUpdate, { args: [{ actorId: p.client.id, ops: [{ op: 'add', title: marker, amountCents: 700 }] }], updateId: randomUUID() }),
      15_000, 'savePlan answered (Temporal client)');
    await until(async () => (await currentDetails(c)).includes('Projection failing'), true, 20_000, 'the failure in the details');
    // Over HTTP the answer waits for its own write (read-your-writes): bounded, then 503 with Retry-After.
    const key = randomUUID();
    const started = performance.now();
    const held = await within(call('POST', `/contracts/${c.id}/fund`, { token: p.client.token, body: {}, key }), 15_000, 'fund over HTTP');
    const heldMs = Math.round(performance.now() - started);
    const read = await call('GET', `/contracts/${c.id}?minSeq=${saved.contract.seq}`, { token: p.client.token });

    await fault.remove();
    const landed = await until(() => db.milestone.count({ where: { contractId: c.id, title: marker } }), 1, 90_000, 'the refused record stored once fixed');
    let answer = await call('POST', `/contracts/${c.id}/fund`, { token: p.client.token, body: {}, key });
    for (let i = 0; answer.status === 503 && i < 20; i++) {
      await new Promise((r) => setTimeout(r, 1_000));
      answer = await call('POST', `/contracts/${c.id}/fund`, { token: p.client.token, body: {}, key });
    }
    figure('22023 held', { heldMs, landedAfterFixMs: Math.round(landed) });

    expect(saved.contract.seq).toBe(before.seq + 1);
    expect([held.status, held.body.code]).toEqual([503, 'PROJECTION_BEHIND']);
    expect(held.headers.get('retry-after')).toMatch(/^\d+$/);
    expect([read.status, read.body.code]).toEqual([503, 'PROJECTION_BEHIND']);
    expect(answer.status).toBe(200);
    expect(answer.body.contract.milestones.map((m: { title: string }) => m.title)).toEqual(['Kick-off', 'Design', marker]);
    expect(await effects(db, c.id, 'fundMilestone')).toEqual(ONE_FUNDING);
    const seqs = (await db.auditEvent.findMany({ where: { contractId: c.id }, select: { seq: true }, orderBy: { seq: 'asc' } })).map((e) => e.seq);
    expect(seqs).toEqual(Array.from({ length: (await c.state()).seq }, (_, i) => i + 1));
    await until(async () => (await currentDetails(c)).includes('Projection failing'), false, 10_000, 'the failure cleared from the details');
  }, 150_000);
});

/** Sends with one Idempotency-Key until the answer is not a 503 (bounded: 10 tries, 300 ms apart). */
async function untilAnswered<T extends { status: number }>(send: (key: string) => Promise<T>): Promise<T> {
  const key = randomUUID();
  let reply = await send(key);
  for (let i = 1; i < 10 && reply.status === 503; i++) {
    await new Promise((r) => setTimeout(r, 300));
    reply = await send(key);
  }
  return reply;
}

describe('no worker at all', () => {
  it('worker stopped: a command answers 503 with Retry-After within the API deadline; with a worker back, the same Idempotency-Key converges to one effect', async () => {
    const queue = newQueue();
    const first = await startWorker(queue);
    const call = await startApi(queue, 2_000);
    const p = await parties();
    // Setup under the 2 s deadline: on busy cores a 503 is possible, and an integrator retries with the same key.
    const created = await untilAnswered((key) => call('POST', '/contracts', {
      token: p.client.token, key, body: { title: 'Website', freelancerId: p.freelancer.id, milestones: [{ title: 'Kick-off', amountCents: 1000 }] },
    }));
    const id = created.body.id as string;
    const accepted = await untilAnswered((key) => call('POST', `/contracts/${id}/offer/accept`, { token: p.freelancer.token, key, body: { version: 1 } }));
    const released = await untilAnswered((key) => call('POST', `/contracts/${id}/milestones/m1/release`, { token: p.client.token, key, body: {} }));
    expect([accepted.status, released.status]).toEqual([200, 200]);
    const planned = await untilAnswered((key) => call('POST', `/contracts/${id}/milestones/batch`, {
      token: p.client.token, key, body: { ops: [{ op: 'add', title: 'Design', amountCents: 5000 }] },
    }));
    expect([created.status, planned.status]).toEqual([201, 200]);
    const stopping = performance.now();
    await first.stop('SIGTERM');
    const stopMs = Math.round(performance.now() - stopping);
    const key = randomUUID();
    const fund = () => call('POST', `/contracts/${id}/fund`, { token: p.client.token, body: {}, key });

    const started = performance.now();
    const refused = await within(fund(), 10_000, 'fund with no worker');
    const refusedMs = Math.round(performance.now() - started);
    const second = await startWorker(queue);
    let answer = await fund();
    for (let i = 0; (answer.status === 503 || answer.status === 409) && i < 40; i++) {
      await new Promise((r) => setTimeout(r, Math.min(1000, Number(answer.headers.get('retry-after') ?? 1) * 1000)));
      answer = await fund();
    }
    figure('worker stopped', { stopMs, refusedMs, convergedFromReadyMs: Math.round(performance.now() - second.readyAt!) });
    const replay = await fund();

    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(refused.body.detail).toMatch(/same Idempotency-Key/i);
    expect(refusedMs).toBeLessThan(2_000 + 1_500);
    expect(answer.status).toBe(200);
    expect(answer.body.contract.balances.escrowCents).toBe(5000);
    expect([replay.status, replay.headers.get('idempotent-replayed')]).toEqual([200, 'true']);
    await projectedTo(db, id, answer.headers.get('contract-seq')); // stored just behind the answer
    expect(await effects(db, id, 'fundMilestone')).toEqual(ONE_FUNDING);
  }, 60_000);
});
