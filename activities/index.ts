// Activities, built by a factory so tests hand in a real database and a mailer of their choosing.
// Each is one transaction or one delivery, and idempotent: a retry writes and sends nothing twice.
import type { Db } from '../db/client.js';
import type { Mailer } from './mail.js';
import { createNotifications } from './notifications.js';
import { createNoticeSweep } from './notice-sweep.js';
import { createPersistence } from './persistence.js';
import { createRequestWatch } from './requests.js';
import { createOperatorCheck } from './operators.js';
import type { AnswerSweepActivities, ContractActivities, NoticeSweepActivities } from './types.js';
import { createAnswerSweep } from './answer-sweep.js';
import type { WebhookDispatcher } from '../webhooks/outbox.js';
import { createWebhookActivities, type WebhookActivities } from './webhooks.js';
import type { DeliveryLimits } from '../webhooks/settings.js';
import type { SecretBox } from '../webhooks/secret-box.js';
import type { PaymentsPort } from '../domain/payments.js';
import { ledgerPayments } from '../payments/ledger.js';
import { createPaymentActivities, type PaymentActivities } from './payments.js';

export interface ActivityDeps {
  db: Db;
  /** Absent in development (no RESEND_API_KEY): emails are recorded as skipped, in-app messages still go out. */
  mail?: Mailer;
  /** R29: starts delivery workflows after a transition commits (absent: events are stored, not sent). */
  webhooks?: { dispatcher?: WebhookDispatcher; allowLoopback: boolean; limits?: DeliveryLimits; secrets?: SecretBox };
  /** R31: who carries money across the boundary (default: the ledger alone, payments/ledger.ts). */
  payments?: PaymentsPort;
}

export function createActivities(
  { db, mail, webhooks, payments }: ActivityDeps,
): ContractActivities & NoticeSweepActivities & AnswerSweepActivities & WebhookActivities & PaymentActivities {
  return {
    ...createPersistence(db, webhooks?.dispatcher), ...createNotifications(db, mail), ...createNoticeSweep(db), ...createAnswerSweep(db),
    ...createRequestWatch(), ...createOperatorCheck(db), ...createPaymentActivities(db, payments ?? ledgerPayments()),
    ...createWebhookActivities(db, {
      allowLoopback: webhooks?.allowLoopback ?? false, ...(webhooks?.limits ? { limits: webhooks.limits } : {}),
    }, webhooks?.secrets ? (s) => webhooks.secrets!.open(s) : undefined),
  };
}
