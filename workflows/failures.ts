// Domain refusals become non-retryable ApplicationFailures: type = the stable code, details = the rule
// and kind, which the API maps to problem+json. Anything else is a bug and fails the workflow task.
import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure, log } from '@temporalio/workflow';
import { DomainError } from '../domain/errors.js';

export function asFailure(err: unknown): unknown {
  if (err instanceof DomainError) {
    return ApplicationFailure.create({
      type: err.code,
      message: err.message,
      nonRetryable: true,
      details: [{ rule: err.rule, kind: err.kind, ...err.extra }],
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

/** What a command's caller hears when its transition could not be stored (docs/architecture.md, the command path). */
const PERSISTENCE_ANSWERS: Record<string, { message: string; kind: string }> = {
  INVALID_DATA: { message: 'PostgreSQL refused a value in this command; nothing was changed', kind: 'rule' },
  PERSISTENCE_FAILED: { message: 'the command could not be stored; nothing was changed', kind: 'internal' },
};

/**
 * A persistence activity that failed for good: the command fails with a clear code, the contract keeps
 * the state it had, and the lock is released by the caller's `finally`, so the next command works.
 */
export function persistenceRefusal(err: unknown, contractId: string, seq: number): unknown {
  const cause = err instanceof ActivityFailure ? err.cause : undefined;
  const type = cause instanceof ApplicationFailure ? cause.type ?? undefined : undefined;
  const answer = type ? PERSISTENCE_ANSWERS[type] : undefined;
  if (!answer) return err;
  const details = (cause as ApplicationFailure).details?.[0] as { sqlState?: string | null } | undefined;
  log.warn('command refused: persistence failed', { contractId, seq, code: type, sqlState: details?.sqlState ?? null });
  return ApplicationFailure.create({
    type,
    message: answer.message,
    nonRetryable: true,
    details: [{ rule: undefined, kind: answer.kind, sqlState: details?.sqlState ?? null }],
  });
}

/** Why a child workflow closed without reporting, in words an operator recognises (terminated, …). */
export function closeReason(err: unknown): string {
  const cause = err instanceof ChildWorkflowFailure ? err.cause : err;
  const name = cause instanceof Error ? cause.name.replace(/Failure$/, '').toLowerCase() : 'closed';
  return name === 'terminated' || name === 'cancelled' || name === 'timeout' ? name : `failed (${name})`;
}
