// What an operator sees in the Temporal UI: static summaries on the contract and request
// workflows, the contract's current details (Markdown) kept up to date, a summary on the seven-day timer,
// and the PendingProposal search attribute. Read back through the same server APIs the UI calls.
import { defaultPayloadConverter } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changeRequestWorkflowId } from '../../domain/names.js';
import { ActiveMilestoneStatusKey, ContractIdKey, PendingChangeRequestKey, PendingProposalKey } from '../../workflows/search-attributes.js';
import { DETAIL_ROWS } from '../../workflows/details.js';
import { ContractDriver, FREELANCER } from '../support/contract-driver.js';
import { type RecordingWorker, startRecordingWorker } from '../support/recording-worker.js';
import { dataConverter } from '../../codec/data-converter.js';

let w: RecordingWorker;
beforeAll(async () => {
  w = await startRecordingWorker();
});
afterAll(async () => {
  await w?.stop();
});

/** What the UI shows as "Current Details": the SDK's built-in metadata query. */
async function currentDetails(c: ContractDriver): Promise<string> {
  const meta = await c.handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
  return meta.currentDetails ?? '';
}

describe('the Temporal UI explains each contract', () => {
  // The workflow holds milestone texts by reference (domain/texts.ts): its summaries name milestones by id.
  it('R15, R19: static summaries name the parties and the change old → new; details show milestones, balances and the pending request', async () => {
    const c = new ContractDriver(w.client, w.taskQueue);
    await c.open([{ op: 'add', title: 'Logo', amountCents: 1000 }, { op: 'add', title: 'Website', amountCents: 2500 }]);

    const { requestId } = await c.requestChange('m1', { amountCents: 1500 });

    expect(await (await c.handle.describe()).staticSummary()).toBe(`“Brand identity” · client ${c.clientId} · freelancer ${c.freelancerId}`);
    const request = w.client.workflow.getHandle(changeRequestWorkflowId(requestId!));
    expect(await (await request.describe()).staticSummary()).toBe('Change request on “m1”: amount: USD 10.00 → USD 15.00');
    const details = await currentDetails(c);
    // Dollar signs are escaped: the UI's Markdown reads `$…$` as math.
    expect(details).toContain('| 1 | m1 | active | \\$10.00 | \\$10.00 | \\$0.00 | — |');
    expect(details).toContain('| 2 | m2 | pending | \\$25.00 | \\$0.00 | \\$0.00 | — |');
    expect(details).toContain('**Balances** — escrow \\$10.00 · project funds \\$0.00 · deposits \\$14.95');
    expect(details).toMatch(new RegExp(`\\*\\*Pending change request\\*\\* \`${requestId}\` · version 0 .* · expires \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC`));
    expect(details).toContain('> Change request on “m1”: amount: USD 10.00 → USD 15.00');

    // The request's workflow starts its timer in its own first task, just after the command's answer.
    let timer;
    for (let i = 0; !(timer = (await request.fetchHistory()).events!.find((e) => e.timerStartedEventAttributes)); i++) {
      if (i >= 100) throw new Error('the request\'s timer was not started within 10 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    // A history holds the summary encrypted; the UI reads it through the codec server, this through the codec.
    const [summary] = await dataConverter().payloadCodecs![0]!.decode([timer!.userMetadata!.summary!]);
    expect(defaultPayloadConverter.fromPayload(summary!)).toBe('change request expires in 7 days (R19)');
    expect(await currentDetails(c)).not.toContain('No pending change request');

    await c.send('approveChangeRequest', { actorId: FREELANCER, requestId: requestId!, version: 0 });

    const after = await currentDetails(c);
    expect(after).toContain('| 1 | m1 | active | \\$15.00 | \\$10.00 | \\$0.00 | — |');
    expect(after).toContain('No pending change request or proposal.');
  });

  it('R20, R21: a pending proposal sets PendingProposal on the contract, and clears it once the client answers', async () => {
    const c = new ContractDriver(w.client, w.taskQueue);
    await c.open([{ title: 'Logo', amountCents: 1000 }, { title: 'Website', amountCents: 2500 }]);

    const { requestId } = await c.send('proposeChanges', { actorId: FREELANCER, ops: [{ op: 'delete', milestoneId: 'm2' }] });

    const attrs = async () => (await c.handle.describe()).typedSearchAttributes;
    expect((await attrs()).get(PendingProposalKey)).toBe(true);
    expect((await attrs()).get(PendingChangeRequestKey)).toBe(false);
    const request = w.client.workflow.getHandle(changeRequestWorkflowId(requestId!));
    expect(await (await request.describe()).staticSummary()).toBe('Proposal: Deleted m2');
    expect(await currentDetails(c)).toContain(`**Pending proposal** \`${requestId}\` · version 0`);

    await c.send('declineProposal', { actorId: c.clientId, requestId: requestId!, version: 0 });

    expect((await attrs()).get(PendingProposalKey)).toBe(false);
  });

  it('R2: search attributes are upserted only when a value changes; the details list the work in progress, not every milestone', async () => {
    const c = new ContractDriver(w.client, w.taskQueue);
    await c.open([{ title: 'Kick-off', amountCents: 500 }]); // an accepted offer (R30), its milestone then released
    await c.release('m1');
    const upserts = async () => (await c.handle.fetchHistory()).events!.filter((e) => e.upsertWorkflowSearchAttributesEventAttributes).length;
    const ops = Array.from({ length: 40 }, (_, i) => ({ op: 'add' as const, title: `M${i + 2}`, amountCents: 500 }));
    await c.plan(ops);
    const afterPlan = await upserts();

    await c.send('previewPlan', { actorId: c.clientId, ops: [{ op: 'add', title: 'Preview', amountCents: 500 }] });
    await c.plan([{ op: 'edit', milestoneId: 'm41', patch: { title: 'Renamed' } }]); // no filterable value moves
    expect(await upserts()).toBe(afterPlan);

    await c.fund(); // ActiveMilestoneStatus: none → active
    expect(await upserts()).toBe(afterPlan + 1);
    const attrs = (await c.handle.describe()).typedSearchAttributes;
    expect([attrs.get(ContractIdKey), attrs.get(ActiveMilestoneStatusKey)]).toEqual([c.id, 'active']);

    const details = await currentDetails(c);
    expect(details.split('\n').filter((l) => /^\| \d+ \| m\d+ /.test(l))).toHaveLength(DETAIL_ROWS);
    expect(details).toContain('| 2 | m2 | active |');
    expect(details).toContain(`| … | ${41 - DETAIL_ROWS} later milestone(s) |`);
  });
});
