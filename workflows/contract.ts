// The contract entity workflow (`contract-<id>`): the single writer of one contract's state. Every command
// is an Update validated against that state by the pure rules in domain/; accepted ones are persisted,
// then notified. It continues-as-new to keep history bounded and completes when the contract ends.
import {
  ParentClosePolicy,
  allHandlersFinished,
  condition,
  continueAsNew,
  currentUpdateInfo,
  getExternalWorkflowHandle,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { ContractActivities } from '../activities/types.js';
import type { Notice } from '../domain/events.js';
import type { RequestOutcome } from '../domain/change-request.js';
import {
  type Command, type CommandType, type Decision, type RequestSignal, type Transition, decide, prepareCommand, resolveRequest,
} from '../domain/commands.js';
import { PAYLOAD_BUDGET, REMEMBERED_UPDATE_IDS } from '../domain/budgets.js';
import { type Texts, hexDigest, leanState } from '../domain/texts.js';
import {
  type ContractState, RULES_REVISION, RULES_VERSION, changedMilestones, createContract, isRequestPending, rulesRevision, rulesVersion,
  summarize, withCurrentRules,
} from '../domain/contract.js';
import {
  CLOSE_SIGNAL, type RequestReport, assertVersionNamed, attributeReport, markDecider, notPending, operatorActor, signalSender, validateResolution,
} from '../domain/operator.js';
import { transitionRecord } from './records.js';
import { refuse } from '../domain/errors.js';
import { changeRequestWorkflowId } from '../domain/names.js';
import { deliveryOptions, localPersistenceOptions, operatorCheckOptions, persistenceOptions } from './activity-options.js';
import { changeRequestWorkflow } from './change-request.js';
import { OUTCOME_WAIT, awaitDecision } from './decisions.js';
import { closeReason, guard, persistenceRefusal } from './failures.js';
import { Lock } from './lock.js';
import {
  type CommandArgs, type CommandResult, commandUpdates, contractStateQuery, createContractUpdate, requestResolvedSignal, requestSignals,
  resolveRequestUpdate,
} from './messages.js';
import { publishContractAttributes, requestAttributes } from './search-attributes.js';
import { showContractDetails } from './details.js';
import { deliveryFor } from './notices.js';
import { acceptContractSignals } from './signals.js';
import { signalCommand } from '../domain/signals.js';
import { requestSummaryLine } from '../domain/describe.js';
import { resolveDispute } from '../domain/disputes.js';
import { fireDue } from '../domain/timers.js';
import { Deadlines } from './deadlines.js';
import { watchEarlierRequest } from './request-watch.js';
import { paymentSettledSignal, resolveDisputeUpdate } from './messages.js';
import { chargeDeposit, startPayouts } from './payments.js';

const { persistTransition } = proxyActivities<ContractActivities>(persistenceOptions);
const { persistTransition: persistLocally } = proxyLocalActivities<ContractActivities>(localPersistenceOptions);
const { deliverNotice } = proxyActivities<ContractActivities>(deliveryOptions);
const { isOperator } = proxyActivities<ContractActivities>(operatorCheckOptions);

export interface ContractWorkflowInput {
  /** Carried across continue-as-new; absent on the first run, set by the createContract update. */
  state?: ContractState;
  /** Continue-as-new past this many history events even if the server has not suggested it yet. */
  maxHistoryEvents?: number;
  /** Notices still being delivered when the previous run continued-as-new (delivery is idempotent by key). */
  undelivered?: Notice[];
  /** Ids of the latest applied updates, from runs before digests: Temporal dedupes an update id within a run only. */
  appliedUpdateIds?: string[];
  /** Digests of the latest applied updates' ids (fixed size, whatever the id's length). */
  appliedUpdateDigests?: string[];
  /** How long a decision waits for its request's outcome (default OUTCOME_WAIT.v2); tests shorten it. */
  outcomeWaitMs?: number;
  /** Where request workflows run (default: the contract's queue); a test holds an outcome back with it. */
  requestTaskQueue?: string;
  /** How long a change request waits before it expires (default CHANGE_REQUEST_TTL); the fault suite shortens it. */
  changeRequestTtlMs?: number;
  /** How often a request an earlier run started is checked on (default WATCH_EVERY_MS); tests shorten it. */
  requestWatchMs?: number;
  /** Decisions (approve, reject, withdraw, accept, decline) of the latest runs, by update id digest. */
  rememberedDecisions?: RememberedDecision[];
  /** How the requests those decisions named ended, when they did. */
  decisionOutcomes?: [string, RequestOutcome][];
}

/**
 * A decision is answered by its request's outcome, which may arrive in a later run: a retry of the same
 * update there answers that outcome, not a refusal of a request no longer pending.
 */
export interface RememberedDecision {
  id: string;
  requestId: string;
  signal: RequestSignal;
}

/** Decisions remembered across runs: a retry comes within the API's minutes, and decisions are rare. */
const REMEMBERED_DECISIONS = 100;
/** patched(): signals are an operator's acts: named operators are checked, reports attributed by the contract. */
const TRUTHFUL_SIGNALS = 'signals-name-operators';
/** patched(): each run watches the requests an earlier run started (workflows/request-watch.ts). */
const WATCH_EARLIER_REQUESTS = 'watch-earlier-requests';

/** An update id as remembered across runs: 96 bits of SHA-256 (domain/budgets.ts). */
const updateDigest = (id: string): string => hexDigest(id, 12);

/** Notices still in flight, as many as fit the budget; the outbox's sweep re-drives the rest. */
function undeliveredWithinBudget(notices: Iterable<Notice>): Notice[] {
  const out: Notice[] = [];
  let bytes = 0;
  for (const n of notices) {
    bytes += JSON.stringify(n).length * 3; // UTF-16 units to at most three UTF-8 bytes each
    if (bytes > PAYLOAD_BUDGET.undeliveredBytes) break;
    out.push(n);
  }
  return out;
}

const DEFAULT_MAX_HISTORY_EVENTS = 10_000;
/** patched(): persist a transition before starting the request workflow it opens. */
const PERSIST_BEFORE_CHILD = 'persist-before-child';
/** patched(): a running contract moves to the current rules (RULES_VERSION) at its next command. */
const RULES_UPGRADE = 'rules-v2';
/** patched(): commands are checked with the tightened field rules (histories from before keep the old checks). */
const FIELD_CHECKS = 'field-checks';
/** patched(): persistence runs as a local activity (withdrawn by the next patch). */
const LOCAL_PERSISTENCE = 'local-persistence';
/**
 * patched(): persistence is a regular activity again. A local activity commits inside a workflow
 * task that may never complete (its worker killed): PostgreSQL then holds a transition whose Update was
 * never accepted, and a local activity spanning two tasks made a history its own code could not replay.
 * An activity is scheduled in the same task completion that accepts the Update, so nothing is written
 * before the command is durable. Evidence: reliability/evidence/.
 */
const DURABLE_PERSISTENCE = 'persistence-after-acceptance';
/** patched(): a submission starts an R25 review window; histories from before replay without one. */
const REVIEW_WINDOWS = 'review-windows';
/**
 * patched(): a running contract moves to rules revision 2 at its next command — a refund and a change
 * request on one milestone refuse each other, every shortfall is one formula, invisible titles and
 * unbalanced bidi controls are refused (domain/contract.ts, rulesRevision).
 */
const RULES_REVISION_2 = 'rules-v2-revision-2';
/**
 * patched(): R25 by the clock — a release, revision request, dispute or refund request after a review window's
 * end is refused (domain/review.ts assertReviewOpen); histories from before decide them as they were recorded.
 */
const REVIEW_CLOCK = 'review-window-clock';
/**
 * patched(): money crosses the boundary through the payments port (R31) — a deposit is charged before its
 * transition is stored (a decline refuses the funding), payouts and refunds run as their own workflows.
 */
const PROVIDER_PAYMENTS = 'payments-through-provider';
/** The commands the review window's end can refuse. */
const CLOCKED: readonly string[] = ['releasePayment', 'requestRevisions', 'openDispute', 'requestRefund'];
/**
 * An outcome whose write failed for good is tried again after this (doubling), about 45 minutes in all;
 * then it is logged and left to an operator's resolveRequest, so continue-as-new is never blocked for ever.
 */
const OUTCOME_RETRY_MS = { first: 30_000, max: 10 * 60_000, tries: 8 };

export async function contractWorkflow(input: ContractWorkflowInput = {}): Promise<void> {
  // A state from a run that kept texts inline is carried on with references (a contract once too large to
  // continue-as-new replays into a small input under this code); a lean state is unchanged.
  let state = input.state && leanState(input.state);
  const maxHistoryEvents = input.maxHistoryEvents ?? DEFAULT_MAX_HISTORY_EVENTS;
  const lock = new Lock();
  const delivering = new Map<string, Notice>();
  const applied = new Set([...(input.appliedUpdateDigests ?? []), ...(input.appliedUpdateIds ?? []).map(updateDigest)]);
  const outcomes = new Map<string, RequestOutcome>(input.decisionOutcomes ?? []);
  const decisions = new Map((input.rememberedDecisions ?? []).map((d) => [d.id, d]));
  const rememberDecision = (t: Transition) => {
    const id = currentUpdateInfo()?.id;
    const asked = t.effects.find((e) => e.type === 'signalRequest');
    if (!id || asked?.type !== 'signalRequest' || !t.effects.some((e) => e.type === 'awaitOutcome')) return;
    decisions.set(updateDigest(id), { id: updateDigest(id), requestId: asked.requestId, signal: asked.signal });
    if (decisions.size > REMEMBERED_DECISIONS) decisions.delete(decisions.keys().next().value!);
  };
  /** A retried decision whose first attempt ran in an earlier run. */
  const earlierDecision = () => decisions.get(updateDigest(currentUpdateInfo()?.id ?? ''));
  /** Outcomes of request workflows that closed without reporting, being applied (not handlers). */
  let watching = 0;
  const remember = (id: string | undefined) => {
    if (!id) return;
    applied.add(updateDigest(id));
    if (applied.size > REMEMBERED_UPDATE_IDS) applied.delete(applied.values().next().value!);
  };
  /** A retried update from before a continue-as-new: answered, never applied twice. */
  const alreadyApplied = () => applied.has(updateDigest(currentUpdateInfo()?.id ?? ''));
  const now = () => new Date().toISOString(); // workflow time: deterministic on replay
  const current = (): ContractState => state ?? refuse('CONTRACT_NOT_FOUND', undefined, 'no such contract', 'not_found');
  const isPending = (requestId: string) => isRequestPending(state, requestId);

  /** Persists an accepted transition, then adopts it and carries out its effects. Runs under the lock. */
  async function commit(t: Transition, command: string, actorId: string, texts?: Texts): Promise<void> {
    const at = now();
    const opensRequest = t.effects.some((e) => e.type === 'startRequest');
    // Histories recorded before this patch started the child first; new ones persist first, so a request
    // whose transition the database refused never has a workflow (its id would be reused by the next).
    const childFirst = opensRequest && !patched(PERSIST_BEFORE_CHILD);
    if (childFirst) await startRequests(t);
    // Asked only of transitions that move money, so every other history is untouched.
    const movesMoney = t.ledger.some((e) => e.kind === 'deposit' || e.kind === 'release' || e.kind === 'refund');
    const viaProvider = movesMoney && patched(PROVIDER_PAYMENTS);
    if (t.state.seq !== state?.seq) {
      if (viaProvider) await chargeDeposit(t); // refused: the state stays as it was, nothing is held
      const record = transitionRecord(t, command, actorId, at, state ?? null, texts);
      // Summaries make the history read as sentences in the Temporal UI.
      const summary = `Persist ${command} (#${t.state.seq})`;
      try {
        // Only histories recorded between the two patches replay with the local activity.
        const local = !patched(DURABLE_PERSISTENCE) && patched(LOCAL_PERSISTENCE);
        if (local) await persistLocally.executeWithOptions({ ...localPersistenceOptions, summary }, [record]);
        else await persistTransition.executeWithOptions({ ...persistenceOptions, summary }, [record]);
      } catch (err) {
        throw persistenceRefusal(err, record.contractId, record.seq); // the state stays as it was
      }
    }
    state = t.state; // persisted, so adopted: the database and the workflow never disagree
    if (viaProvider) await startPayouts(t);
    if (opensRequest && !childFirst) await startRequests(t);
    if (t.closed) outcomes.set(t.closed.request.id, t.closed.outcome);
    for (const e of t.effects) {
      if (e.type !== 'signalRequest') continue;
      try {
        // The actor travels with the signal, so the request's history and its report name who decided.
        const payload = { ...signalSender(actorId), ...(e.version === undefined ? {} : { version: e.version }) };
        await getExternalWorkflowHandle(changeRequestWorkflowId(e.requestId)).signal(requestSignals[e.signal], payload);
      } catch (err) {
        // Already closed (it expired or was decided a moment ago): its own report settles the request.
        log.warn('change-request workflow not signalled', { requestId: e.requestId, signal: e.signal, err: String(err) });
      }
    }
    t.notices.forEach(deliver);
    publishContractAttributes(state);
    showContractDetails(state);
  }

  async function startRequests(t: Transition): Promise<void> {
    for (const e of t.effects) {
      if (e.type !== 'startRequest') continue;
      // ABANDON: a pending request must outlive this run when the contract continues-as-new (R19).
      const child = await startChild(changeRequestWorkflow, {
        workflowId: changeRequestWorkflowId(e.request.id),
        args: [{
          requestId: e.request.id, contractId: t.state.id, kind: e.request.kind, expires: e.request.expiresAt !== null,
          ...(e.request.expiresAt === null ? {} : { expiresAt: e.request.expiresAt }), // R19: the timer ends when the request says
          ...(input.changeRequestTtlMs === undefined ? {} : { ttlMs: input.changeRequestTtlMs }),
        }],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        ...(input.requestTaskQueue ? { taskQueue: input.requestTaskQueue } : {}),
        typedSearchAttributes: requestAttributes(t.state.id, e.request),
        staticSummary: requestSummaryLine(e.request, t.state.milestones), // what it changes, old → new (UI)
      });
      // A request whose workflow closes without reporting (terminated, cancelled, failed, timed out from the
      // UI or CLI) would stay pending for ever: resolve it as canceled, naming why.
      const id = e.request.id;
      void child.result().then(() => undefined, (err: unknown) => closedWithoutDecision(id, closeReason(err)));
    }
  }

  /** A request whose workflow closed without reporting is resolved as canceled, naming why. */
  async function closedWithoutDecision(id: string, why: string): Promise<void> {
    if (!state || !isPending(id)) return;
    // Not a handler, so allHandlersFinished does not see it: counted, so continue-as-new waits for it.
    watching += 1;
    try {
      upgradeRulesUnderPatch();
      if (rulesVersion(state) < 2) return;
      await applyOutcome(id, 'canceled', { by: 'system', operator: false, reason: `its workflow closed without a decision: ${why}` });
    } finally {
      watching -= 1;
    }
  }

  /**
   * Applies a request's outcome under the lock. A write that fails for good is retried on a growing
   * timer instead of being dropped (rules v2); an operator's resolveRequest can settle it meanwhile.
   */
  async function applyOutcome(requestId: string, outcome: RequestOutcome, decision: Decision): Promise<void> {
    let wait: number = OUTCOME_RETRY_MS.first;
    for (let attempt = 1; attempt <= OUTCOME_RETRY_MS.tries; attempt++, wait = Math.min(wait * 2, OUTCOME_RETRY_MS.max)) {
      try {
        return await lock.runExclusive(async () => {
          upgradeRulesUnderPatch();
          const t = state && resolveRequest(state, requestId, outcome, decision, !patched(FIELD_CHECKS));
          if (!t) return; // a duplicate or late report
          await commit(t, `${t.closed?.request.kind === 'proposal' ? 'proposal' : 'changeRequest'} ${outcome}`, decision.by);
        });
      } catch (err) {
        // Failing a signal handler would fail the contract: log it and try again later.
        log.error('request outcome not applied', { requestId, outcome, err: String(err), retryInMs: wait });
        if (!state || rulesVersion(state) < 2) return;
        await sleep(wait, { summary: `apply the ${outcome} outcome of ${requestId} again (attempt ${attempt + 1})` });
      }
    }
    log.error('request outcome given up: resolve it with resolveRequest', { requestId, outcome, tries: OUTCOME_RETRY_MS.tries });
  }

  /** Delivery runs on its own queue, so it never blocks or reorders the contract; unfinished ones move on. */
  function deliver(notice: Notice): void {
    delivering.set(notice.key, notice);
    void deliverNotice
      .executeWithOptions({ ...deliveryFor(), summary: `Notify the ${notice.recipientRole}: ${notice.event.replaceAll('_', ' ')}` }, [notice])
      .catch((err) => log.error('notice not delivered', { key: notice.key, err: String(err) }))
      .finally(() => delivering.delete(notice.key));
  }
  (input.undelivered ?? []).forEach(deliver);

  /** Moves a contract created before rules version 2 to the current rules, at a point the history records. */
  function upgradeRulesUnderPatch(): void {
    if (state && rulesVersion(state) < RULES_VERSION && patched(RULES_UPGRADE)) state = { ...state, rulesVersion: RULES_VERSION };
    if (state && rulesRevision(state) < RULES_REVISION && patched(RULES_REVISION_2)) state = { ...state, rulesRevision: RULES_REVISION };
  }

  async function run(type: CommandType, { actorId, ...payload }: CommandArgs<CommandType>): Promise<CommandResult> {
    if (alreadyApplied()) return { contract: summarize(current()), milestones: [] };
    const earlier = earlierDecision();
    if (earlier) {
      // Sent again after a continue-as-new: answered with the outcome of the decision already forwarded.
      const effects: Transition['effects'] = [
        { type: 'signalRequest', requestId: earlier.requestId, signal: earlier.signal }, { type: 'awaitOutcome', requestId: earlier.requestId },
      ];
      const wait = input.outcomeWaitMs ?? OUTCOME_WAIT.v2;
      await awaitDecision({ state: current(), ledger: [], notices: [], effects }, { isPending, outcomes, honest: true, wait });
      return { contract: summarize(current()), milestones: [], requestId: earlier.requestId };
    }
    let before: ContractState | undefined;
    const t = await lock.runExclusive(async () => {
      upgradeRulesUnderPatch();
      before = current();
      const legacyFields = !patched(FIELD_CHECKS);
      const reviewWindows = type !== 'submitWork' || patched(REVIEW_WINDOWS);
      const reviewClock = !CLOCKED.includes(type) || patched(REVIEW_CLOCK);
      const { cmd, texts } = guard(() => prepareCommand({ type, ...payload } as Command, legacyFields, !legacyFields && rulesRevision(before!) >= 2));
      const t = guard(() => decide(before!, cmd, { actorId, now: now(), legacyFields, reviewWindows, reviewClock }));
      markDecider(t, actorId);
      await commit(t, type, actorId, texts);
      if (t.state.seq !== before.seq) remember(currentUpdateInfo()?.id);
      rememberDecision(t);
      return t;
    });
    const honest = rulesVersion(current()) >= 2;
    await awaitDecision(t, { isPending, outcomes, honest, wait: honest ? input.outcomeWaitMs ?? OUTCOME_WAIT.v2 : OUTCOME_WAIT.v1 });
    return {
      contract: summarize(current()),
      milestones: changedMilestones(before, current()),
      ...(t.diff ? { diff: t.diff } : {}),
      ...(t.prompt ? { prompt: t.prompt } : {}),
      ...(t.requestId ? { requestId: t.requestId } : {}),
    };
  }

  setHandler(contractStateQuery, () => state);

  setHandler(
    createContractUpdate,
    (cmd) =>
      lock.runExclusive(async () => {
        // Histories from before the current rules replay with the rules they were recorded under.
        const rules = patched(RULES_UPGRADE) ? RULES_VERSION : 1;
        const revision = patched(RULES_REVISION_2) ? RULES_REVISION : 1;
        const created = guard(() => createContract(cmd, now(), rules, !patched(FIELD_CHECKS), revision));
        await commit({ state: created, ledger: [], notices: [], effects: [] }, 'createContract', cmd.clientId);
        return { contract: summarize(created), milestones: [] };
      }),
    {
      validator: (cmd) => {
        if (state) guard(() => refuse('CONTRACT_EXISTS', undefined, `contract ${cmd.contractId} already exists`, 'conflict'));
        guard(() => createContract(cmd, ''));
      },
    },
  );

  for (const [type, def] of Object.entries(commandUpdates) as [CommandType, (typeof commandUpdates)[CommandType]][]) {
    setHandler(def, (args: CommandArgs<CommandType>) => run(type, args), {
      // Synchronous and pure (an async validator could never reject): decide() on a copy of the state.
      validator: ({ actorId, ...payload }: CommandArgs<CommandType>) => {
        if (alreadyApplied() || earlierDecision()) return;
        const { cmd } = guard(() => prepareCommand({ type, ...payload } as Command));
        guard(() => assertVersionNamed(cmd)); // R16: new answers must say which version they answer
        // As the handler will see it: a contract on old rules moves to the current ones at this command.
        guard(() => decide(withCurrentRules(current()), cmd, { actorId, now: now() }));
      },
    });
  }

  // R31: a deposit that was accepted pending (a bank debit) settled. Its record is updated by the webhook;
  // the contract says so in its history, and a failed one is left to an operator (docs/operations.md).
  setHandler(paymentSettledSignal, ({ key, reference, succeeded, reason }) => {
    if (succeeded) log.info('pending deposit confirmed', { key, reference });
    else log.error('pending deposit failed after funding: an operator settles it', { key, reference, reason: reason ?? null });
  });

  setHandler(requestResolvedSignal, async ({ requestId, outcome, decidedBy, operator, reason }) => {
    const claimed = { by: decidedBy ?? 'system', operator: operator === true, ...(reason ? { reason } : {}) };
    // Anyone with access to Temporal can send this signal: who decided comes from what the contract knows.
    if (!state || !isPending(requestId) || !patched(TRUTHFUL_SIGNALS)) return applyOutcome(requestId, outcome, claimed);
    const report: RequestReport = { requestId, outcome, ...(decidedBy ? { decidedBy } : {}), ...(reason ? { reason } : {}) };
    const first = attributeReport(state, report);
    const decision = 'check' in first ? attributeReport(state, report, await operatorKnown(first.check)) as Decision : first;
    const req = [state.changeRequest, state.proposal].find((r) => r?.id === requestId);
    const unasked = !req?.deciding && outcome !== 'expired';
    const version = req?.edits;
    await applyOutcome(requestId, outcome, decision);
    // Not a decision the contract forwarded: the request's workflow may not be the sender, so it is told to
    // close too (a workflow that already decided ignores it; one already closed makes the signal fail).
    if (unasked && !isPending(requestId)) await closeRequestWorkflow(requestId, outcome, decision.by, version);
  });

  async function closeRequestWorkflow(requestId: string, outcome: RequestOutcome, by: string, version: number | undefined): Promise<void> {
    const signal = outcome === 'approved' ? 'approve' : outcome === 'rejected' ? 'reject' : 'withdraw';
    try {
      const payload = { ...signalSender(by), ...(version === undefined ? {} : { version }) };
      await getExternalWorkflowHandle(changeRequestWorkflowId(requestId)).signal(requestSignals[signal], payload);
    } catch (err) {
      log.info('request workflow already closed', { requestId, err: String(err) });
    }
  }

  /** Whether a named operator is configured; unknown (the check failed) counts as not. */
  async function operatorKnown(id: string): Promise<boolean> {
    try {
      return await isOperator.executeWithOptions({ ...operatorCheckOptions, summary: `Is ${id} an operator?` }, [id]);
    } catch (err) {
      log.warn('operator not checked; recorded as unnamed', { operatorId: id, err: String(err) });
      return false;
    }
  }

  // An operator settles any pending request (a stuck one included); the history and audit name them.
  setHandler(
    resolveRequestUpdate,
    (args) =>
      lock.runExclusive(async () => {
        upgradeRulesUnderPatch();
        const before = guard(current);
        const decision = { by: operatorActor(args.operatorId), operator: true, reason: args.reason };
        const t = guard(() => resolveRequest(before, args.requestId, args.outcome, decision) ?? notPending(args.requestId));
        // Close the request's workflow too; its own report, if any, is then ignored (the contract decided).
        const version = t.closed?.request.edits;
        t.effects.push({ type: 'signalRequest', requestId: args.requestId, signal: CLOSE_SIGNAL[args.outcome], ...(version === undefined ? {} : { version }) });
        await commit(t, 'resolveRequest', decision.by);
        return { contract: summarize(current()), milestones: changedMilestones(before, current()), requestId: args.requestId };
      }),
    {
      validator: (args) => {
        guard(() => validateResolution(args));
        if (!isPending(args.requestId)) guard(() => notPending(args.requestId));
      },
    },
  );

  // The product's verbs as signals too: the Updates' rules; a refusal is recorded, not thrown.
  acceptContractSignals((verb, input) => lock.runExclusive(async () => {
    upgradeRulesUnderPatch();
    const before = guard(current);
    const operatorsOnly = patched(TRUTHFUL_SIGNALS);
    const { command, partyId, auditActor, operatorId } = guard(() => signalCommand(verb, input, before, operatorsOnly));
    guard(() => assertVersionNamed(command));
    if (operatorId !== undefined && !(await operatorKnown(operatorId))) {
      guard(() => refuse('UNKNOWN_OPERATOR', undefined, `${operatorId} is not an operator; nothing was done`, 'forbidden'));
    }
    // As in run(): a submission by signal starts a review window only under the patch (R25).
    const reviewWindows = command.type !== 'submitWork' || patched(REVIEW_WINDOWS);
    const reviewClock = !CLOCKED.includes(command.type) || patched(REVIEW_CLOCK);
    const t = guard(() => decide(before, command, { actorId: partyId, now: now(), reviewWindows, reviewClock }));
    markDecider(t, auditActor);
    await commit(t, command.type, auditActor);
  }));
  // R28: an operator resolves a dispute; the history, the audit trail and both notices name them.
  setHandler(
    resolveDisputeUpdate,
    (args) =>
      lock.runExclusive(async () => {
        const before = guard(current);
        const by = operatorActor(args.operatorId);
        const t = guard(() => resolveDispute(before, args, by));
        await commit(t, 'resolveDispute', by);
        return {
          contract: summarize(current()), milestones: changedMilestones(before, current()), requestId: args.disputeId,
          ...(t.prompt ? { prompt: t.prompt } : {}),
        };
      }),
    { validator: (args) => void guard(() => resolveDispute(current(), args, operatorActor(args.operatorId))) },
  );

  // R25, R27: the review windows' and refund requests' durable timers, applied by the system under the lock.
  const deadlines = new Deadlines({
    state: () => state,
    fire: () =>
      lock.runExclusive(async () => {
        const due = state && guard(() => fireDue(state!, now()));
        if (due) await commit(due.t, due.command, 'system');
      }),
  });

  // A workflow whose createContract update was refused never gets a state: end it rather than idle
  // (but never while an accepted create is still persisting).
  if (state) showContractDetails(state); // a continued run shows its details before its first command
  // Requests an earlier run started: no child handle here, so their workflows are asked about.
  const earlierRequests = [input.state?.changeRequest?.id, input.state?.proposal?.id].filter((id): id is string => !!id);
  if (earlierRequests.length && patched(WATCH_EARLIER_REQUESTS)) {
    const hooks = { isPending, closedWithoutReport: (id: string, status: string) => closedWithoutDecision(id, status.toLowerCase()) };
    for (const id of earlierRequests) void watchEarlierRequest(id, hooks, input.requestWatchMs);
  }
  if (!(await condition(() => state !== undefined, '1 hour', { summary: 'end this run if the contract is never created' }))) {
    await condition(allHandlersFinished);
    if (state === undefined) return;
  }
  void deadlines.run();
  await condition(
    () => state?.status === 'ended' || workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > maxHistoryEvents,
  );
  // Let in-flight handlers (and outcomes of closed request workflows) finish: nothing is lost at the boundary.
  await condition(() => allHandlersFinished() && watching === 0 && !deadlines.busy);
  if (state?.status !== 'ended') {
    await continueAsNew<typeof contractWorkflow>({
      state,
      maxHistoryEvents,
      undelivered: undeliveredWithinBudget(delivering.values()),
      appliedUpdateDigests: [...applied],
      rememberedDecisions: [...decisions.values()],
      decisionOutcomes: [...decisions.values()].flatMap((d) => (outcomes.has(d.requestId) ? [[d.requestId, outcomes.get(d.requestId)!] as [string, RequestOutcome]] : [])),
      ...(input.requestWatchMs === undefined ? {} : { requestWatchMs: input.requestWatchMs }),
      ...(input.outcomeWaitMs === undefined ? {} : { outcomeWaitMs: input.outcomeWaitMs }),
      ...(input.requestTaskQueue === undefined ? {} : { requestTaskQueue: input.requestTaskQueue }),
      ...(input.changeRequestTtlMs === undefined ? {} : { changeRequestTtlMs: input.changeRequestTtlMs }),
    });
  }
  // The contract has ended: its last notices are delivered before the workflow completes.
  await condition(() => delivering.size === 0);
}
