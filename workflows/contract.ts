// The contract entity workflow (`contract-<id>`): the single writer of one contract's state. Every command
// is an Update validated against that state; it continues-as-new when history grows and completes when
// the contract ends.
import {
  ParentClosePolicy,
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { ContractActivities } from '../activities/types.js';
import { expiresAt } from '../domain/change-request.js';
import { type ContractState, assertOpen, createContract } from '../domain/contract.js';
import { refuse } from '../domain/errors.js';
import { changeRequestWorkflowId } from '../domain/names.js';
import { persistenceOptions } from './activity-options.js';
import { changeRequestWorkflow } from './change-request.js';
import { guard } from './failures.js';
import { Lock } from './lock.js';
import {
  ChangeRequestExpiresAtKey,
  ClientIdKey,
  ContractIdKey,
  ContractStatusKey,
  FreelancerIdKey,
  PendingChangeRequestKey,
} from './search-attributes.js';
import {
  changeRequestResolvedSignal,
  contractStateQuery,
  createContractUpdate,
  requestChangeUpdate,
} from './messages.js';

const { persistContract, persistChangeRequestOpened, persistChangeRequestClosed } =
  proxyActivities<ContractActivities>(persistenceOptions);

export interface ContractWorkflowInput {
  /** Carried across continue-as-new; absent on the first run, set by the createContract update. */
  state?: ContractState;
}

export async function contractWorkflow(input: ContractWorkflowInput = {}): Promise<void> {
  let state = input.state;
  const lock = new Lock();
  const now = () => new Date().toISOString();
  const current = (): ContractState => state ?? refuse('CONTRACT_NOT_FOUND', undefined, 'contract not created yet', 'not_found');

  setHandler(contractStateQuery, () => state);

  setHandler(
    createContractUpdate,
    (cmd) =>
      lock.runExclusive(async () => {
        const next = guard(() => createContract(cmd, now()));
        await persistContract(next);
        state = next;
        publishSearchAttributes(state);
        return state;
      }),
    {
      validator: (cmd) => {
        if (state) guard(() => refuse('CONTRACT_EXISTS', undefined, `contract ${state?.id} already exists`, 'conflict'));
        guard(() => createContract(cmd, ''));
      },
    },
  );

  setHandler(
    requestChangeUpdate,
    ({ requestId }) =>
      lock.runExclusive(async () => {
        const contract = guard(current);
        const createdAt = now();
        // ABANDON: the seven-day request must outlive this run when the contract continues-as-new (R19).
        await startChild(changeRequestWorkflow, {
          workflowId: changeRequestWorkflowId(requestId),
          args: [{ requestId, contractId: contract.id }],
          parentClosePolicy: ParentClosePolicy.ABANDON,
          typedSearchAttributes: [
            { key: ContractIdKey, value: contract.id },
            { key: ChangeRequestExpiresAtKey, value: new Date(expiresAt(createdAt)) },
          ],
        });
        await persistChangeRequestOpened({ contractId: contract.id, requestId, createdAt, expiresAt: expiresAt(createdAt) });
        state = { ...contract, seq: contract.seq + 1, openChangeRequests: [...contract.openChangeRequests, requestId] };
        publishSearchAttributes(state);
        return state;
      }),
    {
      validator: (_cmd) => {
        guard(() => assertOpen(current()));
      },
    },
  );

  setHandler(changeRequestResolvedSignal, ({ requestId, outcome }) =>
    lock.runExclusive(async () => {
      const contract = state;
      if (!contract || !contract.openChangeRequests.includes(requestId)) return; // duplicate or stale report
      await persistChangeRequestClosed({ contractId: contract.id, requestId, outcome, resolvedAt: now() });
      state = {
        ...contract,
        seq: contract.seq + 1,
        openChangeRequests: contract.openChangeRequests.filter((id) => id !== requestId),
      };
      publishSearchAttributes(state);
    }),
  );

  await condition(() => state?.status === 'ended' || workflowInfo().continueAsNewSuggested);
  // Let in-flight handlers finish so no accepted command is lost across the run boundary.
  await condition(allHandlersFinished);
  if (state?.status !== 'ended') await continueAsNew<typeof contractWorkflow>({ state });
}

/** Keeps the operator-facing search attributes in step with the contract (DESIGN.md, ops). */
function publishSearchAttributes(state: ContractState): void {
  upsertSearchAttributes([
    { key: ContractIdKey, value: state.id },
    { key: ClientIdKey, value: state.clientId },
    { key: FreelancerIdKey, value: state.freelancerId },
    { key: ContractStatusKey, value: state.status },
    { key: PendingChangeRequestKey, value: state.openChangeRequests.length > 0 },
  ]);
}
