// Every refusal carries a stable code and the rule it enforces (RULES.md), so the workflow's
// ApplicationFailure type and the API's problem+json say the same thing.
export type ErrorKind = 'conflict' | 'rule' | 'not_found' | 'forbidden';

export class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    readonly code: string,
    readonly rule: string | undefined,
    message: string,
    readonly kind: ErrorKind = 'rule',
  ) {
    super(message);
  }
}

export const refuse = (code: string, rule: string | undefined, message: string, kind: ErrorKind = 'rule'): never => {
  throw new DomainError(code, rule, message, kind);
};
