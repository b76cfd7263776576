// npm run replay:record -- --tag <name> — records replay fixtures in test/replay/: a full lifecycle (contract
// + its change requests and proposal, on the dev server), requests closed from outside, the verbs as
// signals, an expiry, review windows with revisions, refunds and a dispute (time-skipping server), webhook
// deliveries, and offers expired and declined, each named `<scenario>-<tag>.json`; every contract starts as
// an offer (accepted, but in the offers scenario). Committed fixtures are frozen: an existing file is never
// overwritten, so the replay test keeps proving that today's code replays yesterday's histories. The
// release baseline was recorded with `--tag baseline` (test/replay/BASELINE); record a new tag when workflow
// code changes its commands (guarded by patched()). `--only <scenario>` records one scenario.
import { randomUUID } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { ApplicationFailure } from '@temporalio/common';
import type { WebhookActivities } from '../activities/webhooks.js';
import { changeRequestWorkflowId } from '../domain/names.js';
import { DELIVERY_SCHEDULE } from '../domain/webhook-schedule.js';
import { ContractDriver, CLIENT, FREELANCER } from '../test/support/contract-driver.js';
import { createRecorder } from '../test/support/recording-activities.js';
import { withNoticeWorker } from '../test/support/workers.js';
import { workflowsPath } from '../worker/create-worker.js';
import { approveSignal, releasePaymentSignal, resolveDisputeUpdate, resolveRequestUpdate, submitWorkSignal } from '../workflows/messages.js';
import { allSearchAttributes } from '../workflows/search-attributes.js';
import { registerSearchAttributes } from './lib/search-attributes.js';
import { devServerDynamicConfig } from './lib/temporal-dev.js';
import { root, temporalBinary } from './lib/tools.js';
import { dataConverter } from '../codec/data-converter.js';
import { replayFixtureKeys } from '../test/support/replay-keys.js';

Runtime.install({ logger: new DefaultLogger('WARN') });
// Fixtures are encrypted, as production histories are, under the committed fixture key: a fixture
// recorded under a developer's own key would replay nowhere else.
const fixtureConverter = dataConverter(replayFixtureKeys);
const out = join(root, 'test', 'replay');
// --only <scenario>: record one scenario instead of all (the list: --only without a match prints it).
const { values } = parseArgs({ options: { tag: { type: 'string' }, only: { type: 'string' } } });
if (!values.tag || !/^[a-z0-9-]+$/.test(values.tag)) {
  console.error('usage: npm run replay:record -- --tag <lowercase-name> (new fixtures never replace committed ones)');
  process.exit(2);
}

async function save(client: Client, workflowId: string, scenario: string) {
  const file = join(out, `${scenario}-${values.tag}.json`);
  if (existsSync(file)) {
    console.log(`kept ${file}: committed fixtures are frozen`);
    return;
  }
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  writeFileSync(file, historyToJSON(history));
  console.log(`wrote ${file} (${history.events?.length} events)`);
}

async function withWorker<T>(env: TestWorkflowEnvironment, taskQueue: string, fn: () => Promise<T>): Promise<T> {
  const { activities } = createRecorder();
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowsPath, activities, dataConverter: fixtureConverter });
  // Deliveries run on the notices queue beside the contract's.
  return (await withNoticeWorker(worker, env.nativeConnection, activities)).runUntil(fn);
}

/** A dev server with a worker on a fresh task queue, a contract driver on it, torn down afterwards. */
async function onDevServer(fn: (env: TestWorkflowEnvironment, c: ContractDriver) => Promise<void>) {
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalBinary('temporal') },
      searchAttributes: allSearchAttributes,
      extraArgs: devServerDynamicConfig,
    },
    client: { dataConverter: fixtureConverter },
  });
  try {
    const taskQueue = `replay-${randomUUID()}`;
    const c = new ContractDriver(env.client, taskQueue);
    await withWorker(env, taskQueue, () => fn(env, c));
  } finally {
    await env.teardown();
  }
}

async function lifecycle() {
  await onDevServer(async (env, c) => {
    await c.open([{ op: 'add', title: 'Design', amountCents: 5000 }, { op: 'add', title: 'Build', amountCents: 8000 }]);
    const cr = await c.requestChange('m1', { amountCents: 6000, title: 'Design v2' });
    await c.send('approveChangeRequest', { actorId: FREELANCER, requestId: cr.requestId!, version: 0 });
    await c.fund(); // the 1000 shortfall
    await c.submit('m1');
    await c.release('m1', 5500);
    const pr = await c.send('proposeChanges', { actorId: FREELANCER, ops: [{ op: 'add', title: 'Polish', amountCents: 1500 }] });
    await c.send('acceptProposal', { actorId: CLIENT, requestId: pr.requestId!, version: 0 });
    await c.fund();
    await c.release('m2');
    await c.fund();
    await c.release('m3');
    await c.send('endContract', { actorId: CLIENT });
    await c.handle.result();
    await save(env.client, c.workflowId, 'contract-lifecycle');
    await save(env.client, changeRequestWorkflowId(cr.requestId!), 'change-request-approved');
    await save(env.client, changeRequestWorkflowId(pr.requestId!), 'proposal-accepted');
  });
}

/** Requests closed from outside: a terminated request workflow, and an operator's resolveRequest. */
async function closedFromOutside() {
  await onDevServer(async (env, c) => {
    await c.open([{ op: 'add', title: 'Design', amountCents: 5000 }, { op: 'add', title: 'Build', amountCents: 8000 }]);
    const cr = await c.requestChange('m1', { amountCents: 4000 });
    await env.client.workflow.getHandle(changeRequestWorkflowId(cr.requestId!)).terminate('replay fixture');
    await c.idle();
    const pr = await c.send('proposeChanges', { actorId: FREELANCER, ops: [{ op: 'delete', milestoneId: 'm2' }] });
    await c.handle.executeUpdate(resolveRequestUpdate, {
      args: [{ requestId: pr.requestId!, outcome: 'canceled', operatorId: 'ops-replay', reason: 'replay fixture' }],
    });
    await c.release('m1');
    await c.send('endContract', { actorId: CLIENT });
    await c.handle.result();
    await save(env.client, c.workflowId, 'contract-requests-closed-from-outside');
  });
}

/** The product's verbs as signals on the contract: accepted, refused, and an operator's approval. */
async function signals() {
  await onDevServer(async (env, c) => {
    await c.open([{ op: 'add', title: 'Design', amountCents: 5000 }, { op: 'add', title: 'Build', amountCents: 8000 }]);
    await c.handle.signal(submitWorkSignal, { operatorId: 'ops-replay', actorId: CLIENT, milestoneId: 'm1' }); // refused: the wrong party
    await c.handle.signal(submitWorkSignal, { operatorId: 'ops-replay', actorId: FREELANCER, milestoneId: 'm1' });
    await c.handle.signal(releasePaymentSignal, { operatorId: 'ops-replay', milestoneId: 'm1' });
    await until(async () => (await c.state()).milestones[0]!.state === 'released');
    await c.fund();
    const cr = await c.requestChange('m2', { title: 'Build v2' });
    await c.handle.signal(approveSignal, { operatorId: 'ops-replay', version: 0 });
    await until(async () => (await c.state()).changeRequest === null);
    await c.release('m2');
    await c.send('endContract', { actorId: CLIENT });
    await c.handle.result();
    await save(env.client, c.workflowId, 'contract-signals');
    await save(env.client, changeRequestWorkflowId(cr.requestId!), 'change-request-approved-by-signal');
  });
}

/** Polls every 100 ms for at most 30 s (signals do not answer). */
async function until(done: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await done()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the signal was not applied within 30 s');
}

/** A time-skipping server with a worker on a fresh task queue, a contract driver on it, torn down afterwards. */
async function onTimeSkippingServer(fn: (env: TestWorkflowEnvironment, c: ContractDriver) => Promise<void>) {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: temporalBinary('temporal-test-server') } },
    client: { dataConverter: fixtureConverter },
  });
  try {
    await registerSearchAttributes(env.connection);
    const taskQueue = `replay-${randomUUID()}`;
    const c = new ContractDriver(env.client, taskQueue);
    await withWorker(env, taskQueue, () => fn(env, c));
  } finally {
    await env.teardown();
  }
}

/** R25–R28: a review window's reminder and automatic release, revisions, a refund declined, one lapsed and one
 * accepted, a dispute split by an operator. */
async function review() {
  await onTimeSkippingServer(async (env, c) => {
    await c.open(['Logo', 'Site', 'Copy'].map((title) => ({ title, amountCents: 2000 })));
    await c.submit('m1');
    await env.sleep('14 days'); // R25: the reminder at 13 days, the automatic release at 14
    await c.idle();
    await c.fund();
    await c.submit('m2');
    await c.send('requestRevisions', { actorId: CLIENT, milestoneId: 'm2', message: 'Bigger headings' });
    await c.submit('m2');
    await c.release('m2');
    await c.fund();
    const declined = await c.send('requestRefund', { actorId: CLIENT, milestoneId: 'm3', amountCents: 300 });
    await c.send('declineRefund', { actorId: FREELANCER, milestoneId: 'm3', requestId: declined.requestId! });
    await c.send('requestRefund', { actorId: CLIENT, milestoneId: 'm3', amountCents: 500 });
    await env.sleep('7 days'); // R27: the request lapses
    await c.idle();
    const asked = await c.send('requestRefund', { actorId: CLIENT, milestoneId: 'm3', amountCents: 500 });
    await c.send('acceptRefund', { actorId: FREELANCER, milestoneId: 'm3', requestId: asked.requestId! });
    const opened = await c.send('openDispute', { actorId: FREELANCER, milestoneId: 'm3', reason: 'replay fixture' });
    await c.handle.executeUpdate(resolveDisputeUpdate, {
      args: [{ milestoneId: 'm3', disputeId: opened.requestId!, outcome: 'split', releaseCents: 1000, refundCents: 500, operatorId: 'ops-replay', reason: 'replay fixture' }],
    });
    await c.send('endContract', { actorId: CLIENT });
    await c.handle.result();
    await save(env.client, c.workflowId, 'contract-review-refund-dispute');
  });
}

async function expiry() {
  await onTimeSkippingServer(async (env, c) => {
    await c.open([{ title: 'Logo', amountCents: 1000 }]);
    const { requestId } = await c.requestChange('m1', { dueDate: '2030-01-01' });
    await env.sleep('7 days');
    await env.client.workflow.getHandle(changeRequestWorkflowId(requestId!)).result();
    // The test server drops an update that arrives while a workflow task is in flight: release once the
    // expiry's report is applied and the contract is idle.
    await until(async () => (await c.state()).changeRequest === null);
    await c.idle();
    await c.release('m1');
    await c.send('endContract', { actorId: CLIENT });
    await c.handle.result();
    await save(env.client, changeRequestWorkflowId(requestId!), 'change-request-expired');
    await save(env.client, c.workflowId, 'contract-with-expired-request');
  });
}

/**
 * R30: an offer edited and left to expire (its timer, the refund of everything deposited), and one declined.
 * Every other scenario starts with an offer accepted.
 */
async function offers() {
  await onTimeSkippingServer(async (env, c) => {
    await c.create({ milestones: [{ title: 'Logo', amountCents: 1000 }], offer: { expiresInDays: 1 } });
    await c.send('editOffer', { actorId: CLIENT, milestones: [{ title: 'Logo', amountCents: 1500 }], expiresInDays: 2 });
    await env.sleep('2 days');
    await c.handle.result();
    await save(env.client, c.workflowId, 'contract-offer-expired');
    const declined = new ContractDriver(env.client, c.taskQueue);
    await declined.create({ milestones: [{ title: 'Site', amountCents: 2000 }] });
    await declined.send('declineOffer', { actorId: FREELANCER, version: 1 });
    await declined.handle.result();
    await save(env.client, declined.workflowId, 'contract-offer-declined');
  });
}

/**
 * R29: delivery workflows live up to 72 hours, so changes to them need patches too. Three endings: the
 * receiver took it, answered a final 4xx, or never answered before the (shortened) schedule ran out.
 */
async function webhookDeliveries() {
  await onDevServer(async (env) => {
    const taskQueue = `replay-${randomUUID()}`;
    const activities: WebhookActivities = {
      async attemptWebhookDelivery({ eventId }) {
        if (eventId.endsWith('_0')) return 'delivered';
        if (eventId.endsWith('_1')) throw ApplicationFailure.nonRetryable('answered 410', 'WEBHOOK_REJECTED');
        throw ApplicationFailure.retryable('answered 503', 'WEBHOOK_UNAVAILABLE');
      },
      async settleWebhookDelivery() {},
    };
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowsPath, activities, dataConverter: fixtureConverter });
    await worker.runUntil(async () => {
      const schedule = { ...DELIVERY_SCHEDULE, firstRetryMs: 100, maxRetryMs: 200, giveUpAfterMs: 1_000 };
      for (const [i, scenario] of ['webhook-delivered', 'webhook-rejected', 'webhook-given-up'].entries()) {
        const workflowId = `webhook-delivery-we_replay-evt_replay_1_${i}`;
        await env.client.workflow.execute('webhookDeliveryWorkflow', {
          workflowId, taskQueue, args: [{ endpointId: 'we_replay', eventId: `evt_replay_1_${i}`, redeliver: false, schedule }],
        });
        await save(env.client, workflowId, scenario);
      }
    });
  });
}

const scenarios: Record<string, () => Promise<void>> = {
  lifecycle, 'closed-from-outside': closedFromOutside, signals, expiry, review, 'webhook-deliveries': webhookDeliveries, offers,
};
if (values.only && !scenarios[values.only]) {
  console.error(`--only takes one of: ${Object.keys(scenarios).join(', ')}`);
  process.exit(2);
}
for (const [name, record] of Object.entries(scenarios)) if (!values.only || values.only === name) await record();
