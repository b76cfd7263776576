// The contract workflow's rules through its real Updates on the Temporal dev server (Updates are tested
// here, timers on the time-skipping server). Activities are recording ones: the tests assert exactly
// which transitions, ledger entries and notices the workflow asks for.
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changeRequestWorkflowId } from '../../domain/names.js';
import { approveSignal } from '../../workflows/messages.js';
import { shared } from '../support/context.js';
import { CLIENT, ContractDriver, FREELANCER, expectRefused } from '../support/contract-driver.js';
import { createRecorder, projectedRecords } from '../support/recording-activities.js';
import { quietRuntime } from '../support/runtime.js';
import { type WorkerGroup, withNoticeWorker } from '../support/workers.js';
import { dataConverter } from '../../codec/data-converter.js';
import { textRef } from '../../domain/texts.js';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createRequestWatch } from '../../activities/requests.js';

const recorder = createRecorder();
const taskQueue = `wf-${randomUUID()}`;
let client: Client;
let worker: WorkerGroup;
let running: Promise<void>;
let connections: { native: NativeConnection; client: Connection };

beforeAll(async () => {
  quietRuntime();
  connections = {
    native: await NativeConnection.connect({ address: shared('temporalAddress') }),
    client: await Connection.connect({ address: shared('temporalAddress') }),
  };
  client = new Client({ connection: connections.client, dataConverter: dataConverter() });
  const activities = recorder.activities;
  worker = await withNoticeWorker(await Worker.create({
    connection: connections.native,
    taskQueue,
    dataConverter: dataConverter(),
    workflowBundle: { codePath: shared('workflowBundlePath') },
    activities,
  }), connections.native, activities);
  running = worker.run();
});
afterAll(async () => {
  worker?.shutdown();
  await running;
  await connections?.client.close();
  await connections?.native.close();
});

async function contract(fee = 495) {
  const c = new ContractDriver(client, taskQueue);
  await c.create({ initiationFeeCents: fee });
  return c;
}

/** A contract with milestones of these amounts, the first one funded. */
async function funded(...amounts: number[]) {
  const c = await contract();
  await c.plan(amounts.map((amountCents, i) => ({ op: 'add' as const, title: `Milestone ${i + 1}`, amountCents })));
  await c.fund();
  return c;
}

const ledgerOf = async (c: ContractDriver) => (await projectedRecords(recorder, c)).flatMap((r) => r.ledger);
/** Notices are delivered asynchronously (they never block the contract): order them by their keys. */
const noticesOf = async (c: ContractDriver) => {
  await projectedRecords(recorder, c); // the projection carries them, just behind the answers
  const rank = (key: string) => key.split(':').slice(1).filter((p) => /^\d+$/.test(p)).map(Number);
  return [...recorder.forContract(c.id).notices].sort((a, b) => {
    const [x, y] = [rank(a.key), rank(b.key)];
    return x[0]! - y[0]! || x[1]! - y[1]!;
  });
};

describe('contract workflow', () => {
  it('R1: creates a contract between one client and one freelancer, and refuses the same party twice', async () => {
    const c = await contract();

    const s = await c.state();

    expect(s).toMatchObject({ clientId: CLIENT, freelancerId: FREELANCER, status: 'open' });
    const self = new ContractDriver(client, taskQueue);
    await expectRefused(self.create({ freelancerId: CLIENT }), 'SAME_PARTY', 'R1');
  });

  it('R2: the 201st milestone is refused with a message to start a new contract; deleted pending ones do not count', async () => {
    const c = await contract();
    const ops = Array.from({ length: 200 }, (_, i) => ({ op: 'add' as const, title: `M${i + 1}`, amountCents: 500 }));
    await c.plan(ops);

    const refusal = c.add('One too many', 500);

    await expectRefused(refusal, 'MILESTONE_LIMIT', 'R2');
    await c.plan([{ op: 'delete', milestoneId: 'm200' }]);
    await c.add('Fits again', 500);
    expect((await c.state()).milestones).toHaveLength(200);
  });

  it('R3: an ended contract refuses every change', async () => {
    const c = await contract();
    await c.add('Only', 1000);
    const { contract: ended } = await c.send('endContract', { actorId: CLIENT });

    // The workflow completes with the contract: nothing is left to accept a change (the API answers 409, R3).
    await c.handle.result();
    await expect(c.add('After the end', 1000)).rejects.toThrow(/workflow execution already completed|not found/i);
    expect(ended.status).toBe('ended');
    expect((await c.state()).status).toBe('ended');
  });

  it('R4: amounts below $5.00, fractional or absurd are refused and nothing changes', async () => {
    const c = await contract();

    await expectRefused(c.add('Too small', 499), 'AMOUNT_TOO_SMALL', 'R4');
    await expectRefused(c.add('Fractional', 500.5), 'AMOUNT_NOT_CENTS', 'R4');
    await expectRefused(c.add('Absurd', 100_000_001), 'AMOUNT_TOO_LARGE', 'R4');
    await c.add('Exactly five dollars', 500);

    expect((await c.state()).milestones.map((m) => m.amountCents)).toEqual([500]);
  });

  it('R5: a release never exceeds what is funded, and only pending milestones can be edited', async () => {
    const c = await funded(1000, 2000);

    await expectRefused(c.release('m1', 1001), 'RELEASE_EXCEEDS_FUNDED', 'R5');
    await expectRefused(c.plan([{ op: 'edit', milestoneId: 'm1', patch: { title: 'Renamed' } }]), 'MILESTONE_NOT_PENDING', 'R5');
    await expectRefused(c.release('m2'), 'MILESTONE_NOT_FUNDED', 'R5');
    await c.submit('m1');
    await c.release('m1');

    expect((await c.state()).milestones[0]).toMatchObject({ state: 'released', releasedCents: 1000 });
  });

  it('R6: a second milestone cannot be funded while one is active; activation takes the first pending in the current order', async () => {
    const c = await contract();
    await c.plan([
      { op: 'add', ref: 'a', title: 'A', amountCents: 1000 },
      { op: 'add', ref: 'b', title: 'B', amountCents: 2000 },
      { op: 'reorder', order: ['b', 'a'] },
    ]);

    await c.fund();

    await expectRefused(c.fund(), 'MILESTONE_ALREADY_FUNDED', 'R6');
    const s = await c.state();
    expect(s.milestones.map((m) => [m.title, m.state])).toEqual([[textRef('B'), 'active'], [textRef('A'), 'pending']]);
  });

  it('R7, R9: the first funding pays milestone + initiation fee; later ones use project funds first and no fee', async () => {
    const c = await funded(1000, 3000);
    await c.release('m1', 600); // 400 left in project funds

    await c.fund();

    const ledger = (await ledgerOf(c)).map((e) => [e.kind, e.amountCents, e.milestoneId]);
    expect(ledger).toEqual([
      ['deposit', 1495, 'm1'],
      ['fee', 495, null],
      ['escrow_hold', 1000, 'm1'],
      ['release', 600, 'm1'],
      ['escrow_return', 400, 'm1'],
      ['deposit', 2600, 'm2'],
      ['escrow_hold', 3000, 'm2'],
    ]);
    expect((await c.state()).balances).toMatchObject({ projectFundsCents: 0, escrowCents: 3000, feesCents: 495 });
  });

  it('R8: a partial release ends the milestone and leaves the remainder in project funds', async () => {
    const c = await funded(5000, 1000);

    const { contract: s } = await c.release('m1', 3000);

    expect(s.milestones[0]).toMatchObject({ state: 'released', releasedCents: 3000, fundedCents: 5000 });
    expect(s.balances.projectFundsCents).toBe(2000);
  });

  it('R10: every money movement is a ledger entry with a unique key, and the books balance', async () => {
    const c = await funded(1000, 1200);
    await c.release('m1', 700);
    await c.fund();
    await c.release('m2', 1000);
    await c.send('withdrawFunds', { actorId: CLIENT });

    const ledger = await ledgerOf(c);
    const sum = (k: string) => ledger.filter((e) => e.kind === k).reduce((a, e) => a + e.amountCents, 0);

    expect(new Set(ledger.map((e) => e.key)).size).toBe(ledger.length);
    const b = (await c.state()).balances;
    expect(sum('deposit')).toBe(b.depositsCents);
    expect(b.depositsCents).toBe(b.feesCents + b.releasesCents + b.refundsCents + b.escrowCents + b.projectFundsCents);
    expect(sum('refund')).toBe(b.refundsCents);
  });

  it('R11: a batch is all or nothing, and a preview shows the diff without applying it', async () => {
    const c = await contract();
    await c.plan([{ op: 'add', title: 'Design', amountCents: 1000 }, { op: 'add', title: 'Build', amountCents: 2000 }]);
    const before = await c.state();

    const preview = await c.send('previewPlan', { actorId: CLIENT, ops: [{ op: 'edit', milestoneId: 'm1', patch: { amountCents: 1500 } }, { op: 'delete', milestoneId: 'm2' }] });
    await expectRefused(c.plan([{ op: 'add', title: 'Fine', amountCents: 900 }, { op: 'edit', milestoneId: 'm1', patch: { amountCents: 10 } }]), 'AMOUNT_TOO_SMALL', 'R4');

    expect(preview.diff).toMatchObject({
      edited: [{ id: 'm1', changes: [{ field: 'amountCents', old: 1000, new: 1500 }] }],
      deleted: [{ id: 'm2', title: textRef('Build') }], // the workflow holds texts by reference
    });
    expect(await c.state()).toEqual(before);
  });

  it('R11: an Update sent outside the API with a title of invisible characters only is refused before its texts become references', async () => {
    const c = await contract();
    const before = await c.state();

    await expectRefused(c.plan([{ op: 'add', title: '\u200b\u200b', amountCents: 1000 }]), 'INVALID_TITLE', 'R11');

    expect(await c.state()).toEqual(before);
  });

  it('R11: an Update sent outside the API with a title or description shaped like a text reference is refused, not kept as one', async () => {
    const c = await contract();
    await c.add('Design', 1000);
    const before = await c.state();
    const posing = textRef('Design'); // the reference of a text the contract already holds

    await expectRefused(c.plan([{ op: 'add', title: posing, amountCents: 1000 }]), 'INVALID_TITLE', 'R11');
    await expectRefused(c.plan([{ op: 'edit', milestoneId: 'm1', patch: { description: `txt:${'0'.repeat(32)}` } }]), 'INVALID_DESCRIPTION', 'R11');

    expect(await c.state()).toEqual(before);
  });

  it('R12: reordering applies only among pending milestones; the active one keeps its place', async () => {
    const c = await funded(1000, 2000, 3000);

    await expectRefused(c.plan([{ op: 'reorder', order: ['m3', 'm1', 'm2'] }]), 'MILESTONE_NOT_PENDING', 'R12');
    const { diff } = await c.plan([{ op: 'reorder', order: ['m3', 'm2'] }]);

    expect((await c.state()).milestones.map((m) => m.id)).toEqual(['m1', 'm3', 'm2']);
    expect(diff?.moved.map((m) => [m.id, m.from, m.to])).toEqual([['m3', 3, 2], ['m2', 2, 3]]);
  });

  it('R13: due dates are advisory: work past its due date is submitted and paid without penalty', async () => {
    const c = await contract();
    await c.plan([{ op: 'add', title: 'Late', amountCents: 1000, dueDate: '2020-01-01' }]);
    await c.fund();

    await c.submit('m1');
    const { contract: s } = await c.release('m1');

    expect(s.milestones[0]).toMatchObject({ dueDate: '2020-01-01', releasedCents: 1000 });
    await c.add('Next', 1000);
    await c.plan([{ op: 'edit', milestoneId: 'm2', patch: { dueDate: '2030-06-30' } }]);
    expect((await c.state()).milestones[1]!.dueDate).toBe('2030-06-30');
  });

  it('R14: a client without the feature flag gets a clear refusal', async () => {
    const c = await funded(1000);

    await expectRefused(c.requestChange('m1', { amountCents: 2000 }, false), 'FEATURE_NOT_ENABLED', 'R14');

    expect((await c.state()).changeRequest).toBeNull();
  });

  it('R15: a change request is refused once work is submitted, and only one may be pending', async () => {
    const c = await funded(1000);
    const { requestId } = await c.requestChange('m1', { title: 'New title' });

    await expectRefused(c.requestChange('m1', { title: 'Another' }), 'CHANGE_REQUEST_PENDING', 'R15');
    expect((await c.state()).changeRequest).toMatchObject({ id: requestId, milestoneId: 'm1' });
    await c.submit('m1');
    await expectRefused(c.requestChange('m1', { title: 'Too late' }), 'WORK_ALREADY_SUBMITTED', 'R15');
  });

  it('R16: the client may edit a pending request, then withdraw it; the milestone is unchanged', async () => {
    const c = await funded(1000);
    const { requestId } = await c.requestChange('m1', { amountCents: 1500 });

    const edited = await c.send('editChangeRequest', { actorId: CLIENT, requestId: requestId!, patch: { amountCents: 1800 } });
    const withdrawn = await c.send('withdrawChangeRequest', { actorId: CLIENT, requestId: requestId! });

    expect(edited.contract.changeRequest?.changes).toEqual([{ field: 'amountCents', old: 1000, new: 1800 }]);
    expect(withdrawn.contract.changeRequest).toBeNull();
    expect(withdrawn.contract.milestones[0]!.amountCents).toBe(1000);
    expect(await client.workflow.getHandle(changeRequestWorkflowId(requestId!)).result()).toBe('withdrawn');
  });

  it('R16: a request whose workflow completed counts as open to a later run\'s watch (its report is on its way); a terminated one does not', async () => {
    const c = await funded(1000);
    const done = await c.requestChange('m1', { amountCents: 1500 });
    await c.send('withdrawChangeRequest', { actorId: CLIENT, requestId: done.requestId! });
    await client.workflow.getHandle(changeRequestWorkflowId(done.requestId!)).result();
    const stuck = await c.requestChange('m1', { amountCents: 2500 });
    await client.workflow.getHandle(changeRequestWorkflowId(stuck.requestId!)).terminate('test: a request workflow closed without reporting');

    const { describeRequest } = createRequestWatch();
    const describe = (id: string) => new MockActivityEnvironment({}, { client }).run(describeRequest, id);

    // Completed means it reported: resolving it as closed-without-report would race that report.
    expect(await describe(done.requestId!)).toEqual({ open: true, status: 'COMPLETED' });
    expect(await describe(stuck.requestId!)).toEqual({ open: false, status: 'TERMINATED' });
    expect(await describe('cr-never-started')).toEqual({ open: false, status: 'NOT_FOUND' });
  });

  it('R16: an answer to an older version of an edited request is refused, never applied to the new one', async () => {
    const c = await funded(1000);
    const { requestId } = await c.requestChange('m1', { amountCents: 1200 });
    await c.send('editChangeRequest', { actorId: CLIENT, requestId: requestId!, patch: { amountCents: 600 } });

    await expectRefused(c.send('approveChangeRequest', { actorId: FREELANCER, requestId: requestId!, version: 0 }), 'CHANGE_REQUEST_CHANGED', 'R16');
    const { contract: s } = await c.send('approveChangeRequest', { actorId: FREELANCER, requestId: requestId!, version: 1 });

    expect(s.milestones[0]).toMatchObject({ amountCents: 600, fundedCents: 600 });
  });

  it('R16, R17: a withdrawal racing an approval: exactly one decides, the other is told why', async () => {
    const c = await funded(1000);
    const { requestId } = await c.requestChange('m1', { amountCents: 1500 });

    const results = await Promise.allSettled([
      c.send('withdrawChangeRequest', { actorId: CLIENT, requestId: requestId! }),
      c.send('approveChangeRequest', { actorId: FREELANCER, requestId: requestId!, version: 0 }),
    ]);

    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refusal = (results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason as { cause?: { type?: string } };
    expect(['DECISION_IN_FLIGHT', 'REQUEST_ALREADY_RESOLVED', 'NO_PENDING_CHANGE_REQUEST']).toContain(refusal.cause?.type);
    const outcome = await client.workflow.getHandle(changeRequestWorkflowId(requestId!)).result();
    expect((await c.state()).milestones[0]!.amountCents).toBe(outcome === 'approved' ? 1500 : 1000);
  });

  it('R17: rejected leaves the milestone; approved applies it — an increase leaves a shortfall funded from project funds first', async () => {
    const c = await funded(1000, 2000);
    const first = await c.requestChange('m1', { title: 'Rejected title' });
    await c.send('rejectChangeRequest', { actorId: FREELANCER, requestId: first.requestId!, version: 0 });
    expect((await c.state()).milestones[0]!.title).toBe(textRef('Milestone 1'));

    const second = await c.requestChange('m1', { amountCents: 1600, title: 'Bigger' });
    const approved = await c.send('approveChangeRequest', { actorId: FREELANCER, requestId: second.requestId!, version: 0 });

    expect(approved.contract.milestones[0]).toMatchObject({ title: textRef('Bigger'), amountCents: 1600, fundedCents: 1000 });
    const topUp = await c.fund();
    expect(topUp.contract.milestones[0]!.fundedCents).toBe(1600);
    expect((await ledgerOf(c)).slice(-2).map((e) => [e.kind, e.amountCents])).toEqual([['deposit', 600], ['escrow_hold', 600]]);
  });

  it('R17: an approved decrease returns the difference to project funds, which stay for the next milestone', async () => {
    const c = await funded(3000, 1000);
    const { requestId } = await c.requestChange('m1', { amountCents: 2000 });

    const { contract: s } = await c.send('approveChangeRequest', { actorId: FREELANCER, requestId: requestId!, version: 0 });

    expect(s.milestones[0]).toMatchObject({ amountCents: 2000, fundedCents: 2000 });
    expect(s.balances).toMatchObject({ projectFundsCents: 1000, escrowCents: 2000 });
    await c.release('m1');
    const next = await c.fund();
    expect(next.contract.balances.projectFundsCents).toBe(0);
    expect((await ledgerOf(c)).filter((e) => e.kind === 'deposit')).toHaveLength(1); // m2 paid from project funds alone
  });

  it('R18: submitting work cancels a pending change request', async () => {
    const c = await funded(1000);
    const { requestId } = await c.requestChange('m1', { amountCents: 900 });

    const { contract: s } = await c.submit('m1');

    expect(s.changeRequest).toBeNull();
    expect(await client.workflow.getHandle(changeRequestWorkflowId(requestId!)).result()).toBe('canceled');
    expect(s.milestones[0]!.amountCents).toBe(1000);
  });

  it('R18: releasing payment cancels a pending change request', async () => {
    const c = await funded(1000, 500);
    const { requestId } = await c.requestChange('m1', { title: 'Nope' });

    const { contract: s } = await c.release('m1');

    expect(s.changeRequest).toBeNull();
    expect(await client.workflow.getHandle(changeRequestWorkflowId(requestId!)).result()).toBe('canceled');
    expect((await noticesOf(c)).filter((n) => n.event === 'change_request_canceled').map((n) => n.recipientRole).sort()).toEqual(['client', 'freelancer']);
  });

  it('R18: an operator approving from the Temporal UI/CLI (a signal to the change-request workflow) updates the contract', async () => {
    const c = await funded(1000);
    const { requestId } = await c.requestChange('m1', { description: 'Approved by ops' });

    await client.workflow.getHandle(changeRequestWorkflowId(requestId!)).signal(approveSignal, { version: 0 });
    await client.workflow.getHandle(changeRequestWorkflowId(requestId!)).result();

    await expect.poll(async () => (await c.state()).milestones[0]!.description).toBe(textRef('Approved by ops'));
  });

  it('R20: the freelancer proposes changes to pending milestones; the client accepts and they apply', async () => {
    const c = await funded(1000, 2000);
    await expectRefused(c.send('proposeChanges', { actorId: FREELANCER, ops: [{ op: 'edit', milestoneId: 'm1', patch: { amountCents: 5000 } }] }), 'MILESTONE_NOT_PENDING', 'R20');

    const { requestId } = await c.send('proposeChanges', {
      actorId: FREELANCER,
      ops: [{ op: 'edit', milestoneId: 'm2', patch: { dueDate: '2031-01-01' } }, { op: 'add', title: 'Extra', amountCents: 700 }],
    });
    const { contract: s } = await c.send('acceptProposal', { actorId: CLIENT, requestId: requestId!, version: 0 });

    expect(s.proposal).toBeNull();
    expect(s.milestones.map((m) => [m.id, m.dueDate])).toEqual([['m1', null], ['m2', '2031-01-01'], ['m3', null]]);
    expect((await noticesOf(c)).find((n) => n.event === 'proposal_sent')?.recipientId).toBe(CLIENT);
  });

  it('R21: while a proposal is pending the client must respond before other milestone changes', async () => {
    const c = await funded(1000, 2000);
    const { requestId } = await c.send('proposeChanges', { actorId: FREELANCER, ops: [{ op: 'delete', milestoneId: 'm2' }] });

    await expectRefused(c.add('Blocked', 1000), 'PROPOSAL_PENDING', 'R21');
    await expectRefused(c.requestChange('m1', { title: 'Blocked' }), 'PROPOSAL_PENDING', 'R21');
    const { contract: s } = await c.send('declineProposal', { actorId: CLIENT, requestId: requestId!, version: 0 });

    expect(s.milestones).toHaveLength(2);
    await c.add('Now allowed', 1000);
  });

  it('R22: releasing the last milestone prompts to end or keep open; kept open, more milestones can be funded', async () => {
    const c = await funded(1000);

    const released = await c.release('m1');
    await c.send('keepOpen', { actorId: CLIENT });
    await c.add('Phase 2', 2000);
    const { contract: s } = await c.fund();

    expect(released.prompt).toBe('END_OR_KEEP_OPEN');
    expect(s.milestones[1]).toMatchObject({ state: 'active', fundedCents: 2000 });
    expect(s.status).toBe('open');
  });

  it('R23: unused project funds can be withdrawn (never escrow), and ending refunds the rest', async () => {
    const c = await funded(2000, 1000);
    await c.release('m1', 1000); // 1000 to project funds
    await expectRefused(c.send('withdrawFunds', { actorId: CLIENT, amountCents: 1001 }), 'INSUFFICIENT_PROJECT_FUNDS', 'R23');
    await c.send('withdrawFunds', { actorId: CLIENT, amountCents: 300 });
    await c.fund(); // m2 (1000) takes the remaining 700 of project funds + 300 deposit
    await expectRefused(c.send('endContract', { actorId: CLIENT }), 'MILESTONE_IN_PROGRESS', 'R23');
    await c.release('m2', 400);

    const { contract: s } = await c.send('endContract', { actorId: CLIENT });

    expect(s.status).toBe('ended');
    expect(s.balances).toMatchObject({ projectFundsCents: 0, escrowCents: 0, refundsCents: 900 });
  });

  it('R24: every change notifies the other party, detailing old → new', async () => {
    const c = await funded(1000, 2000);
    await c.plan([{ op: 'edit', milestoneId: 'm2', patch: { title: 'Build v2', amountCents: 2500 } }]);
    const { requestId } = await c.requestChange('m1', { amountCents: 1200 });
    await c.send('rejectChangeRequest', { actorId: FREELANCER, requestId: requestId!, version: 0 });

    await expect.poll(async () => (await noticesOf(c)).length).toBe(5);
    const notices = await noticesOf(c);

    expect(notices.map((n) => [n.event, n.recipientRole])).toEqual([
      ['milestones_changed', 'freelancer'],
      ['milestone_funded', 'freelancer'],
      ['milestones_changed', 'freelancer'],
      ['change_request_sent', 'freelancer'],
      ['change_request_rejected', 'client'],
    ]);
    // Texts by reference here; the outbox row holds them (test/db/notifications.test.ts reads the email).
    expect(notices[2]!.diff?.edited[0]!.changes).toEqual([
      { field: 'title', old: textRef('Milestone 2'), new: textRef('Build v2') },
      { field: 'amountCents', old: 2000, new: 2500 },
    ]);
    expect(notices[3]!.changes).toEqual([{ field: 'amountCents', old: 1000, new: 1200 }]);
    expect(new Set(notices.map((n) => n.key)).size).toBe(notices.length);
  });

  it('who may do what: the freelancer cannot fund, the client cannot submit work, a stranger is not found', async () => {
    const c = await funded(1000);

    await expectRefused(c.send('fundMilestone', { actorId: FREELANCER }), 'FORBIDDEN_FOR_ROLE');
    await expectRefused(c.send('submitWork', { actorId: CLIENT, milestoneId: 'm1' }), 'FORBIDDEN_FOR_ROLE');
    await expectRefused(c.send('releasePayment', { actorId: 'someone-else', milestoneId: 'm1' }), 'CONTRACT_NOT_FOUND');
  });
});

describe('races and retries', () => {
  it('R10: the same update id sent twice is answered once and moves money once', async () => {
    const c = await contract();
    await c.add('Once', 1000);
    const key = randomUUID();

    const [a, b] = await Promise.all([c.send('fundMilestone', { actorId: CLIENT }, key), c.send('fundMilestone', { actorId: CLIENT }, key)]);
    const again = await c.send('fundMilestone', { actorId: CLIENT }, key);

    expect(a.result.contract.seq).toBe(b.result.contract.seq);
    expect(again.result.contract.seq).toBe(a.result.contract.seq);
    expect(a.result.milestones.map((m) => [m.id, m.state])).toEqual([['m1', 'active']]);
    expect((await ledgerOf(c)).filter((e) => e.kind === 'escrow_hold')).toHaveLength(1);
  });

  it('R6: two fund commands in flight at once: one funds, the other is refused', async () => {
    const c = await contract();
    await c.plan([{ op: 'add', title: 'A', amountCents: 1000 }, { op: 'add', title: 'B', amountCents: 1000 }]);

    const results = await Promise.allSettled([c.fund(), c.fund()]);

    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    await expectRefused(Promise.reject(rejected.reason), 'MILESTONE_ALREADY_FUNDED', 'R6');
    expect((await c.state()).milestones.map((m) => m.state)).toEqual(['active', 'pending']);
  });

  it('R18: approve racing a release: whichever the contract applies first wins, and the books still balance', async () => {
    const c = await funded(3000, 1000);
    const { requestId } = await c.requestChange('m1', { amountCents: 2000 });

    await Promise.allSettled([
      c.send('approveChangeRequest', { actorId: FREELANCER, requestId: requestId!, version: 0 }),
      c.release('m1'),
    ]);

    const s = await c.state();
    expect(s.changeRequest).toBeNull();
    expect(s.milestones[0]!.state).toBe('released');
    const b = s.balances;
    expect(b.depositsCents).toBe(b.feesCents + b.releasesCents + b.refundsCents + b.escrowCents + b.projectFundsCents);
    expect(b.releasesCents + b.projectFundsCents).toBe(3000);
  });
});
