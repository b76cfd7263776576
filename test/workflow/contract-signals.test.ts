// The product's verbs as signals on `contract-<id>`: the same commands and rules as the
// Updates, sent by a party or by an operator acting for one; a refused signal is recorded and logged and
// the contract carries on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approveSignal, rejectSignal, releasePaymentSignal, submitWorkSignal } from '../../workflows/messages.js';
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
  await c.create();
  await c.plan(amounts.map((amountCents, i) => ({ op: 'add' as const, title: `Milestone ${i + 1}`, amountCents })));
  await c.fund();
  return c;
}

const recorded = (c: ContractDriver) => w.recorder.forContract(c.id);
const milestone = async (c: ContractDriver, i = 0) => (await c.state()).milestones[i]!;

describe('signals on the contract workflow', () => {
  it('R5, R8: submitWork from the freelancer and releasePayment from an operator for the client move the milestone, audited by name', async () => {
    const c = await funded([1000]);

    await c.handle.signal(submitWorkSignal, { actorId: FREELANCER, milestoneId: 'm1' });
    await expect.poll(() => milestone(c)).toMatchObject({ state: 'submitted' });
    await c.handle.signal(releasePaymentSignal, { operatorId: 'ops-jane', milestoneId: 'm1', amountCents: 600 });
    await expect.poll(() => milestone(c)).toMatchObject({ state: 'released', releasedCents: 600 });

    const audit = recorded(c).records.slice(-2).map((r) => [r.command, r.actorId]);
    expect(audit).toEqual([['submitWork', FREELANCER], ['releasePayment', 'operator:ops-jane']]);
    expect((await c.state()).balances.projectFundsCents).toBe(400); // R8: the rest stays in project funds
  });

  it('R16, R17: approve on the contract goes to its pending change request; the outcome names the operator', async () => {
    const c = await funded([1000]);
    const { requestId } = await c.requestChange('m1', { amountCents: 800 });

    await c.handle.signal(approveSignal, { operatorId: 'ops-jane', version: 0 });

    await expect.poll(async () => (await c.state()).changeRequest).toBeNull();
    expect(await milestone(c)).toMatchObject({ amountCents: 800, fundedCents: 800 });
    const closed = recorded(c).records.find((r) => r.request?.id === requestId && r.request?.state === 'approved');
    expect(closed?.actorId).toBe('operator:ops-jane');
  });

  it('R5, R16: refused signals are recorded with their code and rule, and the contract goes on taking commands', async () => {
    const c = await funded([1000]);
    await c.requestChange('m1', { title: 'Renamed' });

    await c.handle.signal(submitWorkSignal, { actorId: CLIENT, milestoneId: 'm1' }); // the wrong party
    await c.handle.signal(rejectSignal, { actorId: FREELANCER }); // no version named (R16)
    await c.handle.signal(releasePaymentSignal, { milestoneId: 'm1' }); // no sender
    await c.handle.signal(releasePaymentSignal, { actorId: CLIENT, milestoneId: 'm1', amountCents: 5000 }); // R5: over the escrow

    await expect.poll(() => recorded(c).refusals.length).toBe(4);
    expect(recorded(c).refusals.map((r) => [r.signal, r.actorId, r.code, r.rule])).toEqual([
      ['submitWork', CLIENT, 'FORBIDDEN_FOR_ROLE', null],
      ['reject', FREELANCER, 'VERSION_REQUIRED', 'R16'],
      ['releasePayment', 'unknown', 'SENDER_REQUIRED', null],
      ['releasePayment', CLIENT, 'RELEASE_EXCEEDS_FUNDED', 'R5'],
    ]);
    expect(JSON.parse(recorded(c).refusals[0]!.payload)).toEqual({ actorId: CLIENT, milestoneId: 'm1' });
    expect((await c.handle.describe()).status.name).toBe('RUNNING');
    expect((await c.state()).changeRequest).toMatchObject({ deciding: null });
    const { contract } = await c.submit('m1'); // R18: the Update still works, and cancels the request
    expect(contract.milestones[0]).toMatchObject({ state: 'submitted' });
  });
});
