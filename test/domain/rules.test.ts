// Pure rule checks that need no server: what the workflow's validators run.
import { describe, expect, it } from 'vitest';
import { COMMAND_ROLE, type Command, decide, resolveRequest } from '../../domain/commands.js';
import { type ContractState, createContract } from '../../domain/contract.js';
import { refusal } from '../support/refusal.js';
import { formatUsd } from '../../domain/money.js';
import { applyPlan } from '../../domain/plan.js';

const NOW = '2026-01-01T00:00:00.000Z';
const base = () => createContract({ contractId: 'k', clientId: 'c', freelancerId: 'f', title: 'T' }, NOW);
const run = (s: ContractState, cmd: Command, actorId = COMMAND_ROLE[cmd.type] === 'client' ? 'c' : 'f') => decide(s, cmd, { actorId, now: NOW });


describe('domain rules', () => {
  it('R3: an ended contract refuses every command with CONTRACT_ENDED', () => {
    const ended = run(base(), { type: 'endContract' }).state;
    const commands: Command[] = [
      { type: 'savePlan', ops: [{ op: 'add', title: 'x', amountCents: 500 }] },
      { type: 'fundMilestone' },
      { type: 'withdrawFunds' },
      { type: 'proposeChanges', ops: [{ op: 'add', title: 'x', amountCents: 500 }] },
      { type: 'endContract' },
    ];

    const codes = commands.map((cmd) => refusal(() => run(ended, cmd)));

    expect(codes.map((e) => [e.code, e.rule])).toEqual(commands.map(() => ['CONTRACT_ENDED', 'R3']));
  });

  it('R11: "Show changes" lists added, edited (old → new), deleted and moved milestones', () => {
    const s = run(base(), { type: 'savePlan', ops: [
      { op: 'add', title: 'A', amountCents: 1000 },
      { op: 'add', title: 'B', amountCents: 2000 },
      { op: 'add', title: 'C', amountCents: 3000 },
    ] }).state;

    const { diff } = applyPlan(s.milestones, [
      { op: 'delete', milestoneId: 'm1' },
      { op: 'edit', milestoneId: 'm2', patch: { title: 'B2', dueDate: '2027-02-01' } },
      { op: 'add', ref: 'new', title: 'D', amountCents: 700 },
      { op: 'reorder', order: ['new', 'm3', 'm2'] },
    ], s.nextMilestoneNo);

    expect(diff).toEqual({
      added: [{ id: 'm4', title: 'D', amountCents: 700, position: 1 }],
      edited: [{ id: 'm2', title: 'B2', changes: [{ field: 'title', old: 'B', new: 'B2' }, { field: 'dueDate', old: null, new: '2027-02-01' }] }],
      deleted: [{ id: 'm1', title: 'A' }],
      moved: [{ id: 'm3', title: 'C', from: 3, to: 2 }, { id: 'm2', title: 'B2', from: 2, to: 3 }],
    });
  });

  it('R12: a reorder that leaves out a pending milestone is refused', () => {
    const s = run(base(), { type: 'savePlan', ops: [{ op: 'add', title: 'A', amountCents: 1000 }, { op: 'add', title: 'B', amountCents: 1000 }] }).state;

    expect(refusal(() => run(s, { type: 'savePlan', ops: [{ op: 'reorder', order: ['m2'] }] }))).toMatchObject({ code: 'INVALID_ORDER', rule: 'R12' });
  });

  it('R13: a malformed due date is refused; any calendar date, past or future, is accepted', () => {
    expect(refusal(() => run(base(), { type: 'savePlan', ops: [{ op: 'add', title: 'A', amountCents: 1000, dueDate: '31/12/2026' }] }))).toMatchObject({ rule: 'R13' });
    expect(run(base(), { type: 'savePlan', ops: [{ op: 'add', title: 'A', amountCents: 1000, dueDate: '1999-12-31' }] }).state.milestones[0]!.dueDate).toBe('1999-12-31');
  });

  it('R9: the initiation fee is configurable per contract, recorded as its own ledger entry, and charged once', () => {
    let s = createContract({ contractId: 'k', clientId: 'c', freelancerId: 'f', title: 'T', initiationFeeCents: 1234 }, NOW);
    s = run(s, { type: 'savePlan', ops: [{ op: 'add', title: 'A', amountCents: 1000 }, { op: 'add', title: 'B', amountCents: 1000 }] }).state;

    const first = run(s, { type: 'fundMilestone' });
    const released = run(first.state, { type: 'releasePayment', milestoneId: 'm1' });
    const second = run(released.state, { type: 'fundMilestone' });

    expect(first.ledger.filter((e) => e.kind === 'fee').map((e) => e.amountCents)).toEqual([1234]);
    expect(second.ledger.filter((e) => e.kind === 'fee')).toEqual([]);
    expect(second.state.balances.feesCents).toBe(1234);
  });

  it('R5, R10: a patch sent from the Temporal CLI with money fields changes only the editable fields', () => {
    const s = run(base(), { type: 'savePlan', ops: [{ op: 'add', title: 'A', amountCents: 1000 }] }).state;

    const patched = run(s, { type: 'savePlan', ops: [{ op: 'edit', milestoneId: 'm1', patch: { title: 'B', fundedCents: 100_000, state: 'released' } as never }] }).state;

    expect(patched.milestones[0]).toMatchObject({ title: 'B', fundedCents: 0, state: 'pending' });
    expect(run(patched, { type: 'fundMilestone' }).state.balances.escrowCents).toBe(1000);
  });

  it('R22: accepting a proposal that adds milestones clears the end-or-keep-open prompt', () => {
    let s = run(base(), { type: 'savePlan', ops: [{ op: 'add', title: 'A', amountCents: 1000 }] }).state;
    s = run(s, { type: 'fundMilestone' }).state;
    s = run(s, { type: 'releasePayment', milestoneId: 'm1' }).state;
    const proposed = run(s, { type: 'proposeChanges', ops: [{ op: 'add', title: 'More', amountCents: 700 }] });

    const accepted = resolveRequest(proposed.state, proposed.requestId!, 'approved')!;

    expect(s.endPrompt).toBe(true);
    expect(accepted.state.endPrompt).toBe(false);
    expect(accepted.state.milestones.map((m) => m.state)).toEqual(['released', 'pending']);
  });

  it('R4: money renders from integer cents without floating point', () => {
    expect([formatUsd(500), formatUsd(100_000_000), formatUsd(1), formatUsd(123456)]).toEqual(['$5.00', '$1,000,000.00', '$0.01', '$1,234.56']);
  });
});
