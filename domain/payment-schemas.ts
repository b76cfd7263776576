// R31 at the boundary: the key naming a movement an operator retries (a ledger entry's key). Users' provider
// ids (a payment method, a payout account) are identity's fields (domain/identity-schemas.ts).
import { z } from 'zod';

export const pendingPayoutParams = z.object({
  key: z.string().min(1).max(255).regex(/^[A-Za-z0-9_:.-]+$/, { message: 'a ledger entry\'s key' }),
}).strict();
