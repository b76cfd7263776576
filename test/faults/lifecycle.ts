// One contract's life, driven through the HTTP API by its two parties while the suite breaks things: an
// offer with its milestones, the first deposited (R30), accepted — or declined, withdrawn or left to expire,
// which ends it refunded — then a change request (approved, edited then approved, rejected, withdrawn, expired, or
// auto-canceled by submitted work or a release), a proposal (accepted, declined or withdrawn), the
// remaining milestones, then the end (or left open on purpose, for the final checks). The first milestone's
// work is reviewed (R25–R28): released, sent back for revisions, partly or wholly refunded with the
// freelancer's consent (or the request left to lapse), disputed and resolved by the operator, or left to
// the review window's automatic release (sometimes with the client's own release racing its end). Some
// contracts' client registers a webhook endpoint (R29) at the suite's receiver. Every command
// that succeeds is fed to the independent reference model (test/domain/reference-model.ts) and the
// contract the API answers with must equal the model's; a refusal must be one the model predicts.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { Db } from '../../db/client.js';
import { contractIdFor } from '../../api/routes/commands.js';
import { CONTRACT_TASK_TIMEOUT } from '../../api/routes/contracts.js';
import { issueUser } from '../../api/users.js';
import { DEFAULT_INITIATION_FEE_CENTS } from '../../domain/money.js';
import { TASK_QUEUE, contractWorkflowId } from '../../domain/names.js';
import type { contractWorkflow } from '../../workflows/contract.js';
import { contractStateQuery } from '../../workflows/messages.js';
import { type ModelCommand, type PatchSpec, ReferenceModel, amountFrom, patchValues, pick } from '../domain/reference-model.js';
import { type Answer, type ApiClient, CommandUnanswered } from './client.js';
import { canonical } from './canonical.js';
import { type Rng, between, oneOf } from './rng.js';
import type { WebhookReceiver } from './receiver.js';

export interface Party {
  id: string;
  token: string;
}

export type ChangeEnd = 'approve' | 'approveAfterEdit' | 'reject' | 'withdraw' | 'expire' | 'cancelBySubmit' | 'cancelByRelease';
/** What happens to the first milestone's work (R25–R28). */
export type ReviewEnd = 'release' | 'revise' | 'refundAccept' | 'refundDecline' | 'refundLapse' | 'dispute' | 'autoRelease' | 'autoReleaseRace';
export const REVIEW_ENDS: readonly ReviewEnd[] = ['release', 'release', 'revise', 'refundAccept', 'refundDecline', 'refundLapse', 'dispute', 'dispute', 'autoRelease', 'autoReleaseRace'];
/** Ends that wait for the contract's own deadlines, so the contract runs on a shortened day (the workflow's `dayMs`). */
const ON_THE_CLOCK: readonly ReviewEnd[] = ['refundLapse', 'autoRelease', 'autoReleaseRace'];
export type ProposalEnd = 'accept' | 'decline' | 'withdraw' | 'none';
/** R30: how the offer the contract starts as is answered; all but `accept` end the contract, refunded. */
export type OfferEnd = 'accept' | 'decline' | 'withdraw' | 'expire';
/** R30: an offer left to expire does so after this many of the contract's (shortened) days. */
const OFFER_EXPIRY_DAYS = 2;
/** Most lifecycles end the contract; some stop early so the checks find requests and funds still pending. */
export type Ending = 'end' | 'openWithChange' | 'openWithProposal' | 'openMidway';

export interface LifecyclePlan {
  offer: OfferEnd;
  change: ChangeEnd;
  proposal: ProposalEnd;
  ending: Ending;
  /** The short change-request expiry of an `expire` lifecycle (the contract workflow's test-only option). */
  ttlMs?: number;
  review: ReviewEnd;
  /** The contract's shortened day (the contract workflow's test-only `dayMs`) and its review window in days. */
  dayMs?: number;
  reviewWindowDays?: number;
  /** The client registers a webhook endpoint for the contract at the suite's receiver (R29). */
  webhook: boolean;
}

export interface LifecycleRecord {
  id: string;
  client: Party;
  freelancer: Party;
  plan: LifecyclePlan;
  model: ReferenceModel;
  /** The commands that succeeded, in order: what the model was fed. */
  history: ModelCommand[];
  commands: number;
  /** Where the product and the model disagreed. */
  mismatches: string[];
  /** A command that got no answer within the client's bounds (the contract is stuck). */
  unanswered?: string;
  pendingRequestId?: string;
  pendingProposalId?: string;
  expired?: boolean;
  finished: boolean;
  /** Commands sent, by kind (fund, submit, release, revision, refund, dispute, resolve…), and what the contract's own timers did. */
  kinds: Record<string, number>;
  /** Milestones released by the review window's end (R25), and when that end was due (performance.now()). */
  autoReleased: { milestoneId: string; dueAt: number }[];
  /** An `autoReleaseRace`: whose release landed, the client's or the window's. */
  race?: 'manual' | 'auto';
  /** The webhook endpoint registered for this contract (R29). */
  webhookEndpointId?: string;
}

export interface LifecycleDeps {
  api: ApiClient;
  db: Db;
  temporal: Client;
  rng: Rng;
  /** Called while an `expire` lifecycle waits for its request (or its offer, R30) to expire. */
  onAwaitingExpiry?: (record: LifecycleRecord) => void;
  /** Called while a lifecycle waits for a review window's end (performance.now() when it is due). */
  onAwaitingAutoRelease?: (record: LifecycleRecord, dueAt: number) => void;
  /** The operator who resolves disputes (R28). */
  operator: Party;
  /** Where webhook endpoints point (R29). */
  receiver: WebhookReceiver;
}

class Stop extends Error {}

const FEE = DEFAULT_INITIATION_FEE_CENTS;

/**
 * Draws a lifecycle. `expireShare` is the part whose change request is left to expire; `reviews` the
 * first milestone's review ends to draw from; `webhookShare` the part whose client registers an endpoint.
 */
export function drawPlan(
  rng: Rng, opts: { expireShare: number; ttlMs: number; reviews?: readonly ReviewEnd[]; webhookShare?: number; offerCloseShare?: number },
): LifecyclePlan {
  const webhook = rng() < (opts.webhookShare ?? 0.35);
  // R30: some offers are declined, withdrawn or left to expire (on a day of half the request TTL: due when a request's would be).
  if (rng() < (opts.offerCloseShare ?? 0.15)) {
    const offer = oneOf(rng, ['decline', 'withdraw', 'expire'] as const);
    return {
      offer, change: 'approve', proposal: 'none', ending: 'end', review: 'release', webhook,
      ...(offer === 'expire' ? { dayMs: Math.max(1_000, Math.round(opts.ttlMs / OFFER_EXPIRY_DAYS)) } : {}),
    };
  }
  const change: ChangeEnd = rng() < opts.expireShare
    ? 'expire'
    : oneOf(rng, ['approve', 'approve', 'approveAfterEdit', 'reject', 'reject', 'withdraw', 'cancelBySubmit', 'cancelBySubmit', 'cancelByRelease'] as const);
  const proposal = oneOf(rng, ['accept', 'accept', 'decline', 'withdraw', 'none'] as const);
  const review = oneOf(rng, opts.reviews ?? REVIEW_ENDS);
  const clocked = ON_THE_CLOCK.includes(review);
  const r = rng();
  // A contract on a shortened day ends: one left open would see its next window end after the checks' model.
  const ending: Ending = change === 'expire' || clocked || r < 0.8 ? 'end' : r < 0.87 ? 'openWithChange' : r < 0.94 ? 'openWithProposal' : 'openMidway';
  // Two-day windows of 2 s days: the reminder 2 s and the release 4 s after submission. A lapse waits 7 days
  // of 1 s beside a 30-day window, so the window stays out of its way.
  const clock = review === 'refundLapse' ? { dayMs: 1_000, reviewWindowDays: 30 } : clocked ? { dayMs: 2_000, reviewWindowDays: 2 } : {};
  return {
    offer: 'accept', change, proposal, ending, review, webhook, ...clock, ...(change === 'expire' ? { ttlMs: opts.ttlMs } : {}),
  };
}

export async function runLifecycle(deps: LifecycleDeps, plan: LifecyclePlan, registry: Set<LifecycleRecord>): Promise<LifecycleRecord> {
  const [client, freelancer] = await Promise.all([newUser(deps.db, 'Client'), newUser(deps.db, 'Freelancer')]);
  const record: LifecycleRecord = {
    id: '', client, freelancer, plan, model: new ReferenceModel(FEE), history: [], commands: 0, mismatches: [], finished: false,
    kinds: {}, autoReleased: [],
  };
  registry.add(record);
  try {
    await new Driver(deps, record).run();
  } catch (err) {
    if (err instanceof CommandUnanswered) record.unanswered = err.message;
    else if (!(err instanceof Stop)) record.mismatches.push(`lifecycle failed: ${(err as Error).stack ?? String(err)}`);
  } finally {
    registry.delete(record);
    record.finished = true;
  }
  return record;
}

class Driver {
  private readonly m: ReferenceModel;
  /** The review end not yet played: the first milestone still funded when work is finished gets it. */
  private reviewLeft: ReviewEnd | undefined;

  constructor(
    private readonly deps: LifecycleDeps,
    private readonly r: LifecycleRecord,
  ) {
    this.m = r.model;
    this.reviewLeft = r.plan.review;
  }

  private get rng(): Rng {
    return this.deps.rng;
  }

  async run(): Promise<void> {
    const { plan } = this.r;
    const n = between(this.rng, 2, 3);
    const amounts = Array.from({ length: n }, () => between(this.rng, 10, 200) * 100);
    const key = randomUUID();
    this.r.id = contractIdFor(this.r.client.id, key);
    if (plan.webhook) await this.registerWebhook(); // before the offer, so the endpoint sees it sent
    await this.create(amounts, key); // R30: an offer of these milestones, the first deposited
    if (plan.offer !== 'accept') return this.closeOffer(plan.offer);
    await this.freelancer('/offer/accept', { version: 1 }, [{ type: 'acceptOffer' }], 'acceptOffer');

    await this.changeRequest(plan.ending === 'openWithChange' ? 'leave' : plan.change);
    if (plan.ending === 'openWithChange') return;
    await this.finishCurrent();
    if (plan.ending === 'openMidway' && this.rng() < 0.5) return;

    if (plan.proposal !== 'none' || plan.ending === 'openWithProposal') {
      await this.proposal(plan.ending === 'openWithProposal' ? 'leave' : plan.proposal);
      if (plan.ending === 'openWithProposal') return;
    }
    for (let i = 0; i < 6 && this.m.pending().length > 0; i++) {
      await this.client('/fund', {}, [{ type: 'fund' }], 'fund');
      if (plan.ending === 'openMidway') return;
      await this.finishCurrent();
    }
    if (this.m.prompt && this.rng() < 0.2) await this.client('/keep-open', {}, [{ type: 'keepOpen' }], 'keepOpen');
    if (this.m.projectFunds >= 2 && this.rng() < 0.4) {
      await this.client('/withdraw-funds', { amountCents: amountFrom(this.m.projectFunds, 500) }, [{ type: 'withdraw', permille: 500 }], 'withdrawFunds');
    }
    await this.client('/end', {}, [{ type: 'end' }], 'end');
  }

  private async create(amounts: number[], key: ReturnType<typeof randomUUID>): Promise<void> {
    const { ttlMs, dayMs, reviewWindowDays, offer } = this.r.plan;
    if (ttlMs !== undefined || dayMs !== undefined) await this.startWorkflowFirst({ ...(ttlMs === undefined ? {} : { changeRequestTtlMs: ttlMs }), ...(dayMs === undefined ? {} : { dayMs }) });
    const body = {
      title: 'Faults', freelancerId: this.r.freelancer.id, milestones: amounts.map((amountCents) => ({ title: 'M', amountCents })),
      ...(reviewWindowDays === undefined ? {} : { reviewWindowDays }), ...(offer === 'expire' ? { expiresInDays: OFFER_EXPIRY_DAYS } : {}),
    };
    const created = await this.deps.api.command(this.r.client.token, '/contracts', body, key);
    this.count('create');
    if (created.status !== 201 || created.body?.id !== this.r.id) {
      this.r.mismatches.push(`create: ${created.status} ${JSON.stringify(created.body).slice(0, 300)}`);
      throw new Stop();
    }
    const sent: ModelCommand = { type: 'offer', amounts };
    if (!this.m.apply(sent)) this.r.mismatches.push(`create: the API sent the offer, the model refuses it (${this.m.refusal})`);
    this.r.history.push(sent);
    this.compare('create', created.body);
  }

  /** R30: the offer declined, withdrawn, or left to expire on its timer; everything deposited goes back. */
  private async closeOffer(end: Exclude<OfferEnd, 'accept'>): Promise<void> {
    if (end === 'decline') await this.freelancer('/offer/decline', { version: 1 }, [{ type: 'closeOffer' }], 'declineOffer');
    else if (end === 'withdraw') await this.client('/offer/withdraw', {}, [{ type: 'closeOffer' }], 'withdrawOffer');
    else await this.awaitOfferExpiry();
  }

  /** R30 by the clock: the offer must end on its own (its timer, due even while Temporal is down); the model then closes it. */
  private async awaitOfferExpiry(): Promise<void> {
    this.deps.onAwaitingExpiry?.(this.r);
    const until = performance.now() + OFFER_EXPIRY_DAYS * (this.r.plan.dayMs ?? 0) + 150_000;
    while (performance.now() < until) {
      const view = await this.deps.api.read(this.r.client.token, `/contracts/${this.r.id}`);
      if (view.status === 200 && view.body.status === 'ended') {
        if (view.body.offer?.state !== 'expired') this.r.mismatches.push(`offer expiry: the offer ended ${view.body.offer?.state}, not expired`);
        if (!this.m.apply({ type: 'closeOffer' })) this.r.mismatches.push(`offer expiry: the model refuses it (${this.m.refusal})`);
        this.r.history.push({ type: 'closeOffer' });
        this.count('offerExpiry');
        this.r.expired = true;
        this.compare('offer expiry', view.body);
        return;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new CommandUnanswered(`offer of ${this.r.id} did not expire within its ${OFFER_EXPIRY_DAYS} days of ${this.r.plan.dayMs} ms and 150 s`);
  }

  /**
   * R29: the client registers an endpoint at the suite's receiver before sending the offer, for all of its
   * contracts (a client of one lifecycle has this one only); its secret is shown once.
   */
  private async registerWebhook(): Promise<void> {
    const { receiver } = this.deps;
    const answer = await this.deps.api.command(this.r.client.token, '/webhook-endpoints', { url: receiver.urlFor(this.r.id), eventTypes: ['*'] });
    this.count('webhookRegister');
    if (answer.status !== 201 || typeof answer.body?.secret !== 'string') {
      this.r.mismatches.push(`register a webhook endpoint: ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`);
      throw new Stop();
    }
    receiver.addSecret(this.r.id, answer.body.secret);
    this.r.webhookEndpointId = answer.body.id;
  }

  /** The contract workflow started by the suite with its test-only options (a short expiry, a short day), as decisions-api.test.ts does. */
  private async startWorkflowFirst(options: { changeRequestTtlMs?: number; dayMs?: number }): Promise<void> {
    const until = Date.now() + 120_000;
    for (;;) {
      try {
        await this.deps.temporal.workflow.start<typeof contractWorkflow>('contractWorkflow', {
          workflowId: contractWorkflowId(this.r.id), taskQueue: TASK_QUEUE, args: [options],
          workflowTaskTimeout: CONTRACT_TASK_TIMEOUT, // as the API starts contracts
        });
        return;
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError) return;
        if (Date.now() > until) throw new CommandUnanswered(`start the contract workflow: ${String(err)}`);
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  private async changeRequest(end: ChangeEnd | 'leave'): Promise<void> {
    const cur = this.m.current()!;
    const spec = this.patchFor(cur);
    // A short expiry may pass before a retried request is answered: its view is compared once it expired.
    const sent = await this.client('/change-requests', { milestoneId: cur.id, changes: patchValues(spec, cur.amount) },
      [{ type: 'requestChange', on: 'current', patch: spec, featureEnabled: true }], 'requestChange', end !== 'expire');
    const id = sent.body.requestId as string;
    this.r.pendingRequestId = id;
    const answer = (approve: boolean) => this.freelancer(`/change-requests/${id}/${approve ? 'approve' : 'reject'}`, { version: this.m.change!.edits },
      [{ type: 'answerChange', approve, version: 'seen', later: false }], approve ? 'approve' : 'reject');
    switch (end) {
      case 'leave':
        return;
      case 'approveAfterEdit': {
        const edit = this.patchFor(cur);
        await this.client(`/change-requests/${id}`, { changes: patchValues(edit, cur.amount) }, [{ type: 'editChange', stale: false, patch: edit }], 'editChangeRequest');
        await answer(true);
        break;
      }
      case 'approve':
      case 'reject':
        await answer(end === 'approve');
        break;
      case 'withdraw':
        await this.client(`/change-requests/${id}/withdraw`, {}, [{ type: 'withdrawChange', stale: false, later: false }], 'withdrawChangeRequest');
        break;
      case 'expire':
        await this.awaitExpiry();
        break;
      case 'cancelBySubmit':
        await this.freelancer(`/milestones/${cur.id}/submit`, {}, [{ type: 'submit' }], 'submit (cancels the request)');
        break;
      case 'cancelByRelease':
        await this.client(`/milestones/${cur.id}/release`, {}, [{ type: 'release' }], 'release (cancels the request)');
        break;
    }
    this.r.pendingRequestId = undefined;
  }

  /** R19 with the short expiry: the request must leave the view on its own; the model then expires it. */
  private async awaitExpiry(): Promise<void> {
    this.deps.onAwaitingExpiry?.(this.r);
    const until = performance.now() + (this.r.plan.ttlMs ?? 0) + 150_000;
    while (performance.now() < until) {
      const view = await this.deps.api.read(this.r.client.token, `/contracts/${this.r.id}`);
      if (view.status === 200 && view.body.pendingChangeRequest === null) {
        if (!this.m.apply({ type: 'expire' })) this.r.mismatches.push('expire: the model had no request to expire');
        this.r.history.push({ type: 'expire' });
        this.count('expire');
        this.r.expired = true;
        this.compare('expire', view.body);
        await this.workflowCaughtUp('expire');
        return;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new CommandUnanswered(`change request ${this.r.pendingRequestId} did not expire within its ${this.r.plan.ttlMs} ms and 150 s`);
  }

  /**
   * Tops up a shortfall, then submits and releases the funded milestone (in full, or 30% of the time in
   * part); with a review end, its work goes that way first (R25–R28).
   */
  private async finishCurrent(review: ReviewEnd = this.reviewLeft ?? 'release'): Promise<void> {
    const cur = this.m.current();
    if (!cur) return;
    if (this.m.shortfall(cur) > 0) await this.client('/fund', {}, [{ type: 'fund' }], 'fund (shortfall)');
    this.reviewLeft = undefined; // the first milestone that reaches here is the one reviewed
    if (review !== 'release' && !(await this.review(review))) return;
    if (cur.st === 'active') await this.freelancer(`/milestones/${cur.id}/submit`, {}, [{ type: 'submit' }], 'submit');
    if (this.rng() < 0.3) {
      const permille = between(this.rng, 300, 950);
      await this.client(`/milestones/${cur.id}/release`, { amountCents: amountFrom(cur.funded, permille) }, [{ type: 'release', permille }], 'release (partial)');
    } else {
      await this.client(`/milestones/${cur.id}/release`, {}, [{ type: 'release' }], 'release');
    }
  }

  /** R25–R28 on the current milestone; false when its money has left it (nothing is left to release). */
  private async review(end: ReviewEnd): Promise<boolean> {
    const cur = this.m.current()!;
    const path = `/milestones/${cur.id}`;
    switch (end) {
      case 'revise':
        if (cur.st === 'active') await this.freelancer(`${path}/submit`, {}, [{ type: 'submit' }], 'submit');
        await this.client(`${path}/request-revisions`, { message: 'Please tighten it up' }, [{ type: 'revise' }], 'revision');
        return true;
      case 'refundAccept':
      case 'refundDecline':
      case 'refundLapse': {
        const permille = end === 'refundLapse' || this.rng() < 0.6 ? between(this.rng, 200, 800) : undefined; // else all of it
        const body = permille === undefined ? { reason: 'Scope cut' } : { amountCents: amountFrom(cur.funded, permille), reason: 'Scope cut' };
        const asked = await this.client(`${path}/refund-requests`, body, [{ type: 'refund', ...(permille === undefined ? {} : { permille }) }], 'refund');
        const id = asked.body.requestId as string;
        if (end === 'refundLapse') {
          await this.awaitDeadline('refundLapse', (v) => milestoneOf(v, cur.id)?.pendingRefundRequest === null, 7 * this.r.plan.dayMs!);
          return true;
        }
        const accept = end === 'refundAccept';
        await this.freelancer(`${path}/refund-requests/${id}/${accept ? 'accept' : 'decline'}`, {}, [{ type: 'answerRefund', accept, stale: false }],
          accept ? 'refundAccept' : 'refundDecline');
        return this.m.current() === cur;
      }
      case 'dispute': {
        const by = this.rng() < 0.5 ? 'client' : 'freelancer';
        const opened = await this.command(this.r[by], `${path}/disputes`, { reason: 'Not what we agreed' }, [{ type: 'dispute', by }], 'dispute');
        const disputeId = opened.body.requestId as string;
        const outcome = oneOf(this.rng, ['release', 'refund', 'split'] as const);
        const permille = between(this.rng, 300, 700);
        const releaseCents = amountFrom(cur.funded, permille);
        const body = outcome === 'split' ? { outcome, releaseCents, refundCents: cur.funded - releaseCents, reason: 'Delivered in part' } : { outcome, reason: 'Decided on the evidence' };
        await this.command(this.deps.operator, `/operator/contracts/${this.r.id}${path}/disputes/${disputeId}/resolve`, body,
          [{ type: 'resolve', outcome, permille }], 'resolve', true, true);
        return false;
      }
      case 'autoRelease':
      case 'autoReleaseRace': {
        const contract = cur.st === 'active' ? (await this.freelancer(`${path}/submit`, {}, [{ type: 'submit' }], 'submit')).body.contract : (await this.view()).body;
        const endsAt = Date.parse(milestoneOf(contract, cur.id)?.reviewEndsAt ?? '');
        if (end === 'autoReleaseRace' && Number.isFinite(endsAt)) {
          // The client's release sent within a second and a half either side of the window's end: exactly one of them lands.
          await new Promise((r) => setTimeout(r, Math.max(0, endsAt - Date.now() + between(this.rng, -1_500, 1_000))));
          const raced = await this.client(`${path}/release`, {}, [{ type: 'release' }], 'release (racing the window)');
          this.r.race = raced.status === 200 ? 'manual' : 'auto';
          return false;
        }
        await this.autoRelease(cur.id, endsAt);
        return false;
      }
      case 'release':
        return true;
    }
  }

  /** The current view (a read, retried through outages). */
  private async view(): Promise<Answer> {
    return this.deps.api.read(this.r.client.token, `/contracts/${this.r.id}`);
  }

  /**
   * R25: the window ended with no release from the client: the funded amount is released by the
   * contract's timer, once (the model is told time passed: the reminder, then the release).
   */
  private async autoRelease(milestoneId: string, endsAt: number): Promise<void> {
    if (this.r.autoReleased.some((a) => a.milestoneId === milestoneId)) return; // an answer already showed it
    const dueAt = performance.now() + (Number.isFinite(endsAt) ? endsAt - Date.now() : 0);
    this.deps.onAwaitingAutoRelease?.(this.r, dueAt);
    const released = (v: unknown) => ['released', 'refunded'].includes(milestoneOf(v, milestoneId)?.state ?? '');
    await this.awaitDeadline('autoRelease', released, Math.max(0, dueAt - performance.now()), () => {
      for (let i = 0; i < 3 && this.m.ms.find((m) => m.id === milestoneId)?.st === 'submitted'; i++) this.m.apply({ type: 'elapse' });
    });
    this.r.autoReleased.push({ milestoneId, dueAt });
  }

  /**
   * Polls the contract as its client sees it (PostgreSQL, behind the workflow) until `done`, within the
   * deadline's time and 150 s more; then the model is told the time passed (`advance`, by default one `elapse`).
   */
  private async awaitDeadline(kind: string, done: (view: unknown) => boolean, dueInMs: number, advance?: () => void): Promise<void> {
    const until = performance.now() + dueInMs + 150_000;
    while (performance.now() < until) {
      const view = await this.view();
      if (view.status === 200 && done(view.body)) {
        if (advance) advance();
        else if (!this.m.apply({ type: 'elapse' })) this.r.mismatches.push(`${kind}: the model had nothing due`);
        this.r.history.push({ type: 'elapse' });
        this.count(kind);
        this.compare(kind, view.body);
        await this.workflowCaughtUp(kind);
        return;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new CommandUnanswered(`${kind} did not happen within ${Math.round(dueInMs)} ms and 150 s`);
  }

  /**
   * Waits until the contract workflow holds every transition PostgreSQL shows (its seq at least the audit
   * trail's latest): a timer's outcome is stored before the workflow adopts it, and a command checked in
   * between would be judged on the state before it. Bounded: the contract's workflow answers a query
   * once a worker has it, which a kill delays by a task timeout.
   */
  private async workflowCaughtUp(what: string): Promise<void> {
    const handle = this.deps.temporal.workflow.getHandle(contractWorkflowId(this.r.id));
    const until = performance.now() + 120_000;
    let stored = 0;
    while (performance.now() < until) {
      try {
        const rows = await this.deps.db.$queryRawUnsafe<{ seq: number | null }[]>('SELECT max(seq) AS seq FROM audit_events WHERE contract_id = $1', this.r.id);
        stored = Number(rows[0]?.seq ?? 0);
        const state = await handle.query(contractStateQuery);
        if ((state?.seq ?? 0) >= stored) return;
      } catch {
        // PostgreSQL or Temporal restarting, or no worker yet: asked again below.
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new CommandUnanswered(`after ${what}: the contract workflow did not reach transition #${stored} within 120 s`);
  }

  private async proposal(end: ProposalEnd | 'leave'): Promise<void> {
    const pending = this.m.pending();
    const ops: unknown[] = [];
    const modelOps: Extract<ModelCommand, { type: 'propose' }>['ops'] = [];
    const add = between(this.rng, 10, 100) * 100;
    if (pending.length > 0 && this.rng() < 0.5) {
      const target = pick(pending, 0)!;
      const patch = this.patchFor(target);
      ops.push({ op: 'edit', milestoneId: target.id, patch: patchValues(patch, target.amount) });
      modelOps.push({ op: 'edit', index: 0, patch });
    }
    if (pending.length > 1 && this.rng() < 0.4) {
      const index = pending.length - 1;
      ops.push({ op: 'delete', milestoneId: pending[index]!.id });
      modelOps.push({ op: 'delete', index });
    }
    if (ops.length === 0 || this.rng() < 0.5) {
      ops.push({ op: 'add', title: 'M', amountCents: add });
      modelOps.push({ op: 'add', amountCents: add });
    }
    const sent = await this.freelancer('/proposals', { ops }, [{ type: 'propose', ops: modelOps }], 'propose');
    const id = sent.body.requestId as string;
    this.r.pendingProposalId = id;
    switch (end) {
      case 'leave':
        return;
      case 'accept':
      case 'decline':
        await this.client(`/proposals/${id}/${end}`, { version: this.m.proposal!.edits },
          [{ type: 'answerProposal', accept: end === 'accept', version: 'seen', later: false }], end === 'accept' ? 'acceptProposal' : 'declineProposal');
        break;
      case 'withdraw':
        await this.freelancer(`/proposals/${id}/withdraw`, {}, [{ type: 'withdrawProposal', later: false }], 'withdrawProposal');
        break;
      case 'none':
        break;
    }
    this.r.pendingProposalId = undefined;
  }

  /** A patch that changes something: the amount (down to 60%, up to 250%) and/or the title. */
  private patchFor(m: { title: string; amount: number }): PatchSpec {
    const amountPermille = oneOf(this.rng, [600, 800, 1200, 1500, 2500]);
    const r = this.rng();
    if (r < 0.2 && m.title !== 'N') return { title: 'N' };
    if (r < 0.35) return { amountPermille, title: m.title === 'N' ? 'M' : 'N' };
    return { amountPermille };
  }

  private client(path: string, body: unknown, cmds: ModelCommand[], what: string, compare = true): Promise<Answer> {
    return this.command(this.r.client, path, body, cmds, what, compare);
  }

  private freelancer(path: string, body: unknown, cmds: ModelCommand[], what: string): Promise<Answer> {
    return this.command(this.r.freelancer, path, body, cmds, what);
  }

  /** Counts a command (or a timer's act) by its kind: `what` without its parenthesis. */
  private count(what: string): void {
    const kind = what.replace(/ \(.*\)$/, '');
    this.r.kinds[kind] = (this.r.kinds[kind] ?? 0) + 1;
    if (!['autoRelease', 'refundLapse', 'expire', 'offerExpiry'].includes(kind)) this.r.commands += 1;
  }

  /** Sends one command (retried with its key by the client); feeds the model what succeeded. */
  private async command(who: Party, path: string, body: unknown, cmds: ModelCommand[], what: string, compare = true, absolute = false): Promise<Answer> {
    const answer = await this.deps.api.command(who.token, absolute ? path : `/contracts/${this.r.id}${path}`, body);
    this.count(what);
    // R25 by the clock: on a contract with a shortened day a release can come after the window's end; then
    // the window's own release is the one outcome, and the model is told the time passed.
    if (answer.status === 409 && answer.body?.code === 'REVIEW_WINDOW_ENDED' && this.r.plan.dayMs !== undefined && cmds[0]?.type === 'release') {
      const cur = this.m.current();
      const named = /\/milestones\/([^/]+)\/release$/.exec(path)?.[1];
      if (cur?.st === 'submitted' && cur.id === named) {
        this.r.race = 'auto';
        await this.autoRelease(cur.id, Date.parse(String(answer.body.reviewEndsAt)));
        return answer;
      }
      // Already released by the window, as an earlier answer showed: the refusal is the rule's.
      if (this.r.autoReleased.some((a) => a.milestoneId === named)) return answer;
    }
    if (answer.status === 200) {
      for (const c of cmds) {
        if (!this.m.apply(c)) this.r.mismatches.push(`${what}: the API accepted it, the model refuses it (${this.m.refusal})`);
        this.r.history.push(c);
      }
      if (compare) this.compare(what, answer.body.contract);
      return answer;
    }
    // A refusal must be the model's: replay what succeeded, then this command.
    const replay = new ReferenceModel(FEE);
    for (const c of this.r.history) replay.apply(c);
    const accepted = cmds.every((c) => replay.apply(c));
    const code = answer.body?.code;
    if (accepted || replay.refusal !== code) {
      this.r.mismatches.push(`${what}: the API answered ${answer.status} ${code} (${answer.body?.detail ?? ''}); the model ${accepted ? 'accepts it' : `refuses it with ${replay.refusal}`}`);
    }
    throw new Stop();
  }

  private compare(what: string, view: unknown): void {
    this.catchUpWindows(view);
    for (const d of differences(view, this.m)) this.r.mismatches.push(`after ${what}: ${d}`);
  }

  /**
   * On a contract with a shortened day, an answer read after a command can already show a window's end:
   * a submitted milestone it shows released by then was released by the window (R25), and the model is
   * told the time passed. A release the client sent meanwhile would have been refused for the window.
   */
  private catchUpWindows(view: unknown): void {
    if (this.r.plan.dayMs === undefined) return;
    for (const m of this.m.ms) {
      const shown = milestoneOf(view, m.id);
      if (m.st !== 'submitted' || shown?.state !== 'released') continue;
      for (let i = 0; i < 3 && m.st === 'submitted'; i++) this.m.apply({ type: 'elapse' });
      this.r.history.push({ type: 'elapse' });
      const endsAt = Date.parse(String(shown.reviewEndsAt));
      this.r.autoReleased.push({ milestoneId: m.id, dueAt: performance.now() + (Number.isFinite(endsAt) ? endsAt - Date.now() : 0) });
      this.count('autoRelease');
    }
  }
}

/** A milestone of a contract view (the API's JSON), by id. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the API's JSON
function milestoneOf(view: unknown, id: string): any {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
  return ((view as any)?.milestones ?? []).find((m: { id: string }) => m.id === id);
}

/** Where the API's view of a contract differs from the model's, field by field. */
export function differences(view: unknown, model: ReferenceModel): string[] {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the API's JSON, compared field by field
  const v = view as any;
  if (!v || typeof v !== 'object') return [`no contract in the answer: ${JSON.stringify(view)?.slice(0, 200)}`];
  const want = {
    status: model.ended ? 'ended' : model.offered ? 'offered' : 'open',
    balances: model.balances(),
    milestones: model.ms.map((m) => ({
      id: m.id, title: m.title, state: m.st, amountCents: m.amount, fundedCents: m.funded, releasedCents: m.released, shortfallCents: model.shortfall(m),
    })),
    pendingChangeRequest: model.change ? { milestoneId: model.change.milestone!.id, version: model.change.edits } : null,
    pendingProposal: model.proposal ? { version: model.proposal.edits } : null,
    endPrompt: model.prompt,
  };
  const got = {
    status: v.status,
    balances: v.balances,
    milestones: (v.milestones ?? []).map((m: Record<string, unknown>) => ({
      id: m.id, title: m.title, state: m.state, amountCents: m.amountCents, fundedCents: m.fundedCents, releasedCents: m.releasedCents, shortfallCents: m.shortfallCents,
    })),
    pendingChangeRequest: v.pendingChangeRequest ? { milestoneId: v.pendingChangeRequest.milestoneId, version: v.pendingChangeRequest.version } : null,
    pendingProposal: v.pendingProposal ? { version: v.pendingProposal.version } : null,
    endPrompt: v.endPrompt,
  };
  return (Object.keys(want) as (keyof typeof want)[])
    // Key order aside: a replayed answer comes back from a jsonb column, which orders keys its own way.
    .filter((k) => canonical(want[k]) !== canonical(got[k]))
    .map((k) => `${k}: API ${JSON.stringify(got[k])}, model ${JSON.stringify(want[k])}`);
}

/** A party (the marketplace provisions users; there is no sign-up route), retried while PostgreSQL is down. */
async function newUser(db: Db, name: string): Promise<Party> {
  const until = Date.now() + 120_000;
  for (;;) {
    try {
      const u = await issueUser(db, { email: `${randomUUID()}@faults.example.test`, name });
      // R31: provider ids, used only by contracts created with a provider (the provider scenario).
      await db.user.update({ where: { id: u.id }, data: { paymentMethodId: 'pm_card_visa', payoutAccountId: 'acct_faults' } });
      return { id: u.id, token: u.token };
    } catch (err) {
      if (Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
