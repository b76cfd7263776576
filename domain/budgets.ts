// Payload budgets, far below Temporal's own limits (2 MiB per payload, 4 MiB per gRPC message), held at
// the largest contract the API accepts: 200 milestones, every text at its limit in 4-byte characters, a
// pending change request and proposal, every remembered update id. A payload over Temporal's limit fails
// the workflow task on every attempt, and the contract stops answering for good; these budgets keep the
// worst case a factor of eight away from it. A test drives that worst case through continue-as-new and
// asserts them (test/workflow/payload-budgets.test.ts).
import { refuse } from './errors.js';
import { utf8Length } from './texts.js';

const KiB = 1024;

export const PAYLOAD_BUDGET = {
  /**
   * The continue-as-new input: the lean state (texts as 36-byte references), remembered update digests and
   * the undelivered notices carried over. Measured at the worst case at about a third of this.
   */
  continueAsNewBytes: 256 * KiB,
  /** Any one payload: an Update's arguments or result, an activity's input, a signal. */
  anyPayloadBytes: 512 * KiB,
  /**
   * The text one command may bring in, in UTF-8 bytes: the API's body cap (256 KB), so nothing the API
   * accepts is refused here, while an Update sent from the CLI cannot carry megabytes into a persistence
   * record (the record holds the command's texts once).
   */
  commandTextBytes: 256 * KiB,
  /**
   * Undelivered notices carried into the next run; the rest stay `pending` in the outbox, where the notice
   * sweep re-drives them (each is keyed, so a notice is still sent once).
   */
  undeliveredBytes: 64 * KiB,
} as const;

/**
 * Update ids remembered across continue-as-new (Temporal dedupes an id within one run only), each as a
 * 24-hex-digit SHA-256 prefix: 1000 ids of up to 260 characters were 260 KB; 1000 digests are 27 KB.
 * 96 bits: the chance that two of a contract's 1000 ids collide is about 1 in 10^22.
 */
export const REMEMBERED_UPDATE_IDS = 1000;

/** Refuses a command whose texts exceed the budget (an Update from the CLI; the API's body cap is lower). */
export function assertCommandTextBudget(texts: Record<string, string>): void {
  let bytes = 0;
  for (const text of Object.values(texts)) bytes += utf8Length(text);
  if (bytes > PAYLOAD_BUDGET.commandTextBytes) {
    refuse('COMMAND_TOO_LARGE', 'R11', `a command carries at most ${PAYLOAD_BUDGET.commandTextBytes} bytes of text; send it in smaller batches`);
  }
}
