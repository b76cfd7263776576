// Stripe's webhook (R31): POST /payments/stripe/webhook, signed by Stripe (checked with the SDK's
// constructEvent over the raw body; no bearer token). A PaymentIntent that confirmed later
// (payment_intent.succeeded) or failed (payment_intent.payment_failed) updates its charge's record and is
// signalled to the contract. Anything else is acknowledged and ignored, as Stripe expects (2xx).
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import express, { type Express, type Request, type Response } from 'express';
import Stripe from 'stripe';
import type { Db } from '../db/client.js';
import { contractWorkflowId } from '../domain/names.js';
import { NOT_SETTLED_CODE } from '../domain/payments.js';
import { paymentSettledSignal } from '../workflows/messages.js';

export const STRIPE_WEBHOOK_PATH = '/payments/stripe/webhook';
/** Stripe's events are a few KB; its own limit on a payload is far below this. */
const MAX_EVENT_BYTES = '256kb';
/** The signal to the contract is answered within this, or Stripe is told to send the event again (5xx). */
const SIGNAL_DEADLINE_MS = 10_000;

export function mountStripeWebhook(app: Express, db: Db, temporal: Client, secret: string): void {
  app.post(STRIPE_WEBHOOK_PATH, express.raw({ type: '*/*', limit: MAX_EVENT_BYTES }), async (req: Request, res: Response) => {
    let event: Stripe.Event;
    try {
      event = Stripe.webhooks.constructEvent(req.body as Buffer, req.header('stripe-signature') ?? '', secret);
    } catch (err) {
      res.status(400).type('application/problem+json').json({
        type: 'about:blank', status: 400, title: 'The Stripe signature does not verify', code: 'WEBHOOK_SIGNATURE_INVALID', detail: (err as Error).message,
      });
      return;
    }
    if (event.type !== 'payment_intent.succeeded' && event.type !== 'payment_intent.payment_failed') {
      res.json({ received: true, handled: false });
      return;
    }
    const pi = event.data.object;
    const succeeded = event.type === 'payment_intent.succeeded';
    const reason = pi.last_payment_error?.message ?? undefined;
    const row = await db.paymentMovement.findFirst({
      where: { reference: pi.id, type: 'charge' }, select: { key: true, contractId: true, status: true, code: true },
    });
    if (!row) {
      // Ours (it names a ledger entry) but not recorded yet: the charge's activity records it as it returns,
      // so Stripe is asked to send the event again (it retries a non-2xx for days). Anything else is another
      // product's on the same account.
      if (pi.metadata?.ledger_key) {
        res.status(503).type('application/problem+json').json({
          type: 'about:blank', status: 503, title: 'This payment is not recorded yet; send the event again', code: 'PAYMENT_NOT_RECORDED_YET',
        });
        return;
      }
      res.json({ received: true, handled: false });
      return;
    }
    if (row.status === 'pending') {
      await db.paymentMovement.updateMany({
        where: { key: row.key, status: 'pending' },
        data: succeeded ? { status: 'succeeded' } : { status: 'declined', code: pi.last_payment_error?.code ?? 'payment_failed', reason: reason ?? 'the payment failed' },
      });
    } else if (succeeded && row.code === NOT_SETTLED_CODE) {
      // The deposit of an offer that was refused because it would confirm later has now been paid: the
      // record says so (and is recent again), so reconciliation reports the charge and an operator refunds it.
      await db.paymentMovement.updateMany({
        where: { key: row.key, code: NOT_SETTLED_CODE },
        data: { reason: 'paid at the provider after the offer was refused: no contract holds it; refund it' },
      });
    }
    try {
      await temporal.connection.withDeadline(Date.now() + SIGNAL_DEADLINE_MS, () =>
        temporal.workflow.getHandle(contractWorkflowId(row.contractId)).signal(paymentSettledSignal, {
          key: row.key, reference: pi.id, succeeded, ...(reason ? { reason } : {}),
        }));
    } catch (err) {
      // An ended contract has no workflow to tell: the record above is the whole of it. Anything else is
      // answered 5xx by the error middleware, and Stripe sends the event again.
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
    res.json({ received: true, handled: true });
  });
}
