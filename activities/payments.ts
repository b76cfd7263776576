// Money across the platform's boundary (R31): one activity per ledger entry that a provider carries out,
// and the reconciliation of the ledger with the provider's records. What the provider did is written to
// payment_movements under the ledger entry's key; the provider's own idempotency key is derived from the
// same entry, so a retried attempt is the same request to the provider.
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Db } from '../db/client.js';
import {
  type MoneyMovement, type MoneyResult, PAYMENT_FAILURES, type PaymentOutcome, type PaymentsPort, type ProviderMovement,
} from '../domain/payments.js';
import {
  type LedgerDifference, type OtherRefund, type RefundPart, compareWithProvider, refundPartsSchema, splitRefund,
} from '../domain/payment-records.js';

export interface PaymentActivities {
  moveMoney(m: MoneyMovement): Promise<MoneyResult>;
  /** A charge that confirmed later (the provider's webhook): its row, and whether it changed. */
  confirmCharge(c: { reference: string; succeeded: boolean; reason?: string }): Promise<{ key: string; contractId: string } | null>;
  /** Contracts with movements in the last `sinceMs`, at most `limit` (reconciliation's pass). */
  contractsWithMovements(q: { sinceMs: number; limit: number }): Promise<string[]>;
  /** Compares one contract's movements with the provider's records; logs and counts every difference. */
  reconcileContract(contractId: string): Promise<LedgerDifference[]>;
}

export function createPaymentActivities(db: Db, port: PaymentsPort): PaymentActivities {
  async function record(m: MoneyMovement, out: PaymentOutcome): Promise<void> {
    const base = { contractId: m.contractId, milestoneId: m.milestoneId, type: m.type, provider: port.provider, amountCents: BigInt(m.amountCents) };
    const fields = out.status === 'succeeded' || out.status === 'pending'
      ? { status: out.status, reference: out.reference, code: null, reason: null }
      : { status: out.status, code: out.status === 'declined' ? out.code : 'provider_error', reason: out.reason,
        ...(out.status === 'declined' && out.reference ? { reference: out.reference } : {}) };
    await db.$transaction(async (tx) => {
      const row = await tx.paymentMovement.findUnique({ where: { key: m.key }, select: { status: true } });
      // Done stays done: a late answer to an earlier attempt never undoes a success.
      if (row?.status === 'succeeded') return;
      // A refusal stays the record while a retry after it meets an outage: the retry's key is derived
      // from the refusals so far (`attempts`), and must stay the same until that request is answered.
      if (row?.status === 'declined' && out.status === 'failed') return;
      await tx.paymentMovement.upsert({
        where: { key: m.key },
        create: { key: m.key, ...base, ...fields },
        update: { ...fields, ...(out.status === 'declined' ? { attempts: { increment: 1 } } : {}) },
      });
    });
  }

  async function request(m: MoneyMovement): Promise<PaymentOutcome> {
    const row = await db.paymentMovement.findUnique({ where: { key: m.key }, select: { status: true, attempts: true, reference: true } });
    // Done is done: the provider is not asked again (its memory of a key is not for ever, ours is).
    if (row?.status === 'succeeded') return { status: 'succeeded', reference: row.reference ?? '' };
    // After a refusal the provider would replay it under the same key: asking again is a new request. A
    // retry after an outage keeps the key (the first request may have been carried out).
    const attempt = row?.status === 'declined' ? row.attempts : 0;
    const key = m.key;
    const again = attempt ? { attempt } : {};
    if (m.type === 'refund') return refundParts(m, again);
    const party = await db.user.findUnique({
      where: { id: m.partyId }, select: { paymentMethodId: true, payoutAccountId: true },
    });
    if (m.type === 'charge') {
      return port.charge({ key, ...again, contractId: m.contractId, milestoneId: m.milestoneId, amountCents: m.amountCents, feeCents: m.feeCents ?? 0,
        paymentMethodId: party?.paymentMethodId ?? null });
    }
    return port.transfer({ key, ...again, contractId: m.contractId, milestoneId: m.milestoneId, amountCents: m.amountCents,
      payoutAccountId: party?.payoutAccountId ?? null });
  }

  /**
   * A refund, part by part of its stored split. A part carried out is written down at once and never asked
   * again; the others keep their keys until the provider refuses them (then `again` numbers a new request).
   */
  async function refundParts(m: MoneyMovement, again: { attempt?: number }): Promise<PaymentOutcome> {
    const parts = await splitOnce(m);
    if (!parts) return { status: 'declined', code: 'nothing_to_refund', reason: `the contract's charges cannot refund ${m.amountCents} cents` };
    for (const [part, p] of parts.entries()) {
      if (p.refund) continue;
      const out = await port.refund({ key: m.key, part, ...again, contractId: m.contractId, milestoneId: m.milestoneId, charge: p.charge, amountCents: p.amountCents });
      if (out.status !== 'succeeded') return out;
      parts[part] = { ...p, refund: out.reference };
      await db.paymentMovement.update({ where: { key: m.key }, data: { parts: parts as object[] } });
    }
    return { status: 'succeeded', reference: parts.map((p) => p.refund).join(',') };
  }

  /**
   * The refund's split, decided before its first request and stored with its row (status pending until the
   * provider answers); read back on every later attempt. Decided under a lock per contract against every
   * other refund's split, so two refunds deciding at once never count on the same money.
   */
  async function splitOnce(m: MoneyMovement): Promise<RefundPart[] | null> {
    return db.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`refund-split:${m.contractId}`}, 0))`;
      const row = await tx.paymentMovement.findUnique({ where: { key: m.key }, select: { parts: true } });
      if (row?.parts) return refundPartsSchema.parse(row.parts);
      const rows = await tx.paymentMovement.findMany({
        where: { contractId: m.contractId, type: { in: ['charge', 'refund'] }, NOT: { key: m.key } },
        orderBy: [{ createdAt: 'asc' }, { key: 'asc' }], select: { type: true, status: true, reference: true, amountCents: true, parts: true },
      });
      const charges = rows.filter((r) => r.type === 'charge' && r.status === 'succeeded' && r.reference)
        .map((r) => ({ reference: r.reference!, amountCents: Number(r.amountCents) }));
      const others = rows.filter((r) => r.type === 'refund').flatMap((r): OtherRefund[] => {
        if (r.parts) return [{ parts: refundPartsSchema.parse(r.parts) }];
        return r.status === 'succeeded' ? [{ amountCents: Number(r.amountCents) }] : []; // stored before splits were
      });
      const parts = splitRefund(m.amountCents, charges, others);
      if (!parts) return null;
      await tx.paymentMovement.upsert({
        where: { key: m.key },
        create: {
          key: m.key, contractId: m.contractId, milestoneId: m.milestoneId, type: m.type, provider: port.provider,
          amountCents: BigInt(m.amountCents), status: 'pending', attempts: 0, parts: parts as object[],
        },
        update: { parts: parts as object[] },
      });
      return parts;
    });
  }

  return {
    async moveMoney(m) {
      const out = await request(m);
      await record(m, out);
      const where = { contractId: m.contractId, key: m.key, type: m.type, provider: port.provider };
      if (out.status === 'succeeded' || out.status === 'pending') {
        log('info', `${m.type} ${out.status}`, { ...where, reference: out.reference });
        return { status: out.status, reference: out.reference };
      }
      if (out.status === 'declined') {
        log('warn', `${m.type} declined`, { ...where, code: out.code, reason: out.reason });
        throw ApplicationFailure.nonRetryable(out.reason, PAYMENT_FAILURES[m.type], { code: out.code, reason: out.reason });
      }
      log(out.retryable ? 'warn' : 'error', `${m.type} failed`, { ...where, retryable: out.retryable, reason: out.reason });
      if (!out.retryable) throw ApplicationFailure.nonRetryable(out.reason, PAYMENT_FAILURES.broken, { code: 'provider_error', reason: out.reason });
      throw ApplicationFailure.retryable(out.reason, 'PAYMENT_PROVIDER_UNAVAILABLE');
    },

    async confirmCharge({ reference, succeeded, reason }) {
      const row = await db.paymentMovement.findFirst({ where: { reference, type: 'charge' }, select: { key: true, contractId: true, status: true } });
      if (!row) return null;
      if (row.status === 'pending') {
        await db.paymentMovement.update({
          where: { key: row.key },
          data: succeeded ? { status: 'succeeded' } : { status: 'declined', code: 'payment_failed', reason: reason ?? 'the payment failed' },
        });
      }
      return { key: row.key, contractId: row.contractId };
    },

    async contractsWithMovements({ sinceMs, limit }) {
      const rows = await db.paymentMovement.findMany({
        where: { updatedAt: { gte: new Date(Date.now() - sinceMs) }, provider: port.provider },
        distinct: ['contractId'], select: { contractId: true }, orderBy: { contractId: 'asc' }, take: limit,
      });
      return rows.map((r) => r.contractId);
    },

    async reconcileContract(contractId) {
      if (port.provider === 'ledger') return []; // the ledger is the provider: nothing else to compare with
      const [rows, theirs] = await Promise.all([
        db.paymentMovement.findMany({ where: { contractId, status: 'succeeded' }, select: { key: true, type: true, reference: true, amountCents: true } }),
        port.movements(contractId),
      ]);
      const ours = rows.map((r) => ({ key: r.key, type: r.type as ProviderMovement['type'], reference: r.reference ?? '', amountCents: Number(r.amountCents) }));
      const diffs = compareWithProvider(ours, theirs);
      if (diffs.length) {
        for (const d of diffs) log('error', 'ledger and provider disagree', { contractId, ...d });
        try {
          Context.current().metricMeter.createCounter('payments_reconciliation_differences', 'differences',
            'Movements the ledger and the payment provider record differently').add(diffs.length, { provider: port.provider });
        } catch { /* called outside a worker (tests): the log above is the report */ }
      }
      return diffs;
    },
  };
}

function log(level: 'info' | 'warn' | 'error', msg: string, fields: Record<string, unknown>): void {
  try {
    Context.current().log[level](msg, fields);
  } catch {
    console.error(JSON.stringify({ level, msg, ...fields })); // called outside a worker (tests)
  }
}
