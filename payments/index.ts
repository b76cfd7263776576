// The adapter the environment asks for (payments/config.ts): ledger by default, Stripe with a key.
import type { PaymentsPort } from '../domain/payments.js';
import { type PaymentsConfig, paymentsConfig } from './config.js';
import { ledgerPayments } from './ledger.js';
import { stripePayments } from './stripe.js';

export function paymentsPort(config: PaymentsConfig = paymentsConfig()): PaymentsPort {
  if (config.provider === 'stripe') {
    return stripePayments({ secretKey: config.stripe!.secretKey, ...(config.stripe!.apiBase ? { apiBase: config.stripe!.apiBase } : {}) });
  }
  return ledgerPayments();
}
