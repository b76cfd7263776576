// The product's verbs as signals on `contract-<id>`: the same commands and rules as the
// Updates, sent by an operator acting for a party (whoever can signal has access to Temporal, not a party's
// token); a refused signal is recorded and logged and the contract carries on. Reports from a request's
// workflow are attributed by what the contract knows, and its answers name the version they answer (R16).
import { changeRequestWorkflowId } from '../../domain/names.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approveSignal, rejectSignal, releasePaymentSignal, requestResolvedSignal, submitWorkSignal } from '../../workflows/messages.js';
import { CLIENT, ContractDriver, FREELANCER } from '../support/contract-driver.js';
import { type RecordingWorker, startRecordingWorker } from '../support/recording-worker.js';

let w: RecordingWorker;
beforeAll(async () => {
  w = await startRecordingWorker();
});
afterAll(async () => {
  await w?.stop();
});

async function funded(amounts: number[]) {
  const c = new ContractDriver(w.client, w.taskQueue);
  await c.open(amounts.map((amountCents, i) => ({ op: 'add' as const, title: `Milestone ${i + 1}`, amountCents })));
  return c;
}

const recorded = (c: ContractDriver) => w.recorder.forContract(c.id);
const milestone = async (c: ContractDriver, i = 0) => (await c.state()).milestones[i]!;

describe('signals on the contract workflow', () => {
  it('R5, R8: submitWork and releasePayment from operators acting for each party move the milestone, audited by the operator', async () => {
    const c = await funded([1000]);

    await c.handle.signal(submitWorkSignal, { operatorId: 'ops-sam', actorId: FREELANCER, milestoneId: 'm1' });
    await expect.poll(() => milestone(c)).toMatchObject({ state: 'submitted' });
    await c.handle.signal(releasePaymentSignal, { operatorId: 'ops-jane', milestoneId: 'm1', amountCents: 600 });
    await expect.poll(() => milestone(c)).toMatchObject({ state: 'released', releasedCents: 600 });

    await c.idle(); // records are written by the projection, just behind the state
    const audit = recorded(c).records.slice(-2).map((r) => [r.command, r.actorId]);
    expect(audit).toEqual([['submitWork', 'operator:ops-sam'], ['releasePayment', 'operator:ops-jane']]);
    expect((await c.state()).balances.projectFundsCents).toBe(400); // R8: the rest stays in project funds
  });

  it('R16, R17: approve on the contract goes to its pending change request; the outcome names the operator', async () => {
    const c = await funded([1000]);
    const { requestId } = await c.requestChange('m1', { amountCents: 800 });

    await c.handle.signal(approveSignal, { operatorId: 'ops-jane', version: 0 });

    await expect.poll(async () => (await c.state()).changeRequest).toBeNull();
    expect(await milestone(c)).toMatchObject({ amountCents: 800, fundedCents: 800 });
    await c.idle(); // records are written by the projection, just behind the state
    const closed = recorded(c).records.find((r) => r.request?.id === requestId && r.request?.state === 'approved');
    expect(closed?.actorId).toBe('operator:ops-jane');
  });

  it('R5, R16: refused signals are recorded with their code and rule, and the contract goes on taking commands', async () => {
    const c = await funded([1000]);
    await c.requestChange('m1', { title: 'Renamed' });

    await c.handle.signal(submitWorkSignal, { operatorId: 'ops-sam', actorId: CLIENT, milestoneId: 'm1' }); // for the wrong party
    await c.handle.signal(rejectSignal, { operatorId: 'ops-sam' }); // no version named (R16)
    await c.handle.signal(releasePaymentSignal, { milestoneId: 'm1' }); // no sender
    await c.handle.signal(releasePaymentSignal, { operatorId: 'ops-jane', milestoneId: 'm1', amountCents: 5000 }); // R5: over the escrow

    await expect.poll(() => recorded(c).refusals.length).toBe(4);
    // Each refusal is recorded when its own check ends (a named operator is looked up first), so the
    // records need not come in the order the signals were sent.
    expect(recorded(c).refusals.map((r) => [r.signal, r.actorId, r.code, r.rule])).toEqual(expect.arrayContaining([
      ['submitWork', 'operator:ops-sam', 'FORBIDDEN_FOR_ROLE', null],
      ['reject', 'operator:ops-sam', 'VERSION_REQUIRED', 'R16'],
      ['releasePayment', 'unknown', 'SENDER_REQUIRED', null],
      ['releasePayment', 'operator:ops-jane', 'RELEASE_EXCEEDS_FUNDED', 'R5'],
    ]));
    const wrongParty = recorded(c).refusals.find((r) => r.code === 'FORBIDDEN_FOR_ROLE');
    expect(JSON.parse(wrongParty!.payload)).toEqual({ operatorId: 'ops-sam', actorId: CLIENT, milestoneId: 'm1' });
    expect((await c.handle.describe()).status.name).toBe('RUNNING');
    expect((await c.state()).changeRequest).toMatchObject({ deciding: null });
    const { contract } = await c.submit('m1'); // R18: the Update still works, and cancels the request
    expect(contract.milestones[0]).toMatchObject({ state: 'submitted' });
  });

  it('R5: a signal naming only a party, or an operator nobody configured, is refused and nothing is recorded as that party', async () => {
    const c = await funded([1000]);

    await c.handle.signal(submitWorkSignal, { actorId: FREELANCER, milestoneId: 'm1' });
    await c.handle.signal(submitWorkSignal, { operatorId: 'mallory', actorId: FREELANCER, milestoneId: 'm1' });

    await expect.poll(() => recorded(c).refusals.length).toBe(2);
    expect(recorded(c).refusals.map((r) => [r.actorId, r.code])).toEqual([[FREELANCER, 'SENDER_REQUIRED'], ['operator:mallory', 'UNKNOWN_OPERATOR']]);
    expect(await milestone(c)).toMatchObject({ state: 'active' });
    expect(recorded(c).records.map((r) => r.command)).not.toContain('submitWork');
  });

  it('R16: a report from a request\'s workflow is not taken at its word: a party the contract did not forward is an unnamed operator', async () => {
    const c = await funded([1000]);
    const { requestId } = await c.requestChange('m1', { amountCents: 800 });

    await c.handle.signal(requestResolvedSignal, { requestId: requestId!, kind: 'change', outcome: 'approved', decidedBy: FREELANCER, operator: false });

    await expect.poll(async () => (await c.state()).changeRequest).toBeNull();
    await c.idle(); // records are written by the projection, just behind the state
    const closed = recorded(c).records.find((r) => r.request?.id === requestId && r.request?.state !== 'pending');
    expect(closed).toMatchObject({ actorId: 'operator (unnamed)', request: { state: 'approved' } });
    const told = closed!.notices.filter((n) => n.event === 'change_request_approved').map((n) => [n.recipientRole, n.decidedBy]);
    expect(told).toEqual([['client', 'operator (unnamed)'], ['freelancer', 'operator (unnamed)']]);
    // The request's own workflow, which never decided, is closed rather than left to expire in seven days.
    expect(await w.client.workflow.getHandle(changeRequestWorkflowId(requestId!)).result()).toBe('approved');
  });

  it('R16: an approve sent to a request\'s workflow counts only when it names the current version', async () => {
    const c = await funded([1000]);
    const { requestId } = await c.requestChange('m1', { amountCents: 1500 });
    await c.send('editChangeRequest', { actorId: CLIENT, requestId: requestId!, patch: { amountCents: 700 } });
    const child = w.client.workflow.getHandle(changeRequestWorkflowId(requestId!));

    await child.signal(approveSignal, { operatorId: 'ops-sam', version: 0 }); // terms since edited
    await child.signal(approveSignal, { operatorId: 'ops-sam' }); // no version at all
    await new Promise((r) => setTimeout(r, 1500)); // a stale approve that counted closes the request well within this
    const afterStale = [(await child.describe()).status.name, (await c.state()).changeRequest?.id];
    await child.signal(approveSignal, { operatorId: 'ops-sam', version: 1 });

    expect(await child.result()).toBe('approved');
    expect(afterStale).toEqual(['RUNNING', requestId]);
    await expect.poll(() => milestone(c)).toMatchObject({ amountCents: 700 });
    await c.idle(); // records are written by the projection, just behind the state
    expect(recorded(c).records.find((r) => r.request?.state === 'approved')?.actorId).toBe('operator:ops-sam');
  });
});
