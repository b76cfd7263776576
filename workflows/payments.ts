// The payment saga inside the contract (R31). A deposit is charged before its transition is stored: a
// declined card refuses the funding (402 PAYMENT_DECLINED) and nothing is held. Payouts and refunds are
// carried out after their transition is stored, each by its own workflow (workflows/money-movement.ts), so
// a freelancer who cannot be paid yet never blocks the contract, and an operator sees and retries it.
import { ActivityFailure, ApplicationFailure, ParentClosePolicy, log, proxyActivities, startChild } from '@temporalio/workflow';
import type { PaymentActivities } from '../activities/payments.js';
import type { Transition } from '../domain/commands.js';
import { type MoneyMovement, movementsOf } from '../domain/payments.js';
import { paymentWorkflowId } from '../domain/names.js';
import { paymentOptions } from './activity-options.js';
import { moneyMovementWorkflow } from './money-movement.js';

const { moveMoney } = proxyActivities<PaymentActivities>(paymentOptions);

/** What the client hears when the deposit could not be charged; the contract keeps the state it had. */
const CHARGE_ANSWERS: Record<string, { code: string; kind: string; message: (why: string) => string }> = {
  PAYMENT_DECLINED: { code: 'PAYMENT_DECLINED', kind: 'payment', message: (why) => `the payment was declined: ${why}; nothing was charged or held` },
};
const UNAVAILABLE = {
  code: 'PAYMENT_PROVIDER_UNAVAILABLE', kind: 'unavailable',
  message: () => 'the payment provider could not be reached; nothing was held, retry with the same Idempotency-Key',
};

/** Charges a transition's deposit, if it has one; throws the command's refusal when it is not charged. */
export async function chargeDeposit(t: Transition): Promise<void> {
  const s = t.state;
  for (const { entry, type, feeCents } of movementsOf(t.ledger)) {
    if (type !== 'charge') continue;
    const m: MoneyMovement = {
      type, key: entry.key, contractId: s.id, milestoneId: entry.milestoneId, amountCents: entry.amountCents, feeCents, partyId: s.clientId,
    };
    try {
      const out = await moveMoney.executeWithOptions({ ...paymentOptions, summary: `Charge the client ${entry.amountCents} cents (${entry.key})` }, [m]);
      if (out.status === 'pending') log.info('deposit accepted, confirmed later by the provider', { key: entry.key, reference: out.reference });
    } catch (err) {
      const cause = err instanceof ActivityFailure ? err.cause : undefined;
      const type = cause instanceof ApplicationFailure ? cause.type ?? '' : '';
      const answer = CHARGE_ANSWERS[type] ?? UNAVAILABLE;
      const why = (cause instanceof ApplicationFailure ? cause.details?.[0] : undefined) as { reason?: string; code?: string } | undefined;
      log.warn('funding refused: the deposit was not charged', { key: entry.key, type, code: why?.code ?? null });
      throw ApplicationFailure.create({
        type: answer.code, message: answer.message(why?.reason ?? 'no reason given'), nonRetryable: true,
        details: [{ rule: 'R31', kind: answer.kind, ...(why?.code ? { declineCode: why.code } : {}) }],
      });
    }
  }
}

/** Starts one workflow per payout or refund of a stored transition; each outlives the contract's run. */
export async function startPayouts(t: Transition, taskQueue?: string): Promise<void> {
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
        ...(taskQueue ? { taskQueue } : {}),
        staticSummary: `${type === 'transfer' ? 'Pay the freelancer' : 'Refund the client'} ${entry.amountCents} cents for ${s.id}`,
      });
    } catch (err) {
      // Already started (the same ledger entry): the id is the entry's, so it is never carried out twice.
      log.warn('payment workflow not started', { key: entry.key, err: String(err) });
    }
  }
}
