// R31 routes for operators: payouts and refunds the provider has not carried out, and a retry. A party
// sees its contract's waiting movements on the contract itself (`pendingPayments`); a freelancer's new
// payout account (POST /users/{id}) retries their waiting payouts (api/payout-retries.ts).
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { pendingPayoutParams } from '../../domain/payment-schemas.js';
import { NOT_DONE, retryMovement } from '../payout-retries.js';
import { HttpProblem } from '../problem.js';
import type { Router } from '../router.js';

const timestamp = z.string().meta({ format: 'date-time', description: 'RFC 3339, UTC.' });
const nullableText = z.string().nullable();

const pendingPayoutSchema = z.object({
  key: z.string().meta({ description: 'The ledger entry carried out (contract:seq:kind:milestone).' }),
  contractId: z.string(),
  milestoneId: nullableText,
  type: z.enum(['transfer', 'refund']),
  amountCents: z.number().int(),
  status: z.enum(['declined', 'failed']).meta({ description: 'declined (refused: an account that cannot be paid, none yet) or failed (retries spent).' }),
  code: nullableText,
  reason: nullableText,
  attempts: z.number().int(),
  updatedAt: timestamp,
}).meta({ id: 'PendingPayout' });

/** A page is bounded; an operator works the oldest first. */
const PAGE = 100;

export function paymentRoutes(router: Router, db: Db, temporal: Client): void {
  router.add(
    {
      method: 'get', path: '/operator/payouts', summary: 'Payouts and refunds the provider has not carried out (operator)',
      tag: 'Operator', access: 'operator', response: z.object({ data: z.array(pendingPayoutSchema).max(PAGE) }).meta({ id: 'PendingPayouts' }),
      success: 200, rules: ['R31'], errors: [403],
      description: `Operators only. Oldest first, at most ${PAGE}: declined (an account that cannot be paid, or none yet) `
        + 'or failed (the provider did not answer within the retries). Retry one once its cause is fixed.',
    },
    async (_input, { reply }) => {
      const rows = await db.paymentMovement.findMany({
        where: { status: { in: NOT_DONE }, type: { in: ['transfer', 'refund'] } }, orderBy: { updatedAt: 'asc' }, take: PAGE,
      });
      reply({
        data: rows.map((r) => ({
          key: r.key, contractId: r.contractId, milestoneId: r.milestoneId, type: r.type as 'transfer' | 'refund', amountCents: Number(r.amountCents),
          status: r.status as 'declined' | 'failed', code: r.code, reason: r.reason, attempts: r.attempts, updatedAt: r.updatedAt.toISOString(),
        })),
      });
    },
  );

  router.add(
    {
      method: 'post', path: '/operator/payouts/:key/retry', summary: 'Try a payout or refund again (operator)',
      tag: 'Operator', access: 'operator', params: pendingPayoutParams, response: z.object({ retrying: z.literal(true) }), success: 202,
      rules: ['R31'], errors: [403],
      description: 'Operators only. The movement\'s workflow asks the provider again (a new request after a refusal; '
        + 'the same one after an outage, so nothing is paid twice). 404 when nothing waits under this key.',
    },
    async ({ params: { key } }, { res, reply }) => {
      const row = await db.paymentMovement.findUnique({ where: { key }, select: { status: true, type: true } });
      if (!row || !NOT_DONE.includes(row.status) || row.type === 'charge') throw new HttpProblem(404, 'NOT_FOUND', 'No payout or refund waits under this key');
      if (!(await retryMovement(temporal, key, res.locals.user.id))) {
        throw new HttpProblem(404, 'NOT_FOUND', 'This movement\'s workflow has ended; it is settled by hand');
      }
      reply({ retrying: true }, 202);
    },
  );
}
