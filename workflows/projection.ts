// The contract's projection, written behind its answers: a command's Update adopts the transition and
// answers at once (durable in the contract's history), and its record joins this queue. One long-lived
// loop (run(), started by the workflow's main body) writes whatever accumulated while the previous write
// ran with ONE activity (projectTransitions), in seq order, so a burst of commands costs one write. A
// failing write is retried here for as long as it fails, visible meanwhile (the details in the Temporal
// UI, the worker's metrics); commands are held back only past MAX_UNPROJECTED records, never lost.
// Workflow code.
import { ApplicationFailure, condition, log, metricMeter, proxyActivities, sleep } from '@temporalio/workflow';
import type { ContractActivities, TransitionRecord } from '../activities/types.js';
import { PAYLOAD_BUDGET } from '../domain/budgets.js';
import { projectionOptions } from './activity-options.js';

const { projectTransitions } = proxyActivities<ContractActivities>(projectionOptions);

/** Records one activity writes at most: a burst larger than this takes several (each one transaction). */
export const MAX_BATCH = 50;
/**
 * Past this many unprojected records a command is refused with 503 and Retry-After (PROJECTION_BEHIND):
 * a healthy projection is one batch behind at most, so this many means PostgreSQL has been failing for a
 * while, and the queue (workflow memory, carried nowhere) must stop growing. Reads would wait on it too.
 */
export const MAX_UNPROJECTED = 50;
/** After a batch failed for good, it is tried again after this, doubling (the activity retried it already). */
const RETRY_MS = { first: 1_000, max: 60_000 };

interface Queued {
  record: TransitionRecord;
  /** Workflow time it was queued, for the lag. */
  at: number;
  /** Its size as JSON, estimated once (UTF-16 units, up to three UTF-8 bytes each): batches stay within the payload budget. */
  bytes: number;
}

const lag = metricMeter.createHistogram('contract_projection_lag', 'int', 'ms',
  'From a command answered to its record stored in PostgreSQL (workflow time)');
const failures = metricMeter.createCounter('contract_projection_failures', '', 'Projection batches that failed after their attempts; the loop tries again');

export class Projection {
  private readonly queue: Queued[] = [];
  /** Batches failed in a row (0 when the last one landed), and why the last one failed. */
  failing = 0;
  lastError: string | undefined;

  /** `status` shows a line in the workflow's details while the projection is failing (undefined once it recovers). */
  constructor(private readonly status: (line: string | undefined) => void, public projectedSeq = 0) {}

  get backlog(): number {
    return this.queue.length;
  }

  /** Nothing waiting and nothing being written (a batch leaves the queue once stored): continue-as-new and completion wait for this. */
  get drained(): boolean {
    return this.queue.length === 0;
  }

  /**
   * Queues a record; the loop in run() writes it. Never starts a write itself: which commands a workflow
   * task emits, and in what order, must not depend on whether this Update ran before or after the previous
   * write's completion in the same activation (see nextBurst()).
   */
  add(record: TransitionRecord): void {
    this.queue.push({ record, at: new Date().getTime(), bytes: JSON.stringify(record).length * 3 });
  }

  /** Validators call this: a command is refused (no history event) while the queue is past its bound. */
  assertRoom(): void {
    if (this.queue.length < MAX_UNPROJECTED) return;
    throw ApplicationFailure.create({
      type: 'PROJECTION_BEHIND', nonRetryable: true,
      message: `${this.queue.length} commands of this contract are not yet stored in PostgreSQL (${this.lastError ?? 'writing'}); `
        + 'nothing was done: retry after Retry-After with the same Idempotency-Key',
      details: [{ kind: 'unavailable' }], // 503 with Retry-After (api/errors.ts)
    });
  }

  /**
   * The writer, for the life of the run: waits for records, writes the oldest batch, and so on. A batch
   * that fails is kept and tried again after a doubling wait, for as long as it fails: never skipped.
   */
  async run(): Promise<never> {
    let wait = RETRY_MS.first;
    for (;;) {
      await this.nextBurst();
      const batch = this.take();
      const from = batch[0]!.record.seq;
      const to = batch.at(-1)!.record.seq;
      try {
        await projectTransitions.executeWithOptions(
          { ...projectionOptions, summary: from === to ? `Project #${from} ${batch[0]!.record.command}` : `Project #${from}–#${to} (${batch.length} commands)` },
          [batch.map((q) => q.record)],
        );
      } catch (err) {
        this.failing += 1;
        this.lastError = String((err as { cause?: unknown }).cause ?? err).slice(0, 300);
        failures.add(1);
        log.error('projection failed; trying again', { from, to, failing: this.failing, retryInMs: wait, err: this.lastError });
        this.status(`**Projection failing** since #${from} (${this.failing} batch(es) in a row, ${this.queue.length} record(s) waiting): ${this.lastError}`);
        await sleep(wait, { summary: `Project #${from} again after a failure` });
        wait = Math.min(wait * 2, RETRY_MS.max);
        continue;
      }
      this.queue.splice(0, batch.length);
      this.projectedSeq = to;
      const now = new Date().getTime();
      for (const q of batch) lag.record(Math.max(0, now - q.at));
      wait = RETRY_MS.first;
      if (this.failing) {
        this.failing = 0;
        this.lastError = undefined;
        this.status(undefined);
      }
    }
  }

  /**
   * Resolves once records are waiting, but only in the SDK's condition pass, never at the call. The
   * TypeScript SDK applies an activation's jobs in one synchronous loop (signals and Updates sorted
   * first, the rest after), then runs every microtask they queued (each Update handler up to its next
   * await: commit(), a child workflow's start, the answer), and only then evaluates the blocked
   * conditions (worker's vm-shared.ts, tryUnblockConditionsAndMicrotasks). But condition() also evaluates
   * its function once when called (workflow.ts, conditionInner's eager evaluation), from whatever
   * microtask calls it: right after the previous write's completion, where an Update of the same
   * activation may or may not have queued its record yet depending on which job came first. So that first
   * evaluation answers false, and the write is scheduled in the condition pass: after every command the
   * activation's handlers emitted, whatever the order of its jobs. A record queued in an earlier
   * activation is written at the end of this one, as before. No timeout, by design: with nothing queued
   * the writer has nothing to do, and the run ends by continue-as-new or completion, not by this wait.
   */
  private nextBurst(): Promise<void> {
    let first = true;
    return condition(() => {
      if (first) {
        first = false;
        return false;
      }
      return this.queue.length > 0;
    });
  }

  /** The oldest records, at most MAX_BATCH and within the payload budget (always at least one). */
  private take(): Queued[] {
    const out: Queued[] = [];
    let bytes = 0;
    for (const q of this.queue) {
      if (out.length >= MAX_BATCH || (out.length && bytes + q.bytes > PAYLOAD_BUDGET.anyPayloadBytes)) break;
      bytes += q.bytes;
      out.push(q);
    }
    return out;
  }
}
