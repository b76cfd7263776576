// Legitimate input at the edges, decided by the pure rules: titles that only look filled, bidi controls
// left open, a reorder that names a funded milestone, numbers a double cannot hold, and how a notice
// words an operator's decision.
import { describe, expect, it } from 'vitest';
import { firstNonIntegerLiteral } from '../../api/json-integers.js';
import { COMMAND_ROLE, type Command, decide } from '../../domain/commands.js';
import { type ContractState, createContract } from '../../domain/contract.js';
import type { Notice } from '../../domain/events.js';
import { renderNotice } from '../../domain/notice-text.js';
import { hasBalancedBidi, isVisibleText } from '../../domain/visible-text.js';
import { refusal } from '../support/refusal.js';

const NOW = '2026-01-01T00:00:00.000Z';
const contract = (title = 'T') => createContract({ contractId: 'k', clientId: 'c', freelancerId: 'f', title }, NOW);
const run = (s: ContractState, cmd: Command) => decide(s, cmd, { actorId: COMMAND_ROLE[cmd.type] === 'client' ? 'c' : 'f', now: NOW });
const add = (fields: { title: string; description?: string }): Command => ({ type: 'savePlan', ops: [{ op: 'add', amountCents: 1000, ...fields }] });
const refused = (fn: () => unknown) => {
  const e = refusal(fn);
  return [e.code, e.rule];
};

describe('text a reader can see', () => {
  it('R11: a title of zero-width or other invisible characters only is blank, and refused', () => {
    const invisible = ['\u200B\u200B', '\u200D', '\uFEFF', '\u2060\u00AD', '\u3164', '\u200E\u200F', ' \u200B\t', '\u2800'];

    expect(invisible.filter(isVisibleText)).toEqual([]);
    expect(invisible.map((title) => refused(() => run(contract(), add({ title }))))).toEqual(invisible.map(() => ['INVALID_TITLE', 'R11']));
    expect(refused(() => contract('\u200B\u200B'))).toEqual(['INVALID_TITLE', 'R1']);
    expect(run(contract(), add({ title: 'Logo\u200B' })).state.milestones[0]!.title).toBe('Logo\u200B');
    expect(isVisibleText('ب')).toBe(true);
  });

  it('R11: a right-to-left override left open is refused in titles and descriptions; balanced ones and plain RTL text are kept', () => {
    const open = ['\u202Egnp.exe', 'a\u202Bb', '\u2067x', 'x\u202C', '\u202E\u2066x\u202C\u2069', 'a\u202E\nb\u202C'];
    const balanced = ['\u202Egnp\u202C.exe', '\u2067שלום\u2069 world', 'مرحبا', '\u202A\u2066x\u2069\u202C', 'a\u202Eb\u202C\nc'];

    expect(open.filter(hasBalancedBidi)).toEqual([]);
    expect(balanced.filter((s) => !hasBalancedBidi(s))).toEqual([]);
    expect(refused(() => run(contract(), add({ title: 'Invoice \u202Efdp.exe' })))).toEqual(['INVALID_TITLE', 'R11']);
    expect(refused(() => run(contract(), add({ title: 'Logo', description: 'see \u202Eelif' })))).toEqual(['INVALID_DESCRIPTION', 'R11']);
    expect(refused(() => contract('Site \u202E'))).toEqual(['INVALID_TITLE', 'R1']);
    expect(run(contract(), add({ title: '\u2067שלום\u2069 site' })).state.milestones[0]!.title).toBe('\u2067שלום\u2069 site');
  });
});

describe('reorders', () => {
  it('R12: a reorder that names the funded milestone is refused under R12, not R5', () => {
    const s = [add({ title: 'A' }), add({ title: 'B' }), add({ title: 'C' }), { type: 'fundMilestone' } as Command]
      .reduce((acc, cmd) => run(acc, cmd).state, contract());

    const e = refusal(() => run(s, { type: 'savePlan', ops: [{ op: 'reorder', order: ['m3', 'm1', 'm2'] }] }));

    expect([e.code, e.rule]).toEqual(['MILESTONE_NOT_PENDING', 'R12']);
    expect(e.message).toContain('keeps its place');
  });
});

describe('numbers in a body', () => {
  it('R4: 1e400 is refused as too large, 1e-400 as a fraction; 1e3 and 1000.0 are whole', () => {
    const problems = ['{"a":1e400}', '{"a":-1e400}', '{"a":1e-400}', '{"a":1000.5}', '{"a":1e3}', '{"a":1000.0}', '{"a":1250e-1}']
      .map((t) => firstNonIntegerLiteral(t)?.problem ?? 'whole');

    expect(problems).toEqual(['too_large', 'too_large', 'fraction', 'fraction', 'whole', 'whole', 'whole']);
  });
});

describe('notices', () => {
  it("R24: an operator's approval is worded as the operator's decision, for both parties", () => {
    const notice = (decidedBy: string | null): Notice => ({
      key: 'k:1:notice:0', recipientId: 'f', recipientRole: 'freelancer', event: 'change_request_approved', contractId: 'k',
      contractTitle: 'Site', milestoneId: 'm1', milestoneTitle: 'Logo', changes: [], diff: null, amountCents: null, decidedBy,
      reason: decidedBy ? 'the freelancer asked by phone' : null,
    });

    const byOperator = renderNotice(notice('operator:jane'));
    const byParty = renderNotice(notice(null));

    expect(byOperator.subject).toBe('An operator approved the change request on the freelancer\'s behalf — Site');
    expect(byOperator.text).not.toContain('Your change request');
    expect(byOperator.lines).toContain('Decided by: operator:jane');
    expect(byParty.subject).toBe('Your change request was approved — Site');
  });
});
