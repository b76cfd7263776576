// Domain refusals become non-retryable ApplicationFailures: type = the stable code, details = the rule
// and kind, which the API maps to problem+json. Anything else is a bug and fails the workflow task.
import { ApplicationFailure } from '@temporalio/workflow';
import { DomainError } from '../domain/errors.js';

export function asFailure(err: unknown): unknown {
  if (err instanceof DomainError) {
    return ApplicationFailure.create({
      type: err.code,
      message: err.message,
      nonRetryable: true,
      details: [{ rule: err.rule, kind: err.kind }],
    });
  }
  return err;
}

/** Runs a pure domain step, rethrowing refusals as ApplicationFailures. */
export function guard<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw asFailure(err);
  }
}
