// Honest decisions and explicit money, through the contract workflow's real Updates: answers
// name the version they answer (R16), a decision is reported only once it is known, a request whose
// workflow was closed from the outside never stays pending, an approved increase is covered from
// project funds and any shortfall is explicit (R17), and an operator's decision names the operator.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changeRequestWorkflowId } from '../../domain/names.js';
import { approveSignal, resolveRequestUpdate } from '../../workflows/messages.js';
import { CLIENT, ContractDriver, FREELANCER, expectRefused } from '../support/contract-driver.js';
import { type RecordingWorker, startRecordingWorker } from '../support/recording-worker.js';
import { projectedRecords } from '../support/recording-activities.js';
import { textRef } from '../../domain/texts.js';

let w: RecordingWorker;
beforeAll(async () => {
  w = await startRecordingWorker();
});
afterAll(async () => {
  await w?.stop();
});

async function funded(amounts: number[], input = {}) {
  const c = new ContractDriver(w.client, w.taskQueue);
  await c.create({ input });
  await c.plan(amounts.map((amountCents, i) => ({ op: 'add' as const, title: `Milestone ${i + 1}`, amountCents })));
  await c.fund();
  return c;
}

const recordsOf = (c: ContractDriver) => projectedRecords(w.recorder, c);

/** Keeps the contract busy with previews until it continues-as-new (its input sets a low maxHistoryEvents). */
async function continueAsNew(c: ContractDriver): Promise<void> {
  const before = (await c.handle.describe()).runId;
  for (let n = 0; (await c.handle.describe()).runId === before; n++) {
    if (n > 300) throw new Error('the contract never continued-as-new');
    await c.send('previewPlan', { actorId: CLIENT, ops: [{ op: 'add', title: 'Preview', amountCents: 500 }] });
  }
}
const noticesOf = (c: ContractDriver) => w.recorder.forContract(c.id).notices;

describe('honest decisions', () => {
  it('R16: an answer must name the version it answers; an edit racing an approval gets the current version back', async () => {
    const c = await funded([1000]);
    const { requestId } = await c.requestChange('m1', { amountCents: 1500 });
    await c.send('editChangeRequest', { actorId: CLIENT, requestId: requestId!, patch: { amountCents: 800 } });

    await expectRefused(c.send('approveChangeRequest', { actorId: FREELANCER, requestId: requestId! }), 'VERSION_REQUIRED', 'R16');
    const stale = c.send('approveChangeRequest', { actorId: FREELANCER, requestId: requestId!, version: 0 });
    await expectRefused(stale, 'CHANGE_REQUEST_CHANGED', 'R16');
    await expect(stale).rejects.toMatchObject({ cause: { details: [{ currentVersion: 1 }] } });
    expect((await c.state()).milestones[0]).toMatchObject({ amountCents: 1000, fundedCents: 1000 });

    const { contract } = await c.send('approveChangeRequest', { actorId: FREELANCER, requestId: requestId!, version: 1 });
    expect(contract.milestones[0]).toMatchObject({ amountCents: 800, fundedCents: 800 });
  });

  it('R16: a decision whose outcome does not arrive in time fails with DECISION_PENDING, never a success', async () => {
    // Request workflows of this contract run on a queue nobody polls yet: their outcome is held back.
    const held = `${w.taskQueue}-requests`;
    const c = await funded([1000], { outcomeWaitMs: 500, requestTaskQueue: held });
    const { requestId } = await c.requestChange('m1', { title: 'Renamed' });

    const answer = c.send('approveChangeRequest', { actorId: FREELANCER, requestId: requestId!, version: 0 });

    await expectRefused(answer, 'DECISION_PENDING');
    expect((await c.state()).changeRequest).toMatchObject({ id: requestId, deciding: 'approve' });
    const late = await startRecordingWorker(held); // the request's worker comes back: the real outcome lands
    try {
      await expect.poll(async () => (await c.state()).milestones[0]!.title).toBe(textRef('Renamed'));
    } finally {
      await late.stop();
    }
  });
});

describe('requests across continue-as-new', () => {
  it('R16: a decision retried after DECISION_PENDING and a continue-as-new answers its real outcome', async () => {
    const held = `${w.taskQueue}-held-${randomUUID()}`;
    const c = await funded([1000], { outcomeWaitMs: 500, requestTaskQueue: held, maxHistoryEvents: 120 });
    const { requestId } = await c.requestChange('m1', { amountCents: 1500 });
    const key = randomUUID();
    const approve = () => c.send('approveChangeRequest', { actorId: FREELANCER, requestId: requestId!, version: 0 }, key);
    await expectRefused(approve(), 'DECISION_PENDING');

    await continueAsNew(c);
    const late = await startRecordingWorker(held); // the request's worker comes back: the outcome lands in the new run
    let retried;
    try {
      await expect.poll(async () => (await c.state()).changeRequest).toBeNull();
      retried = await approve();
    } finally {
      await late.stop();
    }

    expect(retried.result.requestId).toBe(requestId);
    expect(retried.contract.milestones[0]).toMatchObject({ amountCents: 1500, fundedCents: 1000 });
    expect((await recordsOf(c)).filter((r) => r.request?.id === requestId).map((r) => r.request!.state)).toEqual(['pending', 'approved']);
  });

  it('R21: a proposal an earlier run started, whose workflow is then terminated, is resolved as canceled', async () => {
    const c = await funded([1000, 2000], { maxHistoryEvents: 120, requestWatchMs: 1000 });
    const { requestId } = await c.send('proposeChanges', { actorId: FREELANCER, ops: [{ op: 'delete', milestoneId: 'm2' }] });
    await continueAsNew(c);

    await w.client.workflow.getHandle(changeRequestWorkflowId(requestId!)).terminate('operator cleanup');

    await expect.poll(async () => (await c.state()).proposal, { timeout: 20_000 }).toBeNull();
    expect((await recordsOf(c)).at(-1)).toMatchObject({ actorId: 'system', request: { id: requestId, state: 'canceled' } });
    const plan = await c.plan([{ op: 'add', title: 'After the cleanup', amountCents: 700 }]); // R21 no longer blocks
    expect(plan.contract.milestones).toHaveLength(3);
  });
});

describe('nothing stays pending for ever', () => {
  it('R15, R21: a change request or proposal whose workflow is terminated is resolved as canceled; the client goes on', async () => {
    const c = await funded([1000, 2000]);
    const { requestId: cr } = await c.requestChange('m1', { title: 'Never answered' });
    const { requestId: pr } = await c.send('proposeChanges', { actorId: FREELANCER, ops: [{ op: 'delete', milestoneId: 'm2' }] });

    await w.client.workflow.getHandle(changeRequestWorkflowId(cr!)).terminate('operator cleanup');
    await w.client.workflow.getHandle(changeRequestWorkflowId(pr!)).terminate('operator cleanup');

    await expect.poll(async () => [(await c.state()).changeRequest, (await c.state()).proposal]).toEqual([null, null]);
    const closed = (await recordsOf(c)).filter((r) => r.request?.state === 'canceled').map((r) => r.request!.id);
    expect(closed.sort()).toEqual([cr, pr].sort());
    const told = () => noticesOf(c).filter((n) => n.event === 'proposal_canceled' && n.reason?.includes('terminated'));
    // Notices leave after the transition is stored, on their own path: they arrive, not necessarily at once.
    await expect.poll(() => told().map((n) => n.recipientRole).sort()).toEqual(['client', 'freelancer']);
    const plan = await c.plan([{ op: 'add', title: 'After the cleanup', amountCents: 700 }]); // R21 no longer blocks
    expect(plan.contract.milestones).toHaveLength(3);
  });

  it('R16: a cancelled request workflow reports canceled before it closes', async () => {
    const c = await funded([1000]);
    const { requestId } = await c.requestChange('m1', { title: 'Cancelled from the UI' });

    await w.client.workflow.getHandle(changeRequestWorkflowId(requestId!)).cancel();

    await expect.poll(async () => (await c.state()).changeRequest).toBeNull();
    expect((await recordsOf(c)).at(-1)).toMatchObject({ actorId: 'operator (unnamed)', request: { id: requestId, state: 'canceled' } });
    await expect.poll(() => noticesOf(c).filter((n) => n.reason === 'its workflow was cancelled').length).toBe(2);
    expect((await c.state()).milestones[0]!.title).toBe(textRef('Milestone 1'));
  });

  it('R16: an operator resolves a pending request with an audited command that names them', async () => {
    const c = await funded([1000]);
    const { requestId } = await c.requestChange('m1', { amountCents: 900 });

    const resolved = await c.handle.executeUpdate(resolveRequestUpdate, {
      args: [{ requestId: requestId!, outcome: 'approved', operatorId: 'ops-jane', reason: 'agreed by phone' }],
    });

    expect(resolved.contract.changeRequest).toBeNull();
    expect((await c.state()).milestones[0]).toMatchObject({ amountCents: 900, fundedCents: 900 });
    expect((await recordsOf(c)).at(-1)).toMatchObject({ command: 'resolveRequest', actorId: 'operator:ops-jane' });
    await expect(c.handle.executeUpdate(resolveRequestUpdate, {
      args: [{ requestId: requestId!, outcome: 'canceled', operatorId: 'ops-jane', reason: 'again' }],
    })).rejects.toMatchObject({ cause: { type: 'REQUEST_NOT_PENDING' } });
  });
});

describe('operators are parties to the record', () => {
  it('R17, R18: an approval signalled by an operator is recorded with the operator and told to both parties', async () => {
    const c = await funded([1000]);
    const { requestId } = await c.requestChange('m1', { description: 'Approved by ops' });
    const child = w.client.workflow.getHandle(changeRequestWorkflowId(requestId!));

    await child.signal(approveSignal, { operatorId: 'ops-sam', version: 0 });
    await child.result();

    await expect.poll(async () => (await c.state()).milestones[0]!.description).toBe(textRef('Approved by ops'));
    expect((await recordsOf(c)).at(-1)!.actorId).toBe('operator:ops-sam');
    await expect.poll(() => noticesOf(c).filter((n) => n.event === 'change_request_approved').map((n) => [n.recipientRole, n.decidedBy]).sort())
      .toEqual([['client', 'operator:ops-sam'], ['freelancer', 'operator:ops-sam']]);
  });

  it('R17: a signal without an operator id is still an operator\'s decision, marked unnamed', async () => {
    const c = await funded([1000]);
    const { requestId } = await c.requestChange('m1', { title: 'Unnamed' });

    await w.client.workflow.getHandle(changeRequestWorkflowId(requestId!)).signal(approveSignal, { version: 0 });

    await expect.poll(async () => (await recordsOf(c)).at(-1)!.actorId).toBe('operator (unnamed)');
  });
});

describe('explicit money', () => {
  it('R17: an approved increase takes unused project funds first; the rest is a shortfall the client is asked to fund', async () => {
    const c = await funded([1000]);
    const down = await c.requestChange('m1', { amountCents: 600 });
    await c.send('approveChangeRequest', { actorId: FREELANCER, requestId: down.requestId!, version: 0 }); // 400 to project funds
    const up = await c.requestChange('m1', { amountCents: 1500 });

    const { contract } = await c.send('approveChangeRequest', { actorId: FREELANCER, requestId: up.requestId!, version: 0 });

    expect(contract.milestones[0]).toMatchObject({ amountCents: 1500, fundedCents: 1000 });
    expect(contract.balances).toMatchObject({ projectFundsCents: 0, escrowCents: 1000 });
    expect((await recordsOf(c)).at(-1)!.ledger.map((e) => [e.kind, e.amountCents])).toEqual([['escrow_hold', 400]]);
    await expect.poll(() => noticesOf(c).filter((n) => n.event === 'shortfall_to_fund').map((n) => [n.recipientRole, n.amountCents]))
      .toEqual([['client', 500]]);
    await expectRefused(c.release('m1'), 'SHORTFALL_UNFUNDED', 'R17');
    await c.submit('m1'); // work goes on meanwhile
    const topUp = await c.fund();
    expect(topUp.contract.milestones[0]).toMatchObject({ fundedCents: 1500 });
    expect((await recordsOf(c)).at(-1)!.ledger.map((e) => [e.kind, e.amountCents])).toEqual([['deposit', 500], ['escrow_hold', 500]]);
    expect((await c.release('m1')).contract.milestones[0]).toMatchObject({ state: 'released', releasedCents: 1500 });
  });

  it('R8, R17: while a shortfall remains an explicit release of funded money is allowed', async () => {
    const c = await funded([1000]);
    const { requestId } = await c.requestChange('m1', { amountCents: 1200 });
    await c.send('approveChangeRequest', { actorId: FREELANCER, requestId: requestId!, version: 0 });

    await expectRefused(c.release('m1', 1001), 'RELEASE_EXCEEDS_FUNDED', 'R5');
    const { contract } = await c.release('m1', 1000);

    expect(contract.milestones[0]).toMatchObject({ state: 'released', releasedCents: 1000, fundedCents: 1000 });
  });
});
