// Money is integer cents in USD (R4). No floating point anywhere in money code.
import { refuse } from './errors.js';

/** R4: every milestone is at least $5.00. */
export const MIN_MILESTONE_CENTS = 500;
/** R4: an upper bound that rejects absurd input ($1,000,000). */
export const MAX_MILESTONE_CENTS = 100_000_000;
/** R9: the one-time contract initiation fee when a contract does not set its own. */
export const DEFAULT_INITIATION_FEE_CENTS = 495;
export const MAX_FEE_CENTS = 100_000;

/**
 * R4. The range is checked before wholeness, so 1e30 is "too large" rather than "not a whole number";
 * a value that is not a number at all (an Update sent from the CLI) is refused too.
 */
export function assertMilestoneAmount(cents: unknown, field = 'amountCents'): void {
  if (typeof cents !== 'number' || Number.isNaN(cents)) refuse('AMOUNT_NOT_CENTS', 'R4', `${field} must be a whole number of cents`);
  const n = cents as number;
  if (n > MAX_MILESTONE_CENTS) refuse('AMOUNT_TOO_LARGE', 'R4', `${field} is too large: at most $1,000,000.00 (100000000 cents)`);
  if (n < MIN_MILESTONE_CENTS) refuse('AMOUNT_TOO_SMALL', 'R4', `${field} must be at least $5.00 (500 cents)`);
  if (!Number.isSafeInteger(n)) refuse('AMOUNT_NOT_CENTS', 'R4', `${field} must be a whole number of cents`);
}

/** The largest balance a contract's books can hold exactly (BIGINT columns, IEEE doubles in JS). */
export const MAX_BALANCE_CENTS = Number.MAX_SAFE_INTEGER;

/** A release (at most one milestone's amount) or a withdrawal of project funds: positive whole cents. */
export function assertPositiveCents(cents: unknown, field: string, max: number = MAX_MILESTONE_CENTS): void {
  if (typeof cents !== 'number' || Number.isNaN(cents)) refuse('AMOUNT_NOT_CENTS', 'R4', `${field} must be a whole number of cents`);
  const n = cents as number;
  if (n > max) refuse('AMOUNT_TOO_LARGE', 'R4', `${field} is too large: at most ${max} cents`);
  if (!Number.isSafeInteger(n) || n <= 0) refuse('AMOUNT_NOT_CENTS', 'R4', `${field} must be a positive whole number of cents`);
}

export const formatUsd = (cents: number): string => {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  const dollars = Math.floor(abs / 100).toLocaleString('en-US');
  return `${sign}$${dollars}.${String(abs % 100).padStart(2, '0')}`;
};
