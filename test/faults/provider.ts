// The payment provider in the fault suite (R31): stripe-mock behind the recording proxy, a stream of
// provider faults (500s, lost answers, answers held past the SDK's patience) while lifecycles run, and the
// check that the ledger and the provider agree afterwards — one PaymentIntent per deposit, one Transfer
// per release, the Refunds of each refund adding up to it, no charge refunded beyond what it took, nothing
// at the provider the ledger does not name.
import type { Db } from '../../db/client.js';
import { startStripeMock } from '../support/stripe-mock.js';
import { type Fault, type StripeProxy, startStripeProxy } from '../support/stripe-proxy.js';

const FAULTS: Fault[] = ['500', 'lost', 'timeout'];
const PATHS = ['/v1/payment_intents', '/v1/transfers', '/v1/refunds'];
/** A fault is queued this often while fewer than two wait. */
const FAULT_EVERY_MS = 300;
/** Payouts and refunds run behind the commands; every one is done within this (retries are bounded). */
const SETTLE_MS = 5 * 60_000;

export interface ProviderFindings {
  /** Ledger entries the provider carried out more than once, or with another amount. */
  duplicateMovements: string[];
  /** Ledger entries the provider never carried out, or whose movement is not recorded as done. */
  missingMovements: string[];
  /** Objects at the provider no ledger entry names. */
  unknownToLedger: string[];
  /** Charges refunded beyond what they took, all refunds together (Stripe would refuse it; stripe-mock does not). */
  overRefunded: string[];
}

export class Provider {
  private injecting = false;
  injected = 0;
  private loop: Promise<void> = Promise.resolve();

  private constructor(readonly proxy: StripeProxy, private readonly stopMock: () => Promise<void>) {}

  static async start(): Promise<Provider> {
    const mock = await startStripeMock();
    return new Provider(await startStripeProxy(mock.url), mock.stop);
  }

  /** The worker's and API's environment for this provider. */
  env(): Record<string, string> {
    return { PAYMENTS: 'stripe', STRIPE_SECRET_KEY: 'sk_test_faults', STRIPE_API_BASE: this.proxy.url };
  }

  startFaults(): void {
    this.injecting = true;
    this.loop = (async () => {
      while (this.injecting) { // stopped by stopFaults(); each turn is one short sleep
        if (this.proxy.pendingFaults() < 2) {
          this.proxy.inject(FAULTS[this.injected % FAULTS.length]!, PATHS[Math.floor(this.injected / FAULTS.length) % PATHS.length]!);
          this.injected += 1;
        }
        await new Promise((r) => setTimeout(r, FAULT_EVERY_MS));
      }
    })();
  }

  async stopFaults(): Promise<void> {
    this.injecting = false;
    await this.loop;
  }

  /** Faults the proxy actually applied to a request. */
  met = (): number => this.proxy.requests.filter((r) => r.fault).length;

  async check(db: Db, contractIds: string[]): Promise<ProviderFindings> {
    const entries = await db.ledgerEntry.findMany({ where: { contractId: { in: contractIds }, kind: { in: ['deposit', 'release', 'refund', 'fee_refund'] } } });
    // Payouts and refunds run behind the commands (a movement may not have a row yet): wait for every entry's.
    const keys = entries.map((e) => e.key);
    const until = Date.now() + SETTLE_MS;
    while (Date.now() < until && await db.paymentMovement.count({ where: { key: { in: keys }, status: 'succeeded' } }) < keys.length) {
      await new Promise((r) => setTimeout(r, 1_000));
    }
    const done = new Set((await db.paymentMovement.findMany({ where: { contractId: { in: contractIds }, status: 'succeeded' }, select: { key: true } })).map((r) => r.key));
    // A closed offer's fee goes back as a refund of its own (R30).
    const kinds = { deposit: 'payment_intent', release: 'transfer', refund: 'refund', fee_refund: 'refund' } as const;
    const f: ProviderFindings = { duplicateMovements: [], missingMovements: [], unknownToLedger: [], overRefunded: [] };
    for (const e of entries) {
      const made = this.proxy.createdFor(kinds[e.kind as keyof typeof kinds], e.key);
      const total = made.reduce((sum, o) => sum + Number(o.object.amount), 0);
      if (made.length === 0 || !done.has(e.key)) f.missingMovements.push(`${e.kind} ${e.key}`);
      else if ((!['refund', 'fee_refund'].includes(e.kind) && made.length > 1) || total !== Number(e.amountCents)) f.duplicateMovements.push(`${e.kind} ${e.key}: ${made.length} for ${total} cents`);
    }
    const ours = new Set(contractIds);
    for (const pi of this.proxy.created) {
      if (pi.type !== 'payment_intent' || !ours.has(String(pi.object.transfer_group ?? ''))) continue;
      const refunded = this.proxy.created.filter((r) => r.type === 'refund' && r.object.payment_intent === pi.object.id)
        .reduce((sum, r) => sum + Number(r.object.amount), 0);
      if (refunded > Number(pi.object.amount)) f.overRefunded.push(`charge ${String(pi.object.id)} (${pi.key ?? 'no key'}): ${refunded} refunded of ${String(pi.object.amount)} cents`);
    }
    const named = new Set(entries.map((e) => e.key));
    for (const o of this.proxy.created) {
      const contract = o.key?.split(':')[0] ?? String(o.object.transfer_group ?? '');
      if (ours.has(contract) && (!o.key || !named.has(o.key))) f.unknownToLedger.push(`${o.type} ${String(o.object.id)} (${o.key ?? 'no key'})`);
    }
    return f;
  }

  async stop(): Promise<void> {
    await this.stopFaults();
    await this.proxy.close();
    await this.stopMock();
  }
}
