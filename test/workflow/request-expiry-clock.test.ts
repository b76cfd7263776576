// R19's clock against the official time-skipping test server: a change request expires when its
// recorded `expiresAt` says, even when its workflow started late (the contract starts it only once the
// request is stored, which a PostgreSQL outage can delay by hours), never seven days after that start.
import { describe, expect, it } from 'vitest';
import { changeRequestWorkflowId } from '../../domain/names.js';
import type { changeRequestWorkflow } from '../../workflows/change-request.js';
import { ContractDriver } from '../support/contract-driver.js';
import { pendingRequest, useTimeSkippingFile } from '../support/time-skipping.js';

const ts = useTimeSkippingFile();

describe('when a change request expires (time-skipping)', () => {
  it('R19: a request whose workflow started six days late still expires at its recorded expiresAt', async () => {
    const c = new ContractDriver(ts.env.client, ts.taskQueue);
    await c.create();
    // As if the request was recorded 6 days 23 hours ago and its workflow is only starting now.
    const expiresAt = new Date((await ts.env.currentTimeMs()) + 3_600_000).toISOString();
    const requestId = `${c.id}-cr90`;
    const child = await ts.env.client.workflow.start<typeof changeRequestWorkflow>('changeRequestWorkflow', {
      workflowId: changeRequestWorkflowId(requestId), taskQueue: ts.taskQueue,
      args: [{ requestId, contractId: c.id, kind: 'change', expires: true, expiresAt }],
    });

    await ts.env.sleep('59 minutes');
    const before = (await child.describe()).status.name;
    await ts.env.sleep('2 minutes');
    const after = await child.describe();

    expect(before).toBe('RUNNING');
    expect(after.status.name).toBe('COMPLETED');
    expect(await child.result()).toBe('expired');
    expect(after.closeTime!.getTime() - Date.parse(expiresAt)).toBeGreaterThanOrEqual(0);
    expect(after.closeTime!.getTime() - Date.parse(expiresAt)).toBeLessThan(60_000);
  });

  it('R19: the expiresAt a contract records and shows is when its request expires', async () => {
    const c = new ContractDriver(ts.env.client, ts.taskQueue);
    const requestId = await pendingRequest(c);
    const recorded = (await c.state()).changeRequest!.expiresAt!;
    const child = ts.env.client.workflow.getHandle(changeRequestWorkflowId(requestId));

    expect(await child.result()).toBe('expired');
    const closed = (await child.describe()).closeTime!.getTime();
    expect(closed - Date.parse(recorded)).toBeGreaterThanOrEqual(0);
    expect(closed - Date.parse(recorded)).toBeLessThan(60_000);
    await expect.poll(async () => (await ts.db.changeRequest.findUniqueOrThrow({ where: { id: requestId } })).expiresAt?.toISOString())
      .toBe(recorded);
  });
});
