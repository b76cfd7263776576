// R31 at the boundary: the provider ids a user stores (a payment method, its customer, a payout account).
// They are the provider's, so only their shape is checked here; the provider refuses one it does not know
// at the first movement, and that refusal is shown and can be retried.
import { z } from 'zod';

const providerId = (what: string, example: string) => z.string().min(3).max(255).regex(/^[A-Za-z0-9_]+$/, {
  message: `${what} is a provider id: letters, digits and underscores (e.g. ${example})`,
}).meta({ description: `${what} at the payment provider, e.g. \`${example}\`; null removes it.`, example });

export const paymentDetailsBody = z.object({
  paymentMethodId: providerId('the client\'s saved payment method', 'pm_1Pq2Rs3T').nullable().optional(),
  paymentCustomerId: providerId('the customer the payment method belongs to', 'cus_Q1w2E3').nullable().optional(),
  payoutAccountId: providerId('the freelancer\'s payout account (a connected account)', 'acct_1Abc2Def').nullable().optional(),
}).strict().meta({ id: 'PaymentDetailsInput' });

export const pendingPayoutParams = z.object({
  key: z.string().min(1).max(255).regex(/^[A-Za-z0-9_:.-]+$/, { message: 'a ledger entry\'s key' }),
}).strict();
