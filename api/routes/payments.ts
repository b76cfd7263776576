// R31 routes: a user's provider ids (a client's payment method, a freelancer's payout account), and the
// operators' view of payouts and refunds the provider has not carried out, with a retry. Adding a payout
// account retries the freelancer's waiting payouts at once.
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { paymentWorkflowId } from '../../domain/names.js';
import { paymentDetailsBody, pendingPayoutParams } from '../../domain/payment-schemas.js';
import { retryPaymentSignal } from '../../workflows/money-movement.js';
import { HttpProblem } from '../problem.js';
import type { Router } from '../router.js';

const timestamp = z.string().meta({ format: 'date-time', description: 'RFC 3339, UTC.' });
const nullableId = z.string().nullable();

const paymentDetailsSchema = z.object({
  paymentMethodId: nullableId, paymentCustomerId: nullableId, payoutAccountId: nullableId,
  retriedPayouts: z.number().int().min(0).meta({ description: 'Waiting payouts this change asked to try again.' }),
}).meta({ id: 'PaymentDetails' });

const pendingPayoutSchema = z.object({
  key: z.string().meta({ description: 'The ledger entry carried out (contract:seq:kind:milestone).' }),
  contractId: z.string(),
  milestoneId: nullableId,
  type: z.enum(['transfer', 'refund', 'charge']),
  amountCents: z.number().int(),
  status: z.string().meta({ description: 'declined (refused: an account that cannot be paid, none yet) or failed (retries spent).' }),
  code: nullableId,
  reason: nullableId,
  attempts: z.number().int(),
  updatedAt: timestamp,
}).meta({ id: 'PendingPayout' });

/** A page is bounded; an operator works the oldest first. */
const PAGE = 100;
/** Each signal is answered within this, or the route answers 503. */
const SIGNAL_DEADLINE_MS = 10_000;
/** Payouts not carried out: refused or out of retries; a pending charge is the webhook's to settle. */
const NOT_DONE = ['declined', 'failed'];

function requireOperator(role: string): void {
  if (role !== 'operator') throw new HttpProblem(403, 'OPERATOR_ONLY', 'Only an operator may do this', 'use an operator token', 'R28');
}

async function retry(temporal: Client, key: string, by: string): Promise<boolean> {
  try {
    await temporal.connection.withDeadline(Date.now() + SIGNAL_DEADLINE_MS, () =>
      temporal.workflow.getHandle(paymentWorkflowId(key)).signal(retryPaymentSignal, { by }));
    return true;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false; // ended: it gave up, or it was done meanwhile
    throw err;
  }
}

export function paymentRoutes(router: Router, db: Db, temporal: Client): void {
  router.add(
    {
      method: 'post', path: '/me/payment-details', summary: 'Set your payment method (client) or payout account (freelancer)',
      tag: 'Payments', body: paymentDetailsBody, response: paymentDetailsSchema, success: 200, rules: ['R31'],
      description: 'Provider ids (Stripe: `pm_…`, `cus_…`, `acct_…`); a field left out is unchanged, null removes it. '
        + 'A new payout account retries your payouts that were waiting for one.',
    },
    async ({ body }, { res, reply }) => {
      const user = res.locals.user;
      const saved = await db.user.update({ where: { id: user.id }, data: body, select: { paymentMethodId: true, paymentCustomerId: true, payoutAccountId: true } });
      let retried = 0;
      if (body.payoutAccountId) {
        const waiting = await db.paymentMovement.findMany({
          where: { type: 'transfer', status: { in: NOT_DONE }, contractId: { in: (await db.contract.findMany({ where: { freelancerId: user.id }, select: { id: true } })).map((c) => c.id) } },
          select: { key: true }, take: PAGE,
        });
        for (const w of waiting) if (await retry(temporal, w.key, user.id)) retried += 1;
      }
      reply({ ...saved, retriedPayouts: retried });
    },
  );

  router.add(
    {
      method: 'get', path: '/operator/payouts', summary: 'Payouts and refunds the provider has not carried out (operator)',
      tag: 'Operator', response: z.object({ data: z.array(pendingPayoutSchema).max(PAGE) }).meta({ id: 'PendingPayouts' }), success: 200,
      rules: ['R31'], errors: [403],
      description: `Operator tokens only. Oldest first, at most ${PAGE}: declined (an account that cannot be paid, or none yet) `
        + 'or failed (the provider did not answer within the retries). Retry one once its cause is fixed.',
    },
    async (_input, { res, reply }) => {
      requireOperator(res.locals.user.role);
      const rows = await db.paymentMovement.findMany({ where: { status: { in: NOT_DONE } }, orderBy: { updatedAt: 'asc' }, take: PAGE });
      reply({
        data: rows.map((r) => ({
          key: r.key, contractId: r.contractId, milestoneId: r.milestoneId, type: r.type as 'transfer', amountCents: Number(r.amountCents),
          status: r.status, code: r.code, reason: r.reason, attempts: r.attempts, updatedAt: r.updatedAt.toISOString(),
        })),
      });
    },
  );

  router.add(
    {
      method: 'post', path: '/operator/payouts/:key/retry', summary: 'Try a payout or refund again (operator)',
      tag: 'Operator', params: pendingPayoutParams, response: z.object({ retrying: z.literal(true) }), success: 202, rules: ['R31'], errors: [403],
      description: 'Operator tokens only. The movement\'s workflow asks the provider again (a new request after a refusal; '
        + 'the same one after an outage, so nothing is paid twice). 404 when nothing waits under this key.',
    },
    async ({ params: { key } }, { res, reply }) => {
      requireOperator(res.locals.user.role);
      const row = await db.paymentMovement.findUnique({ where: { key }, select: { status: true, type: true } });
      if (!row || !NOT_DONE.includes(row.status) || row.type === 'charge') throw new HttpProblem(404, 'NOT_FOUND', 'No payout or refund waits under this key');
      if (!(await retry(temporal, key, res.locals.user.id))) throw new HttpProblem(404, 'NOT_FOUND', 'This movement\'s workflow has ended; it is settled by hand');
      reply({ retrying: true }, 202);
    },
  );
}
