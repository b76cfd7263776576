// One payout or refund (R31), `payment-<ledger key>`: the contract starts it once the release or refund is
// stored. The provider is asked with bounded retries; a refusal (an account that cannot be paid, none yet)
// or spent retries leave it pending, shown to operators (GET /operator/payouts), until someone acts: an
// operator's retry, or the freelancer adding a payout account, signals it to try again. Bounded too: after
// MAX_ROUNDS rounds or 30 days without anyone acting, it ends failed and stays listed for a person.
import {
  ActivityFailure, ApplicationFailure, condition, defineQuery, defineSignal, getExternalWorkflowHandle, log, proxyActivities, setHandler,
} from '@temporalio/workflow';
import { contractWorkflowId } from '../domain/names.js';
import { paymentPendingSignal } from './messages.js';
import type { PaymentActivities } from '../activities/payments.js';
import type { MoneyMovement, MoneyResult } from '../domain/payments.js';
import { paymentOptions } from './activity-options.js';

export const retryPaymentSignal = defineSignal<[{ by: string }]>('retryPayment');
export interface MovementStatus {
  state: 'trying' | 'waiting' | 'done';
  rounds: number;
  lastError?: { type: string; message: string };
}
export const movementStatusQuery = defineQuery<MovementStatus>('movementStatus');

/** Rounds of attempts, each started by someone acting on a pending movement. */
export const MAX_ROUNDS = 10;
/** How long a pending movement waits for someone to act before it ends (and stays listed as failed). */
export const WAIT_FOR_ACTION = '30 days';

const { moveMoney } = proxyActivities<PaymentActivities>(paymentOptions);

export async function moneyMovementWorkflow(m: MoneyMovement): Promise<MoneyResult> {
  const status: MovementStatus = { state: 'trying', rounds: 0 };
  let asked = false;
  setHandler(retryPaymentSignal, ({ by }) => {
    log.info('retry asked', { key: m.key, by });
    asked = true;
  });
  setHandler(movementStatusQuery, () => status);
  const what = m.type === 'transfer' ? 'Pay the freelancer' : 'Refund the client';
  for (status.rounds = 1; status.rounds <= MAX_ROUNDS; status.rounds++) {
    status.state = 'trying';
    asked = false; // a retry asked while this round runs (an account added meanwhile) starts the next at once
    try {
      const out = await moveMoney.executeWithOptions(
        { ...paymentOptions, summary: `${what} ${m.amountCents} cents (${m.key})` },
        [m], // after a refusal the activity makes a new request (its record counts them); after an outage the same one
      );
      status.state = 'done';
      return out;
    } catch (err) {
      const cause = err instanceof ActivityFailure ? err.cause : err;
      const type = cause instanceof ApplicationFailure ? cause.type ?? 'ERROR' : 'ERROR';
      status.lastError = { type, message: cause instanceof Error ? cause.message : String(cause) };
      status.state = 'waiting';
      log.warn('movement pending: waiting for an operator or a payout account', { key: m.key, type, round: status.rounds });
      if (status.rounds === 1) await tellContract(m);
      if (!(await condition(() => asked, WAIT_FOR_ACTION))) break;
    }
  }
  throw ApplicationFailure.nonRetryable(`${m.type} ${m.key} not carried out after ${status.rounds} round(s)`, 'PAYMENT_NOT_CARRIED_OUT');
}

/** The contract tells the party its payout or refund waits (a notice); an ended contract has no one to tell. */
async function tellContract(m: MoneyMovement): Promise<void> {
  if (m.type === 'charge') return;
  try {
    await getExternalWorkflowHandle(contractWorkflowId(m.contractId)).signal(paymentPendingSignal, {
      key: m.key, type: m.type, milestoneId: m.milestoneId, amountCents: m.amountCents,
    });
  } catch (err) {
    log.info('contract not told of the pending movement', { key: m.key, err: String(err) });
  }
}
