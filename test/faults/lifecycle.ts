// One contract's life, driven through the HTTP API by its two parties while the suite breaks things:
// plan, fund, a change request (approved, edited then approved, rejected, withdrawn, expired, or
// auto-canceled by submitted work or a release), a proposal (accepted, declined or withdrawn), the
// remaining milestones, then the end (or left open on purpose, for the final checks). Every command
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
import { type ModelCommand, type PatchSpec, ReferenceModel, amountFrom, patchValues, pick } from '../domain/reference-model.js';
import { type Answer, type ApiClient, CommandUnanswered } from './client.js';
import { type Rng, between, oneOf } from './rng.js';

export interface Party {
  id: string;
  token: string;
}

export type ChangeEnd = 'approve' | 'approveAfterEdit' | 'reject' | 'withdraw' | 'expire' | 'cancelBySubmit' | 'cancelByRelease';
export type ProposalEnd = 'accept' | 'decline' | 'withdraw' | 'none';
/** Most lifecycles end the contract; some stop early so the checks find requests and funds still pending. */
export type Ending = 'end' | 'openWithChange' | 'openWithProposal' | 'openMidway';

export interface LifecyclePlan {
  change: ChangeEnd;
  proposal: ProposalEnd;
  ending: Ending;
  /** The short change-request expiry of an `expire` lifecycle (the contract workflow's test-only option). */
  ttlMs?: number;
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
}

export interface LifecycleDeps {
  api: ApiClient;
  db: Db;
  temporal: Client;
  rng: Rng;
  /** Called while an `expire` lifecycle waits for its request to expire. */
  onAwaitingExpiry?: (record: LifecycleRecord) => void;
}

class Stop extends Error {}

const FEE = DEFAULT_INITIATION_FEE_CENTS;

/** Draws a lifecycle. `expireShare` is the part whose change request is left to expire. */
export function drawPlan(rng: Rng, opts: { expireShare: number; ttlMs: number }): LifecyclePlan {
  const change: ChangeEnd = rng() < opts.expireShare
    ? 'expire'
    : oneOf(rng, ['approve', 'approve', 'approveAfterEdit', 'reject', 'reject', 'withdraw', 'cancelBySubmit', 'cancelBySubmit', 'cancelByRelease'] as const);
  const proposal = oneOf(rng, ['accept', 'accept', 'decline', 'withdraw', 'none'] as const);
  const r = rng();
  const ending: Ending = change === 'expire' || r < 0.8 ? 'end' : r < 0.87 ? 'openWithChange' : r < 0.94 ? 'openWithProposal' : 'openMidway';
  return { change, proposal, ending, ...(change === 'expire' ? { ttlMs: opts.ttlMs } : {}) };
}

export async function runLifecycle(deps: LifecycleDeps, plan: LifecyclePlan, registry: Set<LifecycleRecord>): Promise<LifecycleRecord> {
  const [client, freelancer] = await Promise.all([newUser(deps.db, 'Client'), newUser(deps.db, 'Freelancer')]);
  const record: LifecycleRecord = {
    id: '', client, freelancer, plan, model: new ReferenceModel(FEE), history: [], commands: 0, mismatches: [], finished: false,
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

  constructor(
    private readonly deps: LifecycleDeps,
    private readonly r: LifecycleRecord,
  ) {
    this.m = r.model;
  }

  private get rng(): Rng {
    return this.deps.rng;
  }

  async run(): Promise<void> {
    const { plan } = this.r;
    await this.create();
    const n = between(this.rng, 2, 3);
    const amounts = Array.from({ length: n }, () => between(this.rng, 10, 200) * 100);
    await this.client('/milestones/batch', { ops: amounts.map((a) => ({ op: 'add', title: 'M', amountCents: a })) },
      amounts.map((amountCents) => ({ type: 'add', amountCents })), 'plan');
    await this.client('/fund', {}, [{ type: 'fund' }], 'fund');

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

  private async create(): Promise<void> {
    const key = randomUUID();
    this.r.id = contractIdFor(this.r.client.id, key);
    if (this.r.plan.ttlMs !== undefined) await this.startWorkflowFirst(this.r.plan.ttlMs);
    const created = await this.deps.api.command(this.r.client.token, '/contracts', { title: 'Faults', freelancerId: this.r.freelancer.id }, key);
    this.r.commands += 1;
    if (created.status !== 201 || created.body?.id !== this.r.id) {
      this.r.mismatches.push(`create: ${created.status} ${JSON.stringify(created.body).slice(0, 300)}`);
      throw new Stop();
    }
    this.compare('create', created.body);
  }

  /** The contract workflow started by the suite with a short expiry, as decisions-api.test.ts does. */
  private async startWorkflowFirst(ttlMs: number): Promise<void> {
    const until = Date.now() + 120_000;
    for (;;) {
      try {
        await this.deps.temporal.workflow.start<typeof contractWorkflow>('contractWorkflow', {
          workflowId: contractWorkflowId(this.r.id), taskQueue: TASK_QUEUE, args: [{ changeRequestTtlMs: ttlMs }],
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
        this.r.expired = true;
        this.compare('expire', view.body);
        return;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new CommandUnanswered(`change request ${this.r.pendingRequestId} did not expire within its ${this.r.plan.ttlMs} ms and 150 s`);
  }

  /** Tops up a shortfall, then submits and releases the funded milestone (in full, or 30% of the time in part). */
  private async finishCurrent(): Promise<void> {
    const cur = this.m.current();
    if (!cur) return;
    if (this.m.shortfall(cur) > 0) await this.client('/fund', {}, [{ type: 'fund' }], 'fund (shortfall)');
    if (cur.st === 'active') await this.freelancer(`/milestones/${cur.id}/submit`, {}, [{ type: 'submit' }], 'submit');
    if (this.rng() < 0.3) {
      const permille = between(this.rng, 300, 950);
      await this.client(`/milestones/${cur.id}/release`, { amountCents: amountFrom(cur.funded, permille) }, [{ type: 'release', permille }], 'release (partial)');
    } else {
      await this.client(`/milestones/${cur.id}/release`, {}, [{ type: 'release' }], 'release');
    }
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

  /** Sends one command (retried with its key by the client); feeds the model what succeeded. */
  private async command(who: Party, path: string, body: unknown, cmds: ModelCommand[], what: string, compare = true): Promise<Answer> {
    const answer = await this.deps.api.command(who.token, `/contracts/${this.r.id}${path}`, body);
    this.r.commands += 1;
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
    for (const d of differences(view, this.m)) this.r.mismatches.push(`after ${what}: ${d}`);
  }
}

/** Where the API's view of a contract differs from the model's, field by field. */
export function differences(view: unknown, model: ReferenceModel): string[] {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the API's JSON, compared field by field
  const v = view as any;
  if (!v || typeof v !== 'object') return [`no contract in the answer: ${JSON.stringify(view)?.slice(0, 200)}`];
  const want = {
    status: model.ended ? 'ended' : 'open',
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
    .filter((k) => JSON.stringify(want[k]) !== JSON.stringify(got[k]))
    .map((k) => `${k}: API ${JSON.stringify(got[k])}, model ${JSON.stringify(want[k])}`);
}

/** A party (the marketplace provisions users; there is no sign-up route), retried while PostgreSQL is down. */
async function newUser(db: Db, name: string): Promise<Party> {
  const until = Date.now() + 120_000;
  for (;;) {
    try {
      const u = await issueUser(db, { email: `${randomUUID()}@faults.example.test`, name });
      return { id: u.id, token: u.token };
    } catch (err) {
      if (Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
