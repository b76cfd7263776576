// The two ways a command reaches a contract: through the API (HTTP, bearer token, Idempotency-Key; the
// API then reads the contract back from PostgreSQL) and through the Temporal client directly, sending
// the very Updates the API sends (api/routes/commands.ts, api/routes/contracts.ts).
import { randomUUID } from 'node:crypto';
import { WithStartWorkflowOperation } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import type { CommandType } from '../../domain/commands.js';
import { DEFAULT_INITIATION_FEE_CENTS } from '../../domain/money.js';
import { contractWorkflowId } from '../../domain/names.js';
import type { PlanOp } from '../../domain/plan.js';
import type { MilestonePatch } from '../../domain/milestone.js';
import type { contractWorkflow } from '../../workflows/contract.js';
import { type CommandArgs, type CommandResult, commandUpdates, createContractUpdate } from '../../workflows/messages.js';
import type { BenchStack } from './stack.js';

export type PathName = 'api' | 'client';

export interface ContractPath {
  name: PathName;
  create(title: string): Promise<string>;
  savePlan(id: string, ops: PlanOp[]): Promise<void>;
  fund(id: string): Promise<void>;
  submit(id: string, milestoneId: string): Promise<void>;
  release(id: string, milestoneId: string): Promise<void>;
  /** Returns the request's id; its version is 0 until edited. */
  requestChange(id: string, milestoneId: string, changes: MilestonePatch): Promise<string>;
  approve(id: string, requestId: string, version: number): Promise<void>;
}

export function apiPath(stack: BenchStack): ContractPath {
  const { client, freelancer } = stack;
  const post = async (path: string, token: string, body: unknown = {}): Promise<Record<string, unknown>> => {
    const res = await fetch(`${stack.baseUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  return {
    name: 'api',
    create: async (title) => String((await post('/contracts', client.token, { title, freelancerId: freelancer.id })).id),
    savePlan: async (id, ops) => void (await post(`/contracts/${id}/milestones/batch`, client.token, { ops })),
    fund: async (id) => void (await post(`/contracts/${id}/fund`, client.token)),
    submit: async (id, m) => void (await post(`/contracts/${id}/milestones/${m}/submit`, freelancer.token)),
    release: async (id, m) => void (await post(`/contracts/${id}/milestones/${m}/release`, client.token)),
    requestChange: async (id, milestoneId, changes) =>
      String((await post(`/contracts/${id}/change-requests`, client.token, { milestoneId, changes })).requestId),
    approve: async (id, requestId, version) => void (await post(`/contracts/${id}/change-requests/${requestId}/approve`, freelancer.token, { version })),
  };
}

export function clientPath(stack: BenchStack): ContractPath {
  const { temporal, client, freelancer, taskQueue } = stack;
  const send = <T extends CommandType>(id: string, type: T, args: CommandArgs<T>): Promise<CommandResult> => {
    const def = commandUpdates[type] as unknown as UpdateDefinition<CommandResult, [CommandArgs<T>]>;
    return temporal.workflow.getHandle(contractWorkflowId(id)).executeUpdate(def, { args: [args], updateId: randomUUID() });
  };
  return {
    name: 'client',
    async create(title) {
      const contractId = randomUUID();
      await temporal.workflow.executeUpdateWithStart(createContractUpdate, {
        args: [{ contractId, clientId: client.id, freelancerId: freelancer.id, title, initiationFeeCents: DEFAULT_INITIATION_FEE_CENTS }],
        updateId: randomUUID(),
        startWorkflowOperation: new WithStartWorkflowOperation<typeof contractWorkflow>('contractWorkflow', {
          workflowId: contractWorkflowId(contractId),
          taskQueue,
          args: [{}],
          workflowIdConflictPolicy: 'USE_EXISTING',
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        }),
      });
      return contractId;
    },
    savePlan: async (id, ops) => void (await send(id, 'savePlan', { actorId: client.id, ops })),
    fund: async (id) => void (await send(id, 'fundMilestone', { actorId: client.id })),
    submit: async (id, milestoneId) => void (await send(id, 'submitWork', { actorId: freelancer.id, milestoneId })),
    release: async (id, milestoneId) => void (await send(id, 'releasePayment', { actorId: client.id, milestoneId })),
    // The API reads R14's flag from the client's record and passes it on; this client has it on.
    requestChange: async (id, milestoneId, patch) =>
      (await send(id, 'requestChange', { actorId: client.id, milestoneId, patch, featureEnabled: true })).requestId!,
    approve: async (id, requestId, version) => void (await send(id, 'approveChangeRequest', { actorId: freelancer.id, requestId, version })),
  };
}

/** `count` milestones of $50 each (R4's minimum is $5). */
export const planOps = (count: number): PlanOp[] =>
  Array.from({ length: count }, (_, i) => ({ op: 'add' as const, title: `Milestone ${i + 1}`, amountCents: 5000 }));
