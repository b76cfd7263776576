// The contract's durable deadlines (R25 reminder and automatic release, R27 refund lapse, R30 offer expiry), kept in the
// contract workflow so one reader sees every timer of a contract: one timer at a time, for the earliest
// deadline in the state, re-armed when a command changes it. Deadlines live in the state, so a new run
// after continue-as-new (or a worker restart) arms the same timer; nothing else is carried.
import { condition, log, sleep } from '@temporalio/workflow';
import type { ContractState } from '../domain/contract.js';
import { type Deadline, nextDeadline } from '../domain/timers.js';

export interface DeadlineHooks {
  state(): ContractState | undefined;
  /** Applies whatever is due now, under the contract's lock (a transition by the system). */
  fire(): Promise<void>;
}

const SUMMARY: Record<Deadline['kind'], string> = {
  reviewReminder: 'Review window ends in a day: remind both parties (R25)',
  autoRelease: 'Review window ends: release automatically (R25)',
  refundLapse: 'Refund request lapses after seven days (R27)',
  offerExpiry: 'The offer expires unanswered: everything deposited goes back to the client (R30)',
};

/** A failed write is tried again after this (doubling), like a request's outcome; then every `max`. */
const RETRY_MS = { first: 30_000, max: 10 * 60_000, tries: 8 };

const keyOf = (d: Deadline | null): string => (d ? `${d.kind}:${d.milestoneId}:${d.at}` : '');

export class Deadlines {
  /** A deadline's transition is being written: continue-as-new waits for it (it is not a handler). */
  busy = false;

  constructor(private readonly hooks: DeadlineHooks) {}

  /** Runs for the life of the run; continue-as-new or completion simply drops the pending timer. */
  async run(): Promise<never> {
    let failures = 0;
    for (;;) {
      const next = this.next();
      const key = keyOf(next);
      const changed = () => keyOf(this.next()) !== key;
      if (!next) {
        await condition(changed); // no deadline: no timer, so histories from before review windows gain no commands
        continue;
      }
      const ms = Date.parse(next.at) - new Date().getTime(); // workflow time: deterministic on replay
      if (ms > 0 && (await condition(changed, ms, { summary: SUMMARY[next.kind] }))) continue;
      this.busy = true;
      let failed: unknown;
      try {
        await this.hooks.fire();
      } catch (err) {
        failed = err ?? 'failed';
      } finally {
        this.busy = false;
      }
      if (failed === undefined) {
        failures = 0;
        continue;
      }
      // The write failed for good (persistence refused it): try again later rather than spin or fail the contract.
      failures += 1;
      const wait = Math.min(RETRY_MS.first * 2 ** (failures - 1), RETRY_MS.max);
      log.error('deadline not applied', { kind: next.kind, milestoneId: next.milestoneId, err: String(failed), retryInMs: wait });
      if (failures < RETRY_MS.tries) {
        await sleep(wait);
        continue;
      }
      // Past the doubling tries, every RETRY_MS.max instead of waiting for a command that may never come. No
      // bound on purpose: an automatic release (R25) or a lapse (R27) is owed, and only a write that fails
      // keeps it from landing; each try is logged as an error above. A command that changes the deadline
      // re-arms at once; continue-as-new ends this loop and the next run starts it again from the state.
      await condition(changed, RETRY_MS.max, { summary: `${SUMMARY[next.kind]}: try again` });
    }
  }

  private next(): Deadline | null {
    const s = this.hooks.state();
    return s ? nextDeadline(s) : null;
  }
}
