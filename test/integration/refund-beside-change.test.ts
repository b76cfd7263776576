// A refund (R27) and a change request (R15–R17) on one milestone, over HTTP on the real stack, with the
// numbers of the case that paid by luck: a 1000 milestone, a change request to 1500, a refund of 400 asked
// meanwhile, the request approved, work submitted, released in full. The refund waits for the request;
// the freelancer is paid the same whether or not the contract held project funds; the shortfall notice
// and /fund agree.
import { describe, expect, it } from 'vitest';
import type { IssuedUser } from '../../api/users.js';
import { createContract, http } from '../support/http.js';
import { projectedTo } from '../support/projected.js';
import { newParties, type Stack } from '../support/stack.js';
import { stackPerFile } from '../support/file-stack.js';

let stack: Stack;
let call: ReturnType<typeof http>;
stackPerFile((s, c) => {
  [stack, call] = [s, c];
});

/** Runs the case on a contract that holds 1000 of project funds beside the milestone, or none. */
async function increaseBesideRefund(projectFunds: boolean) {
  const p = await newParties(stack);
  const id = await createContract(stack.baseUrl, p.client.token, p.freelancer, projectFunds ? [3000, 1000] : [1000]);
  const c = (path: string, body: unknown = {}, who: IssuedUser = p.client) => call('POST', `/contracts/${id}${path}`, { token: who.token, body });
  if (projectFunds) {
    expect((await c('/milestones/m1/release', { amountCents: 1000 })).status).toBe(200);
    expect((await c('/fund')).body.contract.balances.projectFundsCents).toBe(1000); // m2 took 1000 of the 2000 left
  }
  const m = projectFunds ? 'm2' : 'm1';
  const cr = await c('/change-requests', { milestoneId: m, changes: { amountCents: 1500 } });
  expect(cr.status).toBe(200);

  const refund = await c(`/milestones/${m}/refund-requests`, { amountCents: 400 });
  const approved = await c(`/change-requests/${cr.body.requestId}/approve`, { version: 0 }, p.freelancer);
  const shortfall = approved.body.contract.milestones.find((x: { id: string }) => x.id === m).shortfallCents as number;
  const escrow = approved.body.contract.balances.escrowCents as number;
  const topUp = shortfall > 0 ? (await c('/fund')).body.contract.balances.escrowCents - escrow : 0;
  expect((await c(`/milestones/${m}/submit`, {}, p.freelancer)).status).toBe(200);
  const released = await c(`/milestones/${m}/release`);
  await projectedTo(stack.db, id, released.headers.get('contract-seq'));
  const ledger = await stack.db.ledgerEntry.findMany({ where: { contractId: id, milestoneId: m, kind: 'release' } });
  await expect.poll(() => stack.db.notification.count({ where: { contractId: id, event: 'shortfall_to_fund' } })).toBe(shortfall > 0 ? 1 : 0);
  const notice = await stack.db.notification.findFirst({ where: { contractId: id, event: 'shortfall_to_fund' } });
  return {
    refund: [refund.status, refund.body.code, refund.body.rule],
    approved: approved.status,
    shortfall,
    noticeAsks: (notice?.payload as { amountCents?: number } | undefined)?.amountCents ?? 0,
    topUp,
    released: released.status,
    paid: ledger.reduce((sum, e) => sum + Number(e.amountCents), 0),
  };
}

describe('a refund beside a pending change request', () => {
  it('R17, R27: the refund waits for the request; released in full, the freelancer is paid 1500 with or without project funds', async () => {
    const [held, none] = await Promise.all([increaseBesideRefund(true), increaseBesideRefund(false)]);

    const refused = [409, 'CHANGE_REQUEST_PENDING', 'R27'];
    expect(held).toEqual({ refund: refused, approved: 200, shortfall: 0, noticeAsks: 0, topUp: 0, released: 200, paid: 1500 });
    expect(none).toEqual({ refund: refused, approved: 200, shortfall: 500, noticeAsks: 500, topUp: 500, released: 200, paid: 1500 });
  });
});
