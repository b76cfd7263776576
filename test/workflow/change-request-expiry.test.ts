// R19 against the official time-skipping test server: seven days pass in milliseconds, and the expiry
// reaches PostgreSQL through the contract workflow's real persistence activity.
import { describe, expect, it } from 'vitest';
import { changeRequestWorkflowId } from '../../domain/names.js';
import { approveSignal } from '../../workflows/messages.js';
import { ContractDriver } from '../support/contract-driver.js';
import { pendingRequest, useTimeSkippingFile } from '../support/time-skipping.js';

const ts = useTimeSkippingFile();

describe('change-request expiry (time-skipping)', () => {
  it('R19: a change request with no response expires after seven days and is persisted as expired', async () => {
    const c = new ContractDriver(ts.env.client, ts.taskQueue);
    const requestId = await pendingRequest(c);

    await ts.env.sleep('167 hours');
    const beforeExpiry = await ts.db.changeRequest.findUniqueOrThrow({ where: { id: requestId } });
    await ts.env.sleep('1 hour');
    const outcome = await ts.env.client.workflow.getHandle(changeRequestWorkflowId(requestId)).result();

    expect(beforeExpiry.state).toBe('pending');
    expect(outcome).toBe('expired');
    await expect.poll(async () => (await c.state()).changeRequest).toBeNull();
    expect((await c.state()).milestones[0]!.amountCents).toBe(1000);
    await expect.poll(async () => (await ts.db.changeRequest.findUniqueOrThrow({ where: { id: requestId } })).state).toBe('expired');
  });

  it('R19: an approval that arrives just before the seventh day ends wins over the expiry', async () => {
    const c = new ContractDriver(ts.env.client, ts.taskQueue);
    const requestId = await pendingRequest(c);
    const child = ts.env.client.workflow.getHandle(changeRequestWorkflowId(requestId));

    await ts.env.sleep(7 * 24 * 3600 * 1000 - 60_000);
    await child.signal(approveSignal, { version: 0 });

    expect(await child.result()).toBe('approved');
    await expect.poll(async () => (await c.state()).milestones[0]!.amountCents).toBe(1500);
  });

  it('R19: at exactly seven days the request is decided once — approved or expired — and the contract agrees', async () => {
    const c = new ContractDriver(ts.env.client, ts.taskQueue);
    const requestId = await pendingRequest(c);
    const child = ts.env.client.workflow.getHandle(changeRequestWorkflowId(requestId));

    await ts.env.sleep('7 days');
    await child.signal(approveSignal, { version: 0 }).catch(() => undefined); // may arrive after the child closed
    const outcome = await child.result();

    await expect.poll(async () => (await c.state()).changeRequest).toBeNull();
    expect(['approved', 'expired']).toContain(outcome);
    expect((await c.state()).milestones[0]!.amountCents).toBe(outcome === 'approved' ? 1500 : 1000);
  });
});
