// The boundary between two runs of a contract's workflow. Once a run has decided to continue-as-new it
// admits no new command: each would add history events and a record to the projection's queue, and the
// run can only hand over once its handlers have finished and the queue is stored, so a steady stream of
// commands would hold it past its history bound without end. Refused commands leave no history (a
// validator's refusal) and are retried by the API within a few hundred milliseconds, when the next run
// takes them. Workflow code.
import { ApplicationFailure } from '@temporalio/common'; // not the workflow package: the API imports HANDING_OVER

/** The failure type of a command refused at the boundary (api/error-catalog.ts). */
export const HANDING_OVER = 'CONTRACT_HANDING_OVER';

export class HandOver {
  /** Set when the run stops admitting commands; the next run starts admitting at once. */
  started = false;

  /** Validators call this first: a command arriving during the hand-over is refused with 503 (nothing done). */
  assertAdmitting(): void {
    if (!this.started) return;
    throw ApplicationFailure.create({
      type: HANDING_OVER, nonRetryable: true,
      message: 'this contract is moving to a fresh run of its workflow (it takes one write to PostgreSQL); '
        + 'nothing was done: retry with the same Idempotency-Key',
      details: [{ kind: 'unavailable' }], // 503 with Retry-After (api/errors.ts)
    });
  }
}
