// Which adapter carries money, from the environment: PAYMENTS=ledger (the default) or stripe, with
// STRIPE_SECRET_KEY (a test-mode key for trying it), STRIPE_WEBHOOK_SECRET (the webhook endpoint's signing
// secret) and STRIPE_API_BASE (another API host: stripe-mock in the tests).
import type { Provider } from '../domain/payments.js';

export interface PaymentsConfig {
  provider: Provider;
  stripe?: { secretKey: string; webhookSecret?: string; apiBase?: string };
}

export function paymentsConfig(env: NodeJS.ProcessEnv = process.env): PaymentsConfig {
  const provider = (env.PAYMENTS ?? 'ledger').trim() || 'ledger';
  if (provider === 'ledger') return { provider };
  if (provider !== 'stripe') throw new Error(`PAYMENTS=${provider}: expected ledger or stripe`);
  const secretKey = env.STRIPE_SECRET_KEY;
  if (!secretKey) throw new Error('PAYMENTS=stripe needs STRIPE_SECRET_KEY (a test-mode key starts with sk_test_)');
  return {
    provider,
    stripe: {
      secretKey,
      ...(env.STRIPE_WEBHOOK_SECRET ? { webhookSecret: env.STRIPE_WEBHOOK_SECRET } : {}),
      ...(env.STRIPE_API_BASE ? { apiBase: env.STRIPE_API_BASE } : {}),
    },
  };
}
