// Money is integer cents in USD (R4). No floating point anywhere in money code.
import { refuse } from './errors.js';

/** R4: every milestone is at least $5.00. */
export const MIN_MILESTONE_CENTS = 500;
/** R4: an upper bound that rejects absurd input ($1,000,000). */
export const MAX_MILESTONE_CENTS = 100_000_000;
/** R9: the one-time contract initiation fee when a contract does not set its own. */
export const DEFAULT_INITIATION_FEE_CENTS = 495;
export const MAX_FEE_CENTS = 100_000;

export function assertMilestoneAmount(cents: number, field = 'amountCents'): void {
  if (!Number.isSafeInteger(cents)) refuse('AMOUNT_NOT_CENTS', 'R4', `${field} must be a whole number of cents`);
  if (cents < MIN_MILESTONE_CENTS) refuse('AMOUNT_TOO_SMALL', 'R4', `${field} must be at least $5.00 (500 cents)`);
  if (cents > MAX_MILESTONE_CENTS) refuse('AMOUNT_TOO_LARGE', 'R4', `${field} must be at most $1,000,000.00`);
}

export function assertPositiveCents(cents: number, field: string): void {
  if (!Number.isSafeInteger(cents) || cents <= 0) refuse('AMOUNT_NOT_CENTS', 'R4', `${field} must be a positive whole number of cents`);
}

export const formatUsd = (cents: number): string => {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  const dollars = Math.floor(abs / 100).toLocaleString('en-US');
  return `${sign}$${dollars}.${String(abs % 100).padStart(2, '0')}`;
};
