// The seed's story through the real contract workflow, real activities and PostgreSQL: the books in SQL
// equal the workflow's own state, and every notice became exactly one in-app message.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContractDriver } from '../support/contract-driver.js';
import { startStack, type Stack } from '../support/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

describe('lifecycle on the real stack', () => {
  it('R7, R8, R10, R17, R20, R22, R23, R24: ledger in SQL = workflow state; one in-app message per notice', async () => {
    const [client, freelancer] = await Promise.all([stack.newUser('Client'), stack.newUser('Freelancer')]);
    const c = new ContractDriver(stack.client, stack.taskQueue, undefined, { clientId: client.id, freelancerId: freelancer.id });
    await c.create();
    await c.plan([{ op: 'add', title: 'Design', amountCents: 5000 }, { op: 'add', title: 'Build', amountCents: 8000 }]);
    await c.fund();
    await c.release('m1', 3000);
    await c.fund();
    const cr = await c.requestChange('m2', { amountCents: 9000 });
    await c.send('approveChangeRequest', { actorId: freelancer.id, requestId: cr.requestId!, version: 0 });
    await c.fund();
    const pr = await c.send('proposeChanges', { actorId: freelancer.id, ops: [{ op: 'add', title: 'Launch', amountCents: 1500 }] });
    await c.send('acceptProposal', { actorId: client.id, requestId: pr.requestId!, version: 0 });
    await c.send('submitWork', { actorId: freelancer.id, milestoneId: 'm2' });
    await c.release('m2', 8500);
    await c.fund();
    const last = await c.release('m3', 1000);
    const ended = await c.send('endContract', { actorId: client.id });
    await c.handle.result(); // the workflow completes once its last records are stored

    const [sums] = await stack.db.$queryRaw<Record<string, bigint>[]>`
      SELECT SUM(amount_cents) FILTER (WHERE kind = 'deposit') AS deposits, SUM(amount_cents) FILTER (WHERE kind = 'fee') AS fees,
             SUM(amount_cents) FILTER (WHERE kind = 'release') AS releases, SUM(amount_cents) FILTER (WHERE kind = 'refund') AS refunds
      FROM ledger_entries WHERE contract_id = ${c.id}`;
    const b = ended.contract.balances;
    const notices = await stack.db.notification.count({ where: { contractId: c.id } });
    // The notice pump sends from the outbox just behind the projection's commit: the in-app message first,
    // then the email's state (skipped here: no provider).
    await expect.poll(() => stack.db.notification.count({ where: { contractId: c.id, emailState: 'skipped' } })).toBe(notices);
    const messages = await stack.db.inAppMessage.count({ where: { contractId: c.id } });

    expect(last.result.prompt).toBe('END_OR_KEEP_OPEN');
    expect(Object.values(sums!).map(Number)).toEqual([b.depositsCents, b.feesCents, b.releasesCents, b.refundsCents]);
    expect(b.depositsCents).toBe(b.feesCents + b.releasesCents + b.refundsCents + b.escrowCents + b.projectFundsCents);
    expect(b.refundsCents).toBe(500);
    expect(messages).toBe(notices);
    expect(notices).toBeGreaterThanOrEqual(12);
    const row = await stack.db.contract.findUniqueOrThrow({ where: { id: c.id } });
    expect([row.status, Number(row.refundsCents)]).toEqual(['ended', 500]);
  });
});
