// Every refusal carries a stable code and the rule it enforces (docs/rules.md), so the workflow's
// ApplicationFailure type and the API's problem+json say the same thing.
/** invalid → 400, payment → 402, conflict → 409, rule → 422, not_found → 404, forbidden → 403 (api/errors.ts). */
export type ErrorKind = 'conflict' | 'rule' | 'not_found' | 'forbidden' | 'invalid' | 'payment';

export class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    readonly code: string,
    readonly rule: string | undefined,
    message: string,
    readonly kind: ErrorKind = 'rule',
    /** Facts a caller can act on, e.g. `currentVersion` (R16); they reach problem+json as extensions. */
    readonly extra?: Record<string, string | number>,
  ) {
    super(message);
  }
}

export const refuse = (
  code: string, rule: string | undefined, message: string, kind: ErrorKind = 'rule', extra?: Record<string, string | number>,
): never => {
  throw new DomainError(code, rule, message, kind, extra);
};
