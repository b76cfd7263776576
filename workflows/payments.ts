// The payment saga inside the contract (R31), for contracts whose money crosses the boundary (the state
// records the provider at creation; a ledger-only contract never comes here, so it schedules nothing more).
// A deposit is charged before its transition is stored: a declined card refuses the funding (402
// PAYMENT_DECLINED) and nothing is held; a charge that confirms later is held as the contract's pending
// deposit instead of the funding (domain/pending-deposits.ts). Payouts and refunds are carried out after
// their transition is stored, each by its own workflow (workflows/money-movement.ts), so a freelancer who
// cannot be paid yet never blocks the contract, and an operator sees and retries it.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ActivityFailure, ApplicationFailure, ParentClosePolicy, log, proxyActivities, startChild } from '@temporalio/workflow';
import type { PaymentActivities } from '../activities/payments.js';
import type { Transition } from '../domain/commands.js';
import type { ContractState } from '../domain/contract.js';
import { depositOf, holdDeposit } from '../domain/pending-deposits.js';
import { type MoneyMovement, movementsOf } from '../domain/payments.js';
import { paymentWorkflowId } from '../domain/names.js';
import { paymentOptions } from './activity-options.js';
import { moneyMovementWorkflow } from './money-movement.js';

const { moveMoney } = proxyActivities<PaymentActivities>(paymentOptions);

/** The transitions the provider itself caused: their deposit was charged already. */
export const DEPOSIT_CONFIRMED = 'depositConfirmed';
export const DEPOSIT_FAILED = 'depositFailed';
export const MOVEMENT_PENDING = 'paymentPending';

/** What the client hears when the deposit could not be charged; the contract keeps the state it had. */
const CHARGE_ANSWERS: Record<string, { code: string; kind: string; rule: string; message: (why: string) => string }> = {
  PAYMENT_DECLINED: { code: 'PAYMENT_DECLINED', kind: 'payment', rule: 'R31', message: (why) => `the payment was declined: ${why}; nothing was charged or held` },
  PAYMENT_NOT_SETTLED: {
    code: 'PAYMENT_NOT_SETTLED', kind: 'payment', rule: 'R30',
    message: (why) => `the offer was not sent: ${why}; use a payment method that pays at once (a card)`,
  },
};
const UNAVAILABLE = {
  code: 'PAYMENT_PROVIDER_UNAVAILABLE', kind: 'unavailable', rule: 'R31',
  message: () => 'the payment provider could not be reached; nothing was held, retry with the same Idempotency-Key',
};

/**
 * Charges a transition's deposit before it is stored. Succeeded: the transition as it is. Pending: the
 * contract's pending deposit instead. Refused or unreachable: throws the command's refusal (nothing held).
 * A create (an offer, R30) charges its first milestone's deposit and fee the same way, before the contract's
 * row exists; it must succeed at once (pending: 402 PAYMENT_NOT_SETTLED, the offer is not sent). A create
 * from before offers moved no money, so its history replays as it was.
 */
export async function chargeBeforeStoring(before: ContractState | undefined, t: Transition, command: string): Promise<Transition> {
  if (command === DEPOSIT_CONFIRMED) return t;
  const s = t.state;
  for (const { entry, type, feeCents } of movementsOf(t.ledger)) {
    if (type !== 'charge') continue;
    const m: MoneyMovement = {
      type, key: entry.key, contractId: s.id, milestoneId: entry.milestoneId, amountCents: entry.amountCents, feeCents, partyId: s.clientId,
      ...(before ? {} : { settleAtOnce: true as const }),
    };
    try {
      const out = await moveMoney.executeWithOptions({ ...paymentOptions, summary: `Charge the client ${entry.amountCents} cents (${entry.key})` }, [m]);
      if (out.status === 'pending') {
        const pending = depositOf(t);
        log.info('deposit accepted, confirmed later by the provider: held as pending', { key: entry.key, reference: out.reference });
        if (pending && before) return holdDeposit(before, pending); // a create's pending charge was refused by the activity
      }
    } catch (err) {
      const cause = err instanceof ActivityFailure ? err.cause : undefined;
      const failure = cause instanceof ApplicationFailure ? cause.type ?? '' : '';
      const answer = CHARGE_ANSWERS[failure] ?? UNAVAILABLE;
      const why = (cause instanceof ApplicationFailure ? cause.details?.[0] : undefined) as { reason?: string; code?: string } | undefined;
      log.warn('funding refused: the deposit was not charged', { key: entry.key, type: failure, code: why?.code ?? null });
      throw ApplicationFailure.create({
        type: answer.code, message: answer.message(why?.reason ?? 'no reason given'), nonRetryable: true,
        details: [{ rule: answer.rule, kind: answer.kind, ...(why?.code && answer.code === 'PAYMENT_DECLINED' ? { declineCode: why.code } : {}) }],
      });
    }
  }
  return t;
}

/** Starts one workflow per payout or refund of a stored transition; each outlives the contract's run. */
export async function startMovements(t: Transition): Promise<void> {
  const s = t.state;
  for (const { entry, type } of movementsOf(t.ledger)) {
    if (type === 'charge') continue;
    const m: MoneyMovement = {
      type, key: entry.key, contractId: s.id, milestoneId: entry.milestoneId, amountCents: entry.amountCents,
      partyId: type === 'transfer' ? s.freelancerId : s.clientId,
    };
    try {
      await startChild(moneyMovementWorkflow, {
        workflowId: paymentWorkflowId(entry.key), args: [m], parentClosePolicy: ParentClosePolicy.ABANDON,
        staticSummary: `${type === 'transfer' ? 'Pay the freelancer' : 'Refund the client'} ${entry.amountCents} cents for ${s.id}`,
      });
    } catch (err) {
      // The id is the ledger entry's: already started means this entry is being (or was) carried out.
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      log.info('payment workflow already started', { key: entry.key });
    }
  }
}
