// R31: asking a payout or refund that waits at the provider to try again — an operator's retry, or a
// freelancer's new payout account (POST /users/{id}) retrying every payout that waited for one.
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import type { Db } from '../db/client.js';
import { paymentWorkflowId } from '../domain/names.js';
import { retryPaymentSignal } from '../workflows/money-movement.js';

/** Payouts and refunds not carried out: refused (no account, one that cannot be paid) or out of retries. */
export const NOT_DONE = ['declined', 'failed'];
/** Each signal is answered within this, or the request fails (503) and is sent again. */
const SIGNAL_DEADLINE_MS = 10_000;
/** A freelancer's waiting payouts retried by one account change, oldest first; more wait for an operator's list. */
const RETRY_BATCH = 100;

/** Signals the movement's workflow; false when it has ended (gave up, or done meanwhile). */
export async function retryMovement(temporal: Client, key: string, by: string): Promise<boolean> {
  try {
    await temporal.connection.withDeadline(Date.now() + SIGNAL_DEADLINE_MS, () =>
      temporal.workflow.getHandle(paymentWorkflowId(key)).signal(retryPaymentSignal, { by }));
    return true;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

/** A freelancer added or changed their payout account: the payouts waiting for one are tried again. */
export async function retryWaitingPayouts(db: Db, temporal: Client, freelancerId: string): Promise<number> {
  // A movement names its contract without a foreign key (an offer's deposit is recorded before its contract).
  const waiting = await db.$queryRaw<{ key: string }[]>`
    SELECT m.key FROM payment_movements m JOIN contracts c ON c.id = m.contract_id
    WHERE m.type = 'transfer' AND m.status = ANY(${NOT_DONE}) AND c.freelancer_id = ${freelancerId}
    ORDER BY m.updated_at ASC LIMIT ${RETRY_BATCH}`;
  let retried = 0;
  for (const w of waiting) if (await retryMovement(temporal, w.key, freelancerId)) retried += 1;
  return retried;
}
