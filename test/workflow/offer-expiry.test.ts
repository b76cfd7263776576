// R30 against the official time-skipping test server: an offer's days pass in milliseconds, its expiry is
// a durable timer of the contract workflow, and the refund reaches PostgreSQL through the real persistence.
import { describe, expect, it } from 'vitest';
import { ContractDriver } from '../support/contract-driver.js';
import { useTimeSkippingFile } from '../support/time-skipping.js';

const ts = useTimeSkippingFile();
const DAY_MS = 24 * 3600 * 1000;

describe('offer expiry (time-skipping)', () => {
  it('R30: an offer with no answer expires after its days; everything deposited, fee included, goes back to the client', async () => {
    const c = new ContractDriver(ts.env.client, ts.taskQueue);
    await c.create({ milestones: [{ title: 'Logo', amountCents: 1000 }], offer: { expiresInDays: 2 } });

    await ts.env.sleep(2 * DAY_MS - 60_000);
    const before = await c.state();
    await ts.env.sleep('1 minute');
    await ts.env.client.workflow.getHandle(c.workflowId).result(); // the contract ended: the workflow completes

    expect(before).toMatchObject({ status: 'offered', offer: { state: 'pending' } });
    const row = await ts.db.contract.findUniqueOrThrow({ where: { id: c.id } });
    expect(row).toMatchObject({ status: 'ended', offer: { state: 'expired', decidedBy: 'system' } });
    expect(Number(row.refundsCents)).toBe(1495);
    expect(Number(row.escrowCents) + Number(row.feesCents)).toBe(0);
    const audit = await ts.db.auditEvent.findMany({ where: { contractId: c.id }, orderBy: { seq: 'asc' } });
    expect(audit.map((e) => [e.command, e.actorId])).toEqual([['sendOffer', c.clientId], ['offerExpiry', 'system']]);
  });

  it('R30: an acceptance one second before the expiry wins: the contract opens and the timer is gone', async () => {
    const c = new ContractDriver(ts.env.client, ts.taskQueue);
    await c.create({ milestones: [{ title: 'Logo', amountCents: 1000 }], offer: { expiresInDays: 1 } });

    await ts.env.sleep(DAY_MS - 1000);
    const accepted = await c.accept(1);
    await ts.env.sleep('2 days');

    expect(accepted.contract).toMatchObject({ status: 'open', offer: { state: 'accepted', decidedBy: c.freelancerId } });
    expect(await c.state()).toMatchObject({ status: 'open', balances: { escrowCents: 1000, feesCents: 495, refundsCents: 0 } });
    const audit = await ts.db.auditEvent.findMany({ where: { contractId: c.id }, orderBy: { seq: 'asc' } });
    expect(audit.map((e) => [e.command, e.actorId])).toEqual([['sendOffer', c.clientId], ['acceptOffer', c.freelancerId]]);
    expect(audit[1]!.at.getTime()).toBeLessThan(Date.parse((await c.state()).offer!.expiresAt));
  });
});
