// The contract entity workflow (`contract-<id>`): the single writer of one contract's state. Every command
// is an Update (or one of the verbs as signals) handled by the ContractEntity (contract-entity.ts); this
// function wires the handlers, runs the deadlines and the watches, and continues-as-new to keep history
// bounded, completing when the contract ends.
import { allHandlersFinished, condition, continueAsNew, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import type { CommandType } from '../domain/commands.js';
import type { ContractState } from '../domain/contract.js';
import type { Notice } from '../domain/events.js';
import { ContractEntity } from './contract-entity.js';
import { assertDayMs } from '../domain/review.js';
import { Deadlines } from './deadlines.js';
import { guard } from './failures.js';
import {
  type CommandArgs, commandUpdates, contractStateQuery, createContractUpdate, paymentPendingSignal, paymentSettledSignal, requestResolvedSignal,
  resolveDisputeUpdate, resolveRequestUpdate,
} from './messages.js';
import type { RememberedCarry } from './remembered-answers.js';
import { watchEarlierRequest } from './request-watch.js';
import { acceptContractSignals } from './signals.js';

export type { RememberedDecision } from './remembered-answers.js';

export interface ContractWorkflowInput extends RememberedCarry {
  /** Carried across continue-as-new; absent on the first run, set by the createContract update. */
  state?: ContractState;
  /** Continue-as-new past this many history events even if the server has not suggested it yet. */
  maxHistoryEvents?: number;
  /** Notices still being delivered when the previous run continued-as-new (delivery is idempotent by key). */
  undelivered?: Notice[];
  /** How long a decision waits for its request's outcome (default OUTCOME_WAIT); tests shorten it. */
  outcomeWaitMs?: number;
  /** Where request workflows run (default: the contract's queue); a test holds an outcome back with it. */
  requestTaskQueue?: string;
  /** How long a change request waits before it expires (default CHANGE_REQUEST_TTL); the fault suite shortens it. */
  changeRequestTtlMs?: number;
  /** How often a request an earlier run started is checked on (default WATCH_EVERY_MS); tests shorten it. */
  requestWatchMs?: number;
  /**
   * Test-only: the length of a day in this contract's deadlines (R25, R27), recorded in the state at
   * creation; absent in production (24 h). The fault suite sees windows and lapses fall due in seconds.
   */
  dayMs?: number;
}

const DEFAULT_MAX_HISTORY_EVENTS = 10_000;

export async function contractWorkflow(input: ContractWorkflowInput = {}): Promise<void> {
  if (input.dayMs !== undefined) guard(() => assertDayMs(input.dayMs)); // a bad test option fails the run at once
  const maxHistoryEvents = input.maxHistoryEvents ?? DEFAULT_MAX_HISTORY_EVENTS;
  // Runs recorded before the projection moved behind the answer keep persisting before they answer until
  // they continue-as-new; every new run answers at once and projects behind (workflows/projection.ts).
  const contract = new ContractEntity({ ...input, projectBehind: patched('projected-behind') });
  // The projection's writer: one loop for the whole run, never started from a handler (workflows/projection.ts).
  if (contract.projection) void contract.projection.run();
  (input.undelivered ?? []).forEach((n) => contract.notices.deliver(n));

  setHandler(contractStateQuery, () => contract.state);
  setHandler(createContractUpdate, (cmd) => contract.create(cmd), { validator: (cmd) => contract.validateCreate(cmd) });
  for (const [type, def] of Object.entries(commandUpdates) as [CommandType, (typeof commandUpdates)[CommandType]][]) {
    setHandler(def, (args: CommandArgs<CommandType>) => contract.command(type, args), {
      validator: (args: CommandArgs<CommandType>) => contract.validateCommand(type, args),
    });
  }
  setHandler(requestResolvedSignal, (report) => contract.requestResolved(report));
  setHandler(resolveRequestUpdate, (args) => contract.resolveRequest(args), { validator: (args) => contract.validateResolveRequest(args) });
  setHandler(resolveDisputeUpdate, (args) => contract.resolveDispute(args), { validator: (args) => contract.validateResolveDispute(args) });
  acceptContractSignals((verb, signal) => contract.signalled(verb, signal));
  // R31: the payment provider's news (its webhook; a payout or refund waiting); only contracts created with one.
  setHandler(paymentSettledSignal, (settled) => contract.paymentSettled(settled));
  setHandler(paymentPendingSignal, (pending) => contract.paymentPending(pending));

  // R25, R27: the review windows' and refund requests' durable timers.
  const deadlines = new Deadlines({ state: () => contract.state, fire: () => contract.fireDeadlines() });

  if (contract.state) contract.details.show(contract.state); // a continued run shows its details before its first command
  // Requests an earlier run started: no child handle here, so their workflows are asked about.
  const hooks = { isPending: contract.isPending, closedWithoutReport: (id: string, status: string) => contract.closedWithoutDecision(id, status.toLowerCase()) };
  for (const id of [input.state?.changeRequest?.id, input.state?.proposal?.id]) if (id) void watchEarlierRequest(id, hooks, input.requestWatchMs);

  // A workflow whose createContract update was refused never gets a state: end it rather than idle
  // (but never while an accepted create is still persisting).
  if (!(await condition(() => contract.state !== undefined, '1 hour', { summary: 'end this run if the contract is never created' }))) {
    await condition(allHandlersFinished);
    if (contract.state === undefined) return;
  }
  void deadlines.run();
  await condition(
    () => contract.state?.status === 'ended' || workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > maxHistoryEvents,
  );
  // Continuing: admit no new command from here (refused with 503, retried by the API), so the wait below
  // ends after the handlers in flight and one or two projection writes, within the history bound.
  if (contract.state?.status !== 'ended') contract.handOver.started = true;
  // Let in-flight handlers (and outcomes of closed request workflows) finish: nothing is lost at the boundary.
  // The projection drains too: the next run (or the end) starts with PostgreSQL holding every seq.
  const drained = () => contract.projection?.drained ?? true;
  await condition(() => allHandlersFinished() && contract.watching === 0 && !deadlines.busy && drained());
  if (contract.state?.status !== 'ended') {
    await continueAsNew<typeof contractWorkflow>({
      state: contract.state,
      maxHistoryEvents,
      undelivered: contract.notices.carry(),
      ...contract.memory.carry(),
      ...(input.requestWatchMs === undefined ? {} : { requestWatchMs: input.requestWatchMs }),
      ...(input.outcomeWaitMs === undefined ? {} : { outcomeWaitMs: input.outcomeWaitMs }),
      ...(input.requestTaskQueue === undefined ? {} : { requestTaskQueue: input.requestTaskQueue }),
      ...(input.changeRequestTtlMs === undefined ? {} : { changeRequestTtlMs: input.changeRequestTtlMs }),
    });
  }
  // The contract has ended: its last records are stored and its last notices delivered before the workflow completes.
  await condition(() => contract.notices.inFlight === 0 && drained());
}
