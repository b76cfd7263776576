// The boundary checks in domain/: what PostgreSQL would refuse, and the order in which refusals come.
import { describe, expect, it } from 'vitest';
import { type Command, decide } from '../../domain/commands.js';
import { createContract } from '../../domain/contract.js';
import { DomainError } from '../../domain/errors.js';
import { charLength, isCalendarDate, isStorableText } from '../../domain/fields.js';
import { assertMilestoneAmount } from '../../domain/money.js';

const NOW = '2026-01-01T00:00:00.000Z';
const base = () => createContract({ contractId: 'k', clientId: 'c', freelancerId: 'f', title: 'T' }, NOW);

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof DomainError) return err.code;
    throw err;
  }
  return 'accepted';
}

describe('boundary checks', () => {
  it('R13: a due date must exist in the calendar, years 0001–9999', () => {
    const good = ['2028-02-29', '2000-02-29', '0001-01-01', '9999-12-31', '0099-06-30'];
    const bad = ['2027-02-29', '1900-02-29', '2027-02-30', '2027-04-31', '0000-01-01', '2027-00-10', '2027-13-01', '2027-1-1', '27-01-01',
      '2027-01-01T00:00:00Z', '+02027-01-01', ''];

    expect(good.filter((d) => !isCalendarDate(d))).toEqual([]);
    expect(bad.filter(isCalendarDate)).toEqual([]);
  });

  it('R11: text holds no NUL and no unpaired surrogate, and its length is counted in characters', () => {
    expect(['', 'plain', 'é', '😀', '\u2028'].every(isStorableText)).toBe(true);
    expect(['a\u0000b', '\ud800', 'x\udc00', '\udc00\ud800', '😀'.slice(0, 1)].some(isStorableText)).toBe(false);
    expect(charLength('😀'.repeat(200))).toBe(200);
    expect(charLength('e\u0301')).toBe(2); // code points, as JSON Schema's maxLength counts them
  });

  it('R4: an amount above the largest accepted is "too large", whatever else is wrong with it', () => {
    const message = (v: unknown) => {
      try {
        assertMilestoneAmount(v);
      } catch (err) {
        return (err as DomainError).code;
      }
      return 'accepted';
    };

    expect([1e30, 1e8 + 0.5, Number.MAX_VALUE, Infinity].map(message)).toEqual(Array(4).fill('AMOUNT_TOO_LARGE'));
    expect([499, -1e30, -Infinity].map(message)).toEqual(Array(3).fill('AMOUNT_TOO_SMALL'));
    expect([500.5, '500', null, NaN].map(message)).toEqual(Array(4).fill('AMOUNT_NOT_CENTS'));
    expect(message(100_000_000)).toBe('accepted');
  });

  it('R3, R4: fields are checked before the contract\'s state, so a malformed value never reads as a conflict', () => {
    const ended = decide(base(), { type: 'endContract' }, { actorId: 'c', now: NOW }).state;
    const malformed: [Command, string][] = [
      [{ type: 'releasePayment', milestoneId: 'm1', amountCents: 1e30 }, 'AMOUNT_TOO_LARGE'],
      [{ type: 'savePlan', ops: [{ op: 'add', title: 'a\u0000', amountCents: 500 }] }, 'INVALID_TITLE'],
      [{ type: 'savePlan', ops: [{ op: 'add', title: 'T', dueDate: '2027-02-30', amountCents: 500 }] }, 'INVALID_DUE_DATE'],
      [{ type: 'submitWork', milestoneId: 'm\u0000' }, 'INVALID_ID'],
      [{ type: 'withdrawFunds', amountCents: 1.5 }, 'AMOUNT_NOT_CENTS'],
    ];

    for (const [cmd, code] of malformed) {
      expect(codeOf(() => decide(ended, cmd, { actorId: cmd.type === 'submitWork' ? 'f' : 'c', now: NOW }))).toBe(code);
    }
    expect(codeOf(() => decide(ended, { type: 'fundMilestone' }, { actorId: 'c', now: NOW }))).toBe('CONTRACT_ENDED');
  });

  it('R1: a contract title or party id PostgreSQL would refuse is refused at creation', () => {
    const make = (over: object) => () => createContract({ contractId: 'k', clientId: 'c', freelancerId: 'f', title: 'T', ...over }, NOW);

    expect([make({ title: 'a\u0000' }), make({ title: '\ud800' }), make({ title: '  ' })].map(codeOf)).toEqual(Array(3).fill('INVALID_TITLE'));
    expect(codeOf(make({ clientId: 'c\u0000' }))).toBe('INVALID_ID');
  });
});
