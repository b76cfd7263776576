// How a command that asks a request's workflow to decide (approve, reject, withdraw, accept, decline)
// learns the outcome: it waits for the contract to apply the request's report, and tells the caller what
// was decided, or that it is not known yet: never a success it has not seen. Workflow code: deterministic.
import type { Duration } from '@temporalio/common';
import { ApplicationFailure, condition } from '@temporalio/workflow';
import type { RequestOutcome } from '../domain/change-request.js';
import type { RequestSignal, Transition } from '../domain/commands.js';

/**
 * An answer waits this long for the request's outcome: under the API's 15 s deadline, so the caller hears
 * DECISION_PENDING (and retries) rather than a bare timeout.
 */
export const OUTCOME_WAIT: Duration = '10 seconds';

const EXPECTED_OUTCOME: Partial<Record<RequestSignal, RequestOutcome>> = { approve: 'approved', reject: 'rejected', withdraw: 'withdrawn' };

export interface DecisionWait {
  isPending(requestId: string): boolean;
  /** How each request the contract closed ended. */
  outcomes: ReadonlyMap<string, RequestOutcome>;
  wait: Duration;
}

/** Returns once the decision `t` forwarded is known to have been taken as asked; throws otherwise. */
export async function awaitDecision(t: Transition, w: DecisionWait): Promise<void> {
  const awaited = t.effects.find((e) => e.type === 'awaitOutcome');
  if (!awaited) return;
  const { requestId } = awaited;
  const decided = await condition(() => !w.isPending(requestId), w.wait, { summary: `wait for the outcome of ${requestId}` });
  if (!decided) {
    // A decision not seen in time is an error, never a success.
    // The API answers 503; a retry with the same key reads the real outcome once it is recorded.
    throw ApplicationFailure.create({
      type: 'DECISION_PENDING',
      message: `the decision was sent to request ${requestId}, whose outcome has not arrived yet; retry with the same Idempotency-Key`,
      nonRetryable: true,
      details: [{ rule: undefined, kind: 'unavailable', requestId }],
    });
  }
  // The request's workflow decides: tell the caller when it decided otherwise (e.g. it had expired).
  const asked = t.effects.find((e) => e.type === 'signalRequest');
  const expected = asked?.type === 'signalRequest' ? EXPECTED_OUTCOME[asked.signal] : undefined;
  const outcome = w.outcomes.get(requestId);
  if (outcome && expected && outcome !== expected) {
    throw ApplicationFailure.create({
      type: 'REQUEST_ALREADY_RESOLVED',
      message: `the request was ${outcome} before this decision reached it`,
      nonRetryable: true,
      details: [{ rule: outcome === 'expired' ? 'R19' : 'R18', kind: 'conflict' }],
    });
  }
}
