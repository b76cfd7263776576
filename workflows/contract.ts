// The contract entity workflow (`contract-<id>`): the single writer of one contract's state. Every command
// is an Update validated against that state by the pure rules in domain/; accepted ones are persisted,
// then notified. It continues-as-new to keep history bounded and completes when the contract ends.
import {
  ApplicationFailure,
  ParentClosePolicy,
  allHandlersFinished,
  condition,
  continueAsNew,
  currentUpdateInfo,
  getExternalWorkflowHandle,
  log,
  patched,
  proxyActivities,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { ContractActivities } from '../activities/types.js';
import type { Notice } from '../domain/events.js';
import type { RequestOutcome } from '../domain/change-request.js';
import { type Command, type CommandType, type RequestSignal, type Transition, decide, resolveRequest } from '../domain/commands.js';
import { type ContractState, changedMilestones, createContract, summarize } from '../domain/contract.js';
import { transitionRecord } from './records.js';
import { refuse } from '../domain/errors.js';
import { changeRequestWorkflowId } from '../domain/names.js';
import { deliveryOptions, persistenceOptions } from './activity-options.js';
import { changeRequestWorkflow } from './change-request.js';
import { guard, persistenceRefusal } from './failures.js';
import { Lock } from './lock.js';
import { type CommandArgs, type CommandResult, commandUpdates, contractStateQuery, createContractUpdate, requestResolvedSignal, requestSignals } from './messages.js';
import { publishContractAttributes, requestAttributes } from './search-attributes.js';

const { persistTransition } = proxyActivities<ContractActivities>(persistenceOptions);
const { deliverNotice } = proxyActivities<ContractActivities>(deliveryOptions);

export interface ContractWorkflowInput {
  /** Carried across continue-as-new; absent on the first run, set by the createContract update. */
  state?: ContractState;
  /** Continue-as-new past this many history events even if the server has not suggested it yet. */
  maxHistoryEvents?: number;
  /** Notices still being delivered when the previous run continued-as-new (delivery is idempotent by key). */
  undelivered?: Notice[];
  /** Ids of the latest applied updates: Temporal dedupes an update id within a run only. */
  appliedUpdateIds?: string[];
}

/** Enough to cover any client retry window across a run boundary. */
const REMEMBERED_UPDATE_IDS = 1000;

const DEFAULT_MAX_HISTORY_EVENTS = 10_000;
/** patched(): persist a transition before starting the request workflow it opens (issue 8). */
const PERSIST_BEFORE_CHILD = 'persist-before-child';
/** An approve/reject/withdraw waits this long for the change-request workflow to report back. */
const OUTCOME_WAIT = '1 minute';
const EXPECTED_OUTCOME: Partial<Record<RequestSignal, RequestOutcome>> = { approve: 'approved', reject: 'rejected', withdraw: 'withdrawn' };

export async function contractWorkflow(input: ContractWorkflowInput = {}): Promise<void> {
  let state = input.state;
  const maxHistoryEvents = input.maxHistoryEvents ?? DEFAULT_MAX_HISTORY_EVENTS;
  const lock = new Lock();
  const delivering = new Map<string, Notice>();
  const applied = new Set(input.appliedUpdateIds ?? []);
  const outcomes = new Map<string, RequestOutcome>();
  const remember = (id: string | undefined) => {
    if (!id) return;
    applied.add(id);
    if (applied.size > REMEMBERED_UPDATE_IDS) applied.delete(applied.values().next().value!);
  };
  /** A retried update from before a continue-as-new: answered, never applied twice. */
  const alreadyApplied = () => applied.has(currentUpdateInfo()?.id ?? '');
  const now = () => new Date().toISOString(); // workflow time: deterministic on replay
  const current = (): ContractState => state ?? refuse('CONTRACT_NOT_FOUND', undefined, 'no such contract', 'not_found');
  const isPending = (requestId: string) => state?.changeRequest?.id === requestId || state?.proposal?.id === requestId;

  /** Persists an accepted transition, then adopts it and carries out its effects. Runs under the lock. */
  async function commit(t: Transition, command: string, actorId: string): Promise<void> {
    const at = now();
    const opensRequest = t.effects.some((e) => e.type === 'startRequest');
    // Histories recorded before this patch started the child first; new ones persist first, so a request
    // whose transition the database refused never has a workflow (its id would be reused by the next).
    const childFirst = opensRequest && !patched(PERSIST_BEFORE_CHILD);
    if (childFirst) await startRequests(t);
    if (t.state.seq !== state?.seq) {
      const record = transitionRecord(t, command, actorId, at, state ?? null);
      try {
        // Summaries make the history read as sentences in the Temporal UI.
        await persistTransition.executeWithOptions({ ...persistenceOptions, summary: `Persist ${command} (#${t.state.seq})` }, [record]);
      } catch (err) {
        throw persistenceRefusal(err, record.contractId, record.seq); // the state stays as it was
      }
    }
    state = t.state; // persisted, so adopted: the database and the workflow never disagree
    if (opensRequest && !childFirst) await startRequests(t);
    if (t.closed) outcomes.set(t.closed.request.id, t.closed.outcome);
    for (const e of t.effects) {
      if (e.type !== 'signalRequest') continue;
      try {
        await getExternalWorkflowHandle(changeRequestWorkflowId(e.requestId)).signal(requestSignals[e.signal]);
      } catch (err) {
        // Already closed (it expired or was decided a moment ago): its own report settles the request.
        log.warn('change-request workflow not signalled', { requestId: e.requestId, signal: e.signal, err: String(err) });
      }
    }
    t.notices.forEach(deliver);
    publishContractAttributes(state);
  }

  async function startRequests(t: Transition): Promise<void> {
    for (const e of t.effects) {
      if (e.type !== 'startRequest') continue;
      // ABANDON: a pending request must outlive this run when the contract continues-as-new (R19).
      await startChild(changeRequestWorkflow, {
        workflowId: changeRequestWorkflowId(e.request.id),
        args: [{ requestId: e.request.id, contractId: t.state.id, kind: e.request.kind, expires: e.request.expiresAt !== null }],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        typedSearchAttributes: requestAttributes(t.state.id, e.request),
        staticSummary: e.request.kind === 'change' ? `Change request on milestone ${e.request.milestoneId}` : 'Proposal on pending milestones',
      });
    }
  }

  /** Delivery never blocks or reorders the contract (DESIGN.md); unfinished ones move to the next run. */
  function deliver(notice: Notice): void {
    delivering.set(notice.key, notice);
    void deliverNotice
      .executeWithOptions({ ...deliveryOptions, summary: `Notify the ${notice.recipientRole}: ${notice.event.replaceAll('_', ' ')}` }, [notice])
      .catch((err) => log.error('notice not delivered', { key: notice.key, err: String(err) }))
      .finally(() => delivering.delete(notice.key));
  }
  (input.undelivered ?? []).forEach(deliver);

  async function run(type: CommandType, { actorId, ...payload }: CommandArgs<CommandType>): Promise<CommandResult> {
    if (alreadyApplied()) return { contract: summarize(current()), milestones: [] };
    const cmd = { type, ...payload } as Command;
    let before: ContractState | undefined;
    const t = await lock.runExclusive(async () => {
      before = current();
      const t = guard(() => decide(before!, cmd, { actorId, now: now() }));
      await commit(t, type, actorId);
      if (t.state.seq !== before.seq) remember(currentUpdateInfo()?.id);
      return t;
    });
    const wait = t.effects.find((e) => e.type === 'awaitOutcome');
    if (wait) {
      await condition(() => !isPending(wait.requestId), OUTCOME_WAIT);
      // The request's workflow decides: tell the caller when it decided otherwise (e.g. it had expired).
      const asked = t.effects.find((e) => e.type === 'signalRequest');
      const expected = asked?.type === 'signalRequest' ? EXPECTED_OUTCOME[asked.signal] : undefined;
      const outcome = outcomes.get(wait.requestId);
      if (outcome && expected && outcome !== expected) {
        throw ApplicationFailure.create({
          type: 'REQUEST_ALREADY_RESOLVED',
          message: `the request was ${outcome} before this decision reached it`,
          nonRetryable: true,
          details: [{ rule: outcome === 'expired' ? 'R19' : 'R18', kind: 'conflict' }],
        });
      }
    }
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
        const created = guard(() => createContract(cmd, now()));
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
        if (alreadyApplied()) return;
        guard(() => decide(current(), { type, ...payload } as Command, { actorId, now: now() }));
      },
    });
  }

  setHandler(requestResolvedSignal, ({ requestId, outcome }) =>
    lock.runExclusive(async () => {
      const t = state && resolveRequest(state, requestId, outcome);
      if (!t) return; // a duplicate or late report
      try {
        await commit(t, `${t.closed?.request.kind === 'proposal' ? 'proposal' : 'changeRequest'} ${outcome}`, 'system');
      } catch (err) {
        // Only a non-retryable persistence bug gets here; failing a signal handler would fail the contract.
        log.error('request outcome not applied', { requestId, outcome, err: String(err) });
      }
    }),
  );

  // A workflow whose createContract update was refused never gets a state: end it rather than idle
  // (but never while an accepted create is still persisting).
  if (!(await condition(() => state !== undefined, '1 hour'))) {
    await condition(allHandlersFinished);
    if (state === undefined) return;
  }
  await condition(
    () => state?.status === 'ended' || workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > maxHistoryEvents,
  );
  // Let in-flight handlers finish so no accepted command is lost at the boundary.
  await condition(allHandlersFinished);
  if (state?.status !== 'ended') {
    await continueAsNew<typeof contractWorkflow>({
      state,
      maxHistoryEvents,
      undelivered: [...delivering.values()],
      appliedUpdateIds: [...applied],
    });
  }
  // The contract has ended: its last notices are delivered before the workflow completes.
  await condition(() => delivering.size === 0);
}
