// A change request's (R15–R19) or proposal's (R20–R21) life: pending until the first of approve, reject,
// withdraw, auto-cancel (R18) or, for change requests only, expiry after seven days (R19).
export const CHANGE_REQUEST_TTL_MS = 7 * 24 * 60 * 60 * 1000;
export const CHANGE_REQUEST_TTL = '7 days';

export type RequestOutcome = 'approved' | 'rejected' | 'withdrawn' | 'canceled' | 'expired';
export type RequestKind = 'change' | 'proposal';
