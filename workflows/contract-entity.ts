// The contract as an entity: its state, the handlers that change it and the lock that serialises them, in
// one object (the shape of Temporal's safe-message-handlers sample). Every command is decided by the pure
// rules in domain/ against the state; an accepted one is persisted, then adopted, then its effects carried
// out. The workflow function (contract.ts) wires these methods to Updates, signals and timers.
import { Mutex } from 'async-mutex';
import { currentUpdateInfo, log, proxyActivities, sleep } from '@temporalio/workflow';
import type { ContractActivities } from '../activities/types.js';
import type { RequestOutcome } from '../domain/change-request.js';
import {
  type Command, type CommandType, type Decision, type Transition, decide, prepareCommand, resolveRequest,
} from '../domain/commands.js';
import { type ContractState, type CreateContract, changedMilestones, isRequestPending, summarize } from '../domain/contract.js';
import { assertOfferCarried, created } from '../domain/offer-create.js';
import type { Milestone } from '../domain/milestone.js';
import { resolveDispute, type ResolveDisputeArgs } from '../domain/disputes.js';
import { refuse } from '../domain/errors.js';
import {
  CLOSE_SIGNAL, type RequestReport, type ResolveRequestArgs, assertVersionNamed, attributeReport, boundReport, markDecider, notPending,
  operatorActor, validateResolution,
} from '../domain/operator.js';
import { type ContractSignalVerb, type SignalInput, signalCommand } from '../domain/signals.js';
import type { Texts } from '../domain/texts.js';
import { fireDue } from '../domain/timers.js';
import { operatorCheckOptions, persistenceOptions } from './activity-options.js';
import { type DecisionWait, OUTCOME_WAIT, awaitDecision } from './decisions.js';
import { ContractDetails } from './details.js';
import { guard, persistenceRefusal } from './failures.js';
import type { CommandArgs, CommandResult, PaymentPending, PaymentSettled, RequestResolved } from './messages.js';
import { NoticeDeliveries } from './notice-deliveries.js';
import { HandOver } from './hand-over.js';
import { Projection } from './projection.js';
import { noticesVia, transitionRecord } from './records.js';
import { assertVia } from '../domain/via.js';
import { RememberedAnswers, type RememberedCarry } from './remembered-answers.js';
import { RequestLinks } from './request-links.js';
import { ContractAttributes } from './search-attributes.js';
import { movementPending, settleDeposit } from '../domain/pending-deposits.js';
import { DEPOSIT_CONFIRMED, DEPOSIT_FAILED, MOVEMENT_PENDING, chargeBeforeStoring, startMovements } from './payments.js';

const { persistTransition } = proxyActivities<ContractActivities>(persistenceOptions);
const { isOperator } = proxyActivities<ContractActivities>(operatorCheckOptions);

/**
 * An outcome whose write failed for good is tried again after this (doubling), about 45 minutes in all;
 * then it is logged and left to an operator's resolveRequest, so continue-as-new is never blocked for ever.
 */
const OUTCOME_RETRY_MS = { first: 30_000, max: 10 * 60_000, tries: 8 };

export interface EntityOptions extends RememberedCarry {
  state?: ContractState;
  outcomeWaitMs?: number;
  requestTaskQueue?: string;
  changeRequestTtlMs?: number;
  /** Test-only: the length of a day in the contract's deadlines, recorded at creation (validated by the workflow). */
  dayMs?: number;
  /** Answer at once and project behind (workflows/projection.ts); false for runs recorded before that. */
  projectBehind?: boolean;
}

const now = (): string => new Date().toISOString(); // workflow time: deterministic on replay

/**
 * A command's decision as its validator computed it, reused by its handler when nothing it depends on moved
 * in between (the same state object, the same workflow time): each command then copies the state once,
 * not twice. Validators do not run on replay, where the handler decides again: decide() is pure, so the
 * answer is the same.
 */
interface Validated {
  before: ContractState;
  at: string;
  t: Transition;
  texts: Texts;
}

export class ContractEntity {
  state: ContractState | undefined;
  /** Handlers that await an activity and then change the state run one at a time, in arrival order. */
  readonly lock = new Mutex();
  readonly memory: RememberedAnswers;
  readonly notices = new NoticeDeliveries();
  readonly requests: RequestLinks;
  readonly details = new ContractDetails();
  /** Where accepted transitions wait for PostgreSQL; undefined on the path that persists before it answers. */
  readonly projection: Projection | undefined;
  private readonly attributes: ContractAttributes;
  /** Outcomes of request workflows that closed without reporting, being applied (not handlers): CAN waits for them. */
  watching = 0;
  /** The time of the last transition adopted by this run (the read model's `updatedAt`); unknown until one is. */
  private adoptedAt: string | undefined;
  /** Started when this run decides to continue-as-new: validators then refuse new commands (workflows/hand-over.ts). */
  readonly handOver = new HandOver();

  constructor(private readonly opts: EntityOptions) {
    this.state = opts.state;
    this.memory = new RememberedAnswers(opts);
    this.attributes = new ContractAttributes(opts.state);
    this.projection = opts.projectBehind ? new Projection((line) => this.details.status(line), opts.state?.seq ?? 0) : undefined;
    this.requests = new RequestLinks({
      ...(opts.requestTaskQueue === undefined ? {} : { requestTaskQueue: opts.requestTaskQueue }),
      ...(opts.changeRequestTtlMs === undefined ? {} : { changeRequestTtlMs: opts.changeRequestTtlMs }),
      closedWithoutDecision: (id, why) => this.closedWithoutDecision(id, why),
    });
  }

  current(): ContractState {
    return this.state ?? refuse('CONTRACT_NOT_FOUND', undefined, 'no such contract', 'not_found');
  }

  isPending = (requestId: string): boolean => isRequestPending(this.state, requestId);

  // --- createContract -------------------------------------------------------------------------------

  validateCreate(cmd: CreateContract): void {
    guard(() => assertVia(cmd.via));
    if (this.state) guard(() => refuse('CONTRACT_EXISTS', undefined, `contract ${cmd.contractId} already exists`, 'conflict'));
    guard(() => assertOfferCarried(cmd)); // R30: a new contract is an offer; replays (no validators) keep old creates
    guard(() => created(cmd, now(), this.opts.dayMs));
  }

  create(cmd: CreateContract): Promise<CommandResult> {
    return this.lock.runExclusive(async () => {
      const { t, texts, command } = guard(() => created(cmd, now(), this.opts.dayMs));
      const changed = await this.commit(t, command, cmd.clientId, texts, cmd.via);
      return { contract: summarize(t.state), milestones: changed };
    });
  }

  // --- the parties' commands ------------------------------------------------------------------------

  /** Decisions validated in this activation, by update id, until their handlers take them. */
  private readonly validated = new Map<string, Validated>();

  /** Synchronous and pure (an async validator could never reject): decide() on a copy of the state. */
  validateCommand(type: CommandType, { actorId, via, ...payload }: CommandArgs<CommandType>): void {
    this.handOver.assertAdmitting(); // even a retry answered from memory adds history events
    if (this.memory.alreadyApplied() || this.memory.earlierDecision()) return;
    this.projection?.assertRoom();
    guard(() => assertVia(via));
    const { cmd, texts } = guard(() => prepareCommand({ type, ...payload } as Command));
    guard(() => assertVersionNamed(cmd)); // R16: new answers must say which version they answer
    const before = this.current();
    const at = now();
    const t = guard(() => decide(before, cmd, { actorId, now: at }));
    const id = currentUpdateInfo()?.id;
    if (id) this.validated.set(id, { before, at, t, texts });
  }

  /** The validator's decision if it still holds, else decided again (always on replay). */
  private decideCommand(type: CommandType, actorId: string, payload: object, before: ContractState): { t: Transition; texts: Texts } {
    const id = currentUpdateInfo()?.id ?? '';
    const v = this.validated.get(id);
    this.validated.delete(id);
    if (v && v.before === before && v.at === now()) return { t: v.t, texts: v.texts };
    const { cmd, texts } = guard(() => prepareCommand({ type, ...payload } as Command));
    return { t: guard(() => decide(before, cmd, { actorId, now: now() })), texts };
  }

  async command(type: CommandType, { actorId, via, ...payload }: CommandArgs<CommandType>): Promise<CommandResult> {
    if (this.memory.alreadyApplied()) return { contract: summarize(this.current()), milestones: [] };
    const earlier = this.memory.earlierDecision();
    if (earlier) {
      // Sent again after a continue-as-new: answered with the outcome of the decision already forwarded.
      const effects: Transition['effects'] = [
        { type: 'signalRequest', requestId: earlier.requestId, signal: earlier.signal }, { type: 'awaitOutcome', requestId: earlier.requestId },
      ];
      await awaitDecision({ state: this.current(), ledger: [], notices: [], effects }, this.decisionWait());
      return { contract: summarize(this.current()), milestones: [], requestId: earlier.requestId };
    }
    let changed: Milestone[] = [];
    let base: ContractState | undefined;
    let adopted: ContractState | undefined; // the state commit() adopted (a provider's charge may have changed the decided one)
    const t = await this.lock.runExclusive(async () => {
      const before = this.current();
      base = before;
      const { t, texts } = this.decideCommand(type, actorId, payload, before);
      markDecider(t, actorId);
      changed = await this.commit(t, type, actorId, texts, via);
      adopted = this.current();
      if (t.state.seq !== before.seq) this.memory.remember();
      this.memory.rememberDecision(t);
      return t;
    });
    await awaitDecision(t, this.decisionWait());
    return {
      contract: summarize(this.current()),
      ...this.delta(base!, adopted!, changed),
      ...(t.diff ? { diff: t.diff } : {}),
      ...(t.prompt ? { prompt: t.prompt } : {}),
      ...(t.requestId ? { requestId: t.requestId } : {}),
    };
  }

  /**
   * What the API needs to answer from this result and the read model at one seq: the milestones changed
   * since the state before the command (or, when later transitions followed it, such as a decision's
   * outcome, since the state the command adopted), the order when it moved, and when the state was adopted.
   */
  private delta(before: ContractState, adopted: ContractState, changed: Milestone[]): Pick<CommandResult, 'milestones' | 'base' | 'order' | 'at'> {
    const now = this.current();
    if (this.adoptedAt === undefined) return { milestones: changed };
    const from = now === adopted ? before : adopted;
    const moved = from.milestones.length !== now.milestones.length || from.milestones.some((m, i) => m.id !== now.milestones[i]!.id);
    return {
      milestones: now === adopted ? changed : changedMilestones(adopted, now),
      base: from.seq,
      ...(moved ? { order: now.milestones.map((m) => m.id) } : {}),
      at: this.adoptedAt,
    };
  }

  private decisionWait(): DecisionWait {
    return { isPending: this.isPending, outcomes: this.memory.outcomes, wait: this.opts.outcomeWaitMs ?? OUTCOME_WAIT };
  }

  /** The product's verbs as signals: the Updates' rules; a refusal is thrown for the caller to record. */
  signalled(verb: ContractSignalVerb, input: SignalInput | undefined): Promise<void> {
    return this.lock.runExclusive(async () => {
      const before = guard(() => this.current());
      const { command, partyId, auditActor, operatorId } = guard(() => signalCommand(verb, input, before));
      guard(() => assertVersionNamed(command));
      if (operatorId !== undefined && !(await this.operatorKnown(operatorId))) {
        guard(() => refuse('UNKNOWN_OPERATOR', undefined, `${operatorId} is not an operator; nothing was done`, 'forbidden'));
      }
      const t = guard(() => decide(before, command, { actorId: partyId, now: now() }));
      markDecider(t, auditActor);
      await this.commit(t, command.type, auditActor);
    });
  }

  // --- operators ------------------------------------------------------------------------------------

  /** A retried resolution is answered from memory (its first attempt may have run before a continue-as-new). */
  validateResolveRequest(args: ResolveRequestArgs): void {
    this.handOver.assertAdmitting();
    if (this.memory.alreadyApplied()) return;
    guard(() => validateResolution(args));
    if (!this.isPending(args.requestId)) guard(() => notPending(args.requestId));
  }

  /** An operator settles any pending request (a stuck one included); the history and audit name them. */
  async resolveRequest(args: ResolveRequestArgs): Promise<CommandResult> {
    if (this.memory.alreadyApplied()) return { contract: summarize(this.current()), milestones: [], requestId: args.requestId };
    return this.lock.runExclusive(async () => {
      const before = guard(() => this.current());
      const decision = { by: operatorActor(args.operatorId), operator: true, reason: args.reason };
      const t = guard(() => resolveRequest(before, args.requestId, args.outcome, decision) ?? notPending(args.requestId));
      // Close the request's workflow too; its own report, if any, is then ignored (the contract decided).
      const version = t.closed?.request.edits;
      t.effects.push({ type: 'signalRequest', requestId: args.requestId, signal: CLOSE_SIGNAL[args.outcome], ...(version === undefined ? {} : { version }) });
      const changed = await this.commit(t, 'resolveRequest', decision.by);
      this.memory.remember();
      return { contract: summarize(this.current()), ...this.delta(before, this.current(), changed), requestId: args.requestId };
    });
  }

  validateResolveDispute(args: ResolveDisputeArgs): void {
    this.handOver.assertAdmitting();
    if (this.memory.alreadyApplied()) return;
    guard(() => resolveDispute(this.current(), args, operatorActor(args.operatorId)));
  }

  /** R28: an operator resolves a dispute; the history, the audit trail and both notices name them. */
  async resolveDispute(args: ResolveDisputeArgs): Promise<CommandResult> {
    if (this.memory.alreadyApplied()) return { contract: summarize(this.current()), milestones: [], requestId: args.disputeId };
    return this.lock.runExclusive(async () => {
      const before = guard(() => this.current());
      const by = operatorActor(args.operatorId);
      const t = guard(() => resolveDispute(before, args, by));
      const changed = await this.commit(t, 'resolveDispute', by);
      this.memory.remember();
      return {
        contract: summarize(this.current()), ...this.delta(before, this.current(), changed), requestId: args.disputeId,
        ...(t.prompt ? { prompt: t.prompt } : {}),
      };
    });
  }

  // --- reports from request workflows ----------------------------------------------------------------

  /** A request's workflow reports its outcome. Anyone with access to Temporal can send this: who decided comes from what the contract knows. */
  async requestResolved(sent: RequestResolved): Promise<void> {
    if (!this.state || !this.isPending(sent.requestId)) return; // a duplicate or late report
    const { report, cut } = boundReport(sent as RequestReport);
    if (cut.length) log.warn('request report bounded', { requestId: sent.requestId, cut });
    const first = attributeReport(this.state, report);
    const decision = 'check' in first ? attributeReport(this.state, report, await this.operatorKnown(first.check)) as Decision : first;
    const req = [this.state.changeRequest, this.state.proposal].find((r) => r?.id === report.requestId);
    const unasked = !req?.deciding && report.outcome !== 'expired';
    const version = req?.edits;
    await this.applyOutcome(report.requestId, report.outcome, decision);
    // Not a decision the contract forwarded: the request's workflow may not be the sender, so it is told to
    // close too (a workflow that already decided ignores it; one already closed makes the signal fail).
    if (unasked && !this.isPending(report.requestId)) {
      const signal = report.outcome === 'approved' ? 'approve' : report.outcome === 'rejected' ? 'reject' : 'withdraw';
      await this.requests.close(report.requestId, signal, decision.by, version);
    }
  }

  /** A request whose workflow closed without reporting is resolved as canceled, naming why. */
  async closedWithoutDecision(id: string, why: string): Promise<void> {
    if (!this.state || !this.isPending(id)) return;
    this.watching += 1;
    try {
      await this.applyOutcome(id, 'canceled', { by: 'system', operator: false, reason: `its workflow closed without a decision: ${why}` });
    } finally {
      this.watching -= 1;
    }
  }

  /**
   * Applies a request's outcome under the lock. A write that fails for good is retried on a growing
   * timer instead of being dropped; an operator's resolveRequest can settle it meanwhile.
   */
  private async applyOutcome(requestId: string, outcome: RequestOutcome, decision: Decision): Promise<void> {
    let wait: number = OUTCOME_RETRY_MS.first;
    for (let attempt = 1; attempt <= OUTCOME_RETRY_MS.tries; attempt++, wait = Math.min(wait * 2, OUTCOME_RETRY_MS.max)) {
      try {
        return await this.lock.runExclusive(async () => {
          const t = this.state && resolveRequest(this.state, requestId, outcome, decision);
          if (!t) return; // a duplicate or late report
          await this.commit(t, `${t.closed?.request.kind === 'proposal' ? 'proposal' : 'changeRequest'} ${outcome}`, decision.by);
        });
      } catch (err) {
        // Failing a signal handler would fail the contract: log it and try again later.
        log.error('request outcome not applied', { requestId, outcome, err: String(err), retryInMs: wait });
        if (!this.state) return;
        await sleep(wait, { summary: `apply the ${outcome} outcome of ${requestId} again (attempt ${attempt + 1})` });
      }
    }
    log.error('request outcome given up: resolve it with resolveRequest', { requestId, outcome, tries: OUTCOME_RETRY_MS.tries });
  }

  /** Whether a named operator is configured; unknown (the check failed) counts as not. */
  private async operatorKnown(id: string): Promise<boolean> {
    try {
      return await isOperator.executeWithOptions({ ...operatorCheckOptions, summary: `Is ${id} an operator?` }, [id]);
    } catch (err) {
      log.warn('operator not checked; recorded as unnamed', { operatorId: id, err: String(err) });
      return false;
    }
  }

  // --- the payment provider (R31; only contracts created with one) ---------------------------------------

  /** The provider's webhook confirmed or failed the pending deposit: funded now, or the client is told. */
  paymentSettled({ key, succeeded }: PaymentSettled): Promise<void> {
    return this.applyProviderEvent(() => this.state && settleDeposit(this.state, key, succeeded), succeeded ? DEPOSIT_CONFIRMED : DEPOSIT_FAILED, key);
  }

  /** A payout or refund waits at the provider: the party it concerns is told (once per movement). */
  paymentPending(p: PaymentPending): Promise<void> {
    return this.applyProviderEvent(() => (this.state?.status === 'open' ? movementPending(this.state, p) : null), MOVEMENT_PENDING, p.key);
  }

  /** Like a request's outcome: never fails the contract; a write refused for good is logged for an operator. */
  private async applyProviderEvent(make: () => Transition | null | undefined, command: string, key: string): Promise<void> {
    let wait: number = OUTCOME_RETRY_MS.first;
    for (let attempt = 1; attempt <= OUTCOME_RETRY_MS.tries; attempt++, wait = Math.min(wait * 2, OUTCOME_RETRY_MS.max)) {
      try {
        return await this.lock.runExclusive(async () => {
          const t = make();
          if (t) await this.commit(t, command, 'system');
        });
      } catch (err) {
        log.error('payment event not applied', { key, command, err: String(err), retryInMs: wait });
        await sleep(wait, { summary: `apply ${command} for ${key} again (attempt ${attempt + 1})` });
      }
    }
    log.error('payment event given up: an operator settles it', { key, command });
  }

  // --- deadlines ------------------------------------------------------------------------------------

  /** R25, R27: whatever deadline is due now, applied by the system under the lock. */
  fireDeadlines(): Promise<void> {
    return this.lock.runExclusive(async () => {
      const due = this.state && guard(() => fireDue(this.state!, now()));
      if (due) await this.commit(due.t, due.command, 'system');
    });
  }

  // --- the one path every accepted transition takes --------------------------------------------------

  /**
   * Adopts an accepted transition and carries out its effects; runs under the lock. Projected behind: its
   * record joins the projection's queue and the answer does not wait for PostgreSQL (its notices and
   * webhook events leave through the outbox the projection writes). Otherwise persisted first, then adopted.
   * Returns the milestones it changed (computed once, for the record and the answer).
   */
  private async commit(accepted: Transition, command: string, actorId: string, texts?: Texts, via?: string): Promise<Milestone[]> {
    const at = now();
    let changed: Milestone[] = [];
    let t = accepted;
    if (t.state.seq !== this.state?.seq) {
      // R31: a deposit is charged first (refused: nothing is stored); a charge confirming later is held instead.
      if (t.state.payments) t = await chargeBeforeStoring(this.state, t, command);
      const record = transitionRecord(t, command, actorId, at, this.state ?? null, texts, via);
      changed = record.milestones;
      if (this.projection) {
        this.projection.add(record); // durable once this Update completes; stored in seq order behind it
      } else {
        // Summaries make the history read as sentences in the Temporal UI.
        const summary = `Persist ${command} (#${t.state.seq})`;
        try {
          await persistTransition.executeWithOptions({ ...persistenceOptions, summary }, [record]);
        } catch (err) {
          throw persistenceRefusal(err, record.contractId, record.seq); // the state stays as it was
        }
      }
      this.adoptedAt = at;
    }
    this.state = t.state; // persisted (or queued in order), so adopted: the database follows the workflow, never disagrees
    // R31: payouts and refunds, each by its own workflow (keyed by its ledger entry; on the projected path
    // they may start just before that entry's row is stored).
    if (t.state.payments) await startMovements(t);
    // After the write, so a request whose transition the database refused never has a workflow.
    await this.requests.start(t);
    if (t.closed) this.memory.outcomes.set(t.closed.request.id, t.closed.outcome);
    await this.requests.forward(t, actorId);
    if (!this.projection) (via ? noticesVia(t.notices, via, actorId) : t.notices).forEach((n) => this.notices.deliver(n));
    this.attributes.publish(this.state);
    this.details.show(this.state);
    return changed;
  }
}
