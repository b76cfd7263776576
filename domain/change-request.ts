// A change request's life: pending until the first of approve, reject, withdraw, auto-cancel (R18) or
// expiry after seven days (R19).
export const CHANGE_REQUEST_TTL_MS = 7 * 24 * 60 * 60 * 1000;
export const CHANGE_REQUEST_TTL = '7 days';

export type ChangeRequestOutcome = 'approved' | 'rejected' | 'withdrawn' | 'canceled' | 'expired';

export const expiresAt = (createdAtIso: string): string =>
  new Date(Date.parse(createdAtIso) + CHANGE_REQUEST_TTL_MS).toISOString();
