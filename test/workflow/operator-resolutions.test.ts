// Operators' resolutions are answered like every other command: a retry with the same key after a
// continue-as-new answers the settlement that happened (never 409), and a request's report — which anyone
// with access to Temporal can send — is bounded before the contract keeps any of it.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REASON_MAX } from '../../domain/operator.js';
import { requestResolvedSignal, resolveDisputeUpdate, resolveRequestUpdate } from '../../workflows/messages.js';
import { CLIENT, ContractDriver } from '../support/contract-driver.js';
import { type RecordingWorker, startRecordingWorker } from '../support/recording-worker.js';
import { projectedRecords } from '../support/recording-activities.js';

let w: RecordingWorker;
beforeAll(async () => {
  w = await startRecordingWorker();
});
afterAll(async () => {
  await w?.stop();
});

async function funded(input = {}) {
  const c = new ContractDriver(w.client, w.taskQueue);
  await c.create({ input });
  await c.plan([{ op: 'add', title: 'Milestone 1', amountCents: 1000 }]);
  await c.fund();
  return c;
}

/** Keeps the contract busy with previews until it continues-as-new (its input sets a low maxHistoryEvents). */
async function continueAsNew(c: ContractDriver): Promise<void> {
  const before = (await c.handle.describe()).runId;
  for (let n = 0; (await c.handle.describe()).runId === before; n++) {
    if (n > 300) throw new Error('the contract never continued-as-new');
    await c.send('previewPlan', { actorId: CLIENT, ops: [{ op: 'add', title: 'Preview', amountCents: 500 }] });
  }
}

const commandsOf = async (c: ContractDriver, command: string) => (await projectedRecords(w.recorder, c)).filter((r) => r.command === command);

describe('operator resolutions across continue-as-new', () => {
  it('R16: a resolveRequest retried with its key after a continue-as-new answers the settlement, applied once', async () => {
    const c = await funded({ maxHistoryEvents: 120 });
    const { requestId } = await c.requestChange('m1', { amountCents: 900 });
    const updateId = randomUUID();
    const resolve = () => c.handle.executeUpdate(resolveRequestUpdate, {
      updateId, args: [{ requestId: requestId!, outcome: 'approved', operatorId: 'ops-jane', reason: 'agreed by phone' }],
    });
    await resolve();

    await continueAsNew(c);
    const retried = await resolve();

    expect(retried.requestId).toBe(requestId);
    expect(retried.contract.changeRequest).toBeNull();
    expect(await commandsOf(c, 'resolveRequest')).toHaveLength(1);
    expect((await c.state()).milestones[0]).toMatchObject({ amountCents: 900, fundedCents: 900 });
  });

  it('R28: a resolveDispute retried with its key after a continue-as-new answers the settlement, money moved once', async () => {
    const c = await funded({ maxHistoryEvents: 120 });
    const opened = await c.send('openDispute', { actorId: CLIENT, milestoneId: 'm1', reason: 'not delivered' });
    const updateId = randomUUID();
    const resolve = () => c.handle.executeUpdate(resolveDisputeUpdate, {
      updateId, args: [{ milestoneId: 'm1', disputeId: opened.requestId!, outcome: 'refund', operatorId: 'ops-jane', reason: 'no delivery' }],
    });
    const first = await resolve();

    await continueAsNew(c);
    const retried = await resolve();

    expect(retried.requestId).toBe(opened.requestId);
    expect(retried.contract.balances).toEqual(first.contract.balances);
    expect(await commandsOf(c, 'resolveDispute')).toHaveLength(1);
    expect((await c.state()).balances.refundsCents).toBe(1000);
  });
});

describe('a request report is bounded', () => {
  it('R16: a 1.5 MB reason is cut to REASON_MAX and a malformed decidedBy dropped; the contract goes on', async () => {
    const c = await funded();
    const { requestId } = await c.requestChange('m1', { amountCents: 800 });

    await c.handle.signal(requestResolvedSignal, {
      requestId: requestId!, kind: 'change', outcome: 'rejected', decidedBy: `operator:${'x '.repeat(3000)}`, reason: 'r'.repeat(1_500_000),
    });

    await expect.poll(async () => (await c.state()).changeRequest, { timeout: 20_000 }).toBeNull();
    const closed = (await projectedRecords(w.recorder, c)).find((r) => r.request?.id === requestId && r.request?.state === 'rejected')!;
    expect(closed.actorId).toBe('operator (unnamed)');
    const reasons = closed.notices.map((n) => n.reason ?? '');
    expect(reasons.length).toBeGreaterThan(0);
    for (const reason of reasons) expect(Array.from(reason).length).toBeLessThanOrEqual(REASON_MAX);
    expect(reasons[0]).toMatch(/^r+…$/);
    const next = await c.send('withdrawFunds', { actorId: CLIENT }).catch((err: unknown) => err);
    expect(next).toMatchObject({ cause: { type: 'NO_PROJECT_FUNDS' } }); // answered by the rules, not wedged
  });
});
