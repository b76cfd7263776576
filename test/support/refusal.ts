// The DomainError a pure rule throws, for domain tests that assert the code and the rule.
import { DomainError } from '../../domain/errors.js';

export function refusal(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (err) {
    if (err instanceof DomainError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}
