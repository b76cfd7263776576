// A refund with consent (R27) and a change request (R15–R17) on one milestone: one refuses the other
// while it is pending, and the shortfall is one formula wherever it is read — with the numbers of the
// case that paid by luck: a 1000 milestone, a change request to 1500, 400 refunded, approved, released.
import { describe, expect, it } from 'vitest';
import { COMMAND_ROLE, type Command, decide, resolveRequest } from '../../domain/commands.js';
import { type ContractState, createContract, shortfallOf } from '../../domain/contract.js';
import { refusal } from '../support/refusal.js';

const NOW = '2026-01-01T00:00:00.000Z';
const run = (s: ContractState, cmd: Command) => decide(s, cmd, { actorId: COMMAND_ROLE[cmd.type] === 'client' ? 'c' : 'f', now: NOW });
const steps = (s: ContractState, ...cmds: Command[]) => cmds.reduce((acc, cmd) => run(acc, cmd).state, s);
const approve = (s: ContractState) => resolveRequest(s, s.changeRequest!.id, 'approved', { by: 'f', operator: false })!;

/**
 * A funded 1000 milestone, with or without 1000 of unused project funds beside it (a first milestone of
 * 3000 released in part), then a change request to 1500.
 */
function withPendingIncrease(projectFunds: boolean): ContractState {
  const created = createContract({ contractId: 'k', clientId: 'c', freelancerId: 'f', title: 'T' }, NOW);
  const amounts = projectFunds ? [3000, 1000] : [1000];
  let s = steps(created, { type: 'savePlan', ops: amounts.map((amountCents, i) => ({ op: 'add', title: `M${i + 1}`, amountCents })) },
    { type: 'fundMilestone' });
  if (projectFunds) s = steps(s, { type: 'releasePayment', milestoneId: 'm1', amountCents: 1000 }, { type: 'fundMilestone' });
  const id = projectFunds ? 'm2' : 'm1';
  return steps(s, { type: 'requestChange', milestoneId: id, patch: { amountCents: 1500 }, featureEnabled: true });
}

describe('a refund beside a change request', () => {
  it('R27: a refund request is refused while a change request is pending on the milestone', () => {
    const s = withPendingIncrease(false);

    const refused = refusal(() => run(s, { type: 'requestRefund', milestoneId: 'm1', amountCents: 400 }));

    expect([refused.code, refused.rule, refused.kind]).toEqual(['CHANGE_REQUEST_PENDING', 'R27', 'conflict']);
  });

  it('R27: a change request is refused while a refund request is pending on the milestone', () => {
    const created = createContract({ contractId: 'k', clientId: 'c', freelancerId: 'f', title: 'T' }, NOW);
    const s = steps(created, { type: 'savePlan', ops: [{ op: 'add', title: 'M1', amountCents: 1000 }] }, { type: 'fundMilestone' },
      { type: 'requestRefund', milestoneId: 'm1', amountCents: 400 });

    const refused = refusal(() => run(s, { type: 'requestChange', milestoneId: 'm1', patch: { amountCents: 1500 }, featureEnabled: true }));

    expect([refused.code, refused.rule, refused.extra]).toEqual(['REFUND_PENDING', 'R27', { refundCents: 400 }]);
  });

  it('R17, R27: the increase approved, released in full, pays 1500 with or without project funds; notice and top-up agree', () => {
    const paid = [true, false].map((projectFunds) => {
      const approved = approve(withPendingIncrease(projectFunds));
      const m = approved.state.milestones.find((x) => x.state === 'active')!;
      const notice = approved.notices.find((n) => n.event === 'shortfall_to_fund')?.amountCents ?? 0;
      const funded = shortfallOf(m) > 0 ? run(approved.state, { type: 'fundMilestone' }) : undefined;
      const topUp = funded ? funded.state.balances.escrowCents - approved.state.balances.escrowCents : 0;
      const released = run(funded?.state ?? approved.state, { type: 'releasePayment', milestoneId: m.id });
      return { notice, topUp, release: released.ledger.find((e) => e.kind === 'release')!.amountCents };
    });

    expect(paid).toEqual([{ notice: 0, topUp: 0, release: 1500 }, { notice: 500, topUp: 500, release: 1500 }]);
  });
});
