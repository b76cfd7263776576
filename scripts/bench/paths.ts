// The two ways a command reaches a contract: through the API (HTTP, bearer token, Idempotency-Key; the
// API then reads the contract back from PostgreSQL) and through the Temporal client directly, sending
// the very Updates the API sends (api/routes/commands.ts, api/routes/contracts.ts).
import { randomUUID } from 'node:crypto';
import { WithStartWorkflowOperation } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import type { CommandType } from '../../domain/commands.js';
import { LIMITS } from '../../domain/fields.js';
import { DEFAULT_INITIATION_FEE_CENTS } from '../../domain/money.js';
import { contractWorkflowId } from '../../domain/names.js';
import { MAX_MILESTONES, type PlanOp } from '../../domain/plan.js';
import type { MilestonePatch } from '../../domain/milestone.js';
import type { contractWorkflow } from '../../workflows/contract.js';
import { type CommandArgs, type CommandResult, commandUpdates, createContractUpdate } from '../../workflows/messages.js';
import { sleep, within } from './bounded.js';
import type { BenchStack } from './stack.js';

export type PathName = 'api' | 'client';

/** Longer than the API's own deadline on an Update (15 s), so the API's 503 is what a slow command shows. */
const COMMAND_TIMEOUT_MS = 30_000;
const RETRIES_ON_503 = 3;
let retried503 = 0;
/** How many API commands were sent again after a 503 (a machine too loaded for the API's deadline). */
export const retriesAfter503 = (): number => retried503;

/**
 * R30: every contract starts as an offer. The bench's is one small milestone, accepted and released at once,
 * which leaves the contract open with nothing funded (where a create left it before offers); what the bench
 * then plans it names m1, m2, … and the paths send as the contract's m2, m3, …
 */
const KICK_OFF = { title: 'Kick-off', amountCents: 500 };
const own = (m: string): string => `m${Number(m.slice(1)) + 1}`;
/** What a plan may add beside the offer's released milestone (R2 counts it). */
export const PLANNABLE = MAX_MILESTONES - 1;

export interface ContractPath {
  name: PathName;
  /** The offer sent (what the bench measures as `create`); its id. */
  offer(title: string): Promise<string>;
  /** The offer accepted and its milestone released (see KICK_OFF). */
  open(id: string): Promise<void>;
  /** offer, then open. */
  create(title: string): Promise<string>;
  savePlan(id: string, ops: PlanOp[]): Promise<void>;
  fund(id: string): Promise<void>;
  submit(id: string, milestoneId: string): Promise<void>;
  release(id: string, milestoneId: string): Promise<void>;
  /** Returns the request's id; its version is 0 until edited. */
  requestChange(id: string, milestoneId: string, changes: MilestonePatch): Promise<string>;
  approve(id: string, requestId: string, version: number): Promise<void>;
}

/** What an API answer says about the contract's projection: its `seq`, when the answer carries one. */
export interface Answered {
  contractId: string;
  seq: number | null;
  /** performance.now() when the answer arrived. */
  at: number;
}

/**
 * The contract's `seq` in an answer: the body's `seq` (or `contract.seq`), or a `Contract-Seq` header; null
 * while answers carry none (the read model is written before the answer, so there is no lag to measure).
 */
export function seqOf(body: Record<string, unknown>, headers: Headers): number | null {
  const candidates = [body.seq, (body.contract as Record<string, unknown> | undefined)?.seq, headers.get('contract-seq')];
  for (const c of candidates) {
    const n = typeof c === 'string' && /^\d+$/.test(c) ? Number(c) : c;
    if (typeof n === 'number' && Number.isSafeInteger(n)) return n;
  }
  return null;
}

export function apiPath(stack: BenchStack, onAnswer?: (a: Answered) => void): ContractPath {
  const { client, freelancer } = stack;
  const post = async (path: string, token: string, body: unknown = {}): Promise<Record<string, unknown>> => {
    const key = randomUUID();
    let res: Response;
    let json: Record<string, unknown>;
    // A 503 (the API's deadline on the Update passed: a loaded machine) is retried with the same key, as the
    // API asks, after its Retry-After (a 409 while that first request still runs, likewise), a bounded
    // number of times; anything else that is not 2xx fails the bench with its answer.
    for (let attempt = 1; ; attempt++) {
      res = await fetch(`${stack.baseUrl}${path}`, {
        method: 'POST',
        // A bound on every call: a stuck command fails the bench with its path instead of hanging it.
        signal: AbortSignal.timeout(COMMAND_TIMEOUT_MS),
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify(body),
      });
      json = (await res.json()) as Record<string, unknown>;
      const retry = res.status === 503 || (res.status === 409 && json.code === 'IDEMPOTENCY_REQUEST_IN_PROGRESS');
      if (!retry || attempt >= RETRIES_ON_503) break;
      retried503 += 1;
      await sleep(Math.min(5, Number(res.headers.get('retry-after')) || 1) * 1000);
    }
    if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${JSON.stringify(json).slice(0, 2000)}`);
    const contractId = /^\/contracts\/([^/]+)/.exec(path)?.[1] ?? (typeof json.id === 'string' ? json.id : undefined);
    if (onAnswer && contractId) onAnswer({ contractId, seq: seqOf(json, res.headers), at: performance.now() });
    return json;
  };
  return {
    name: 'api',
    offer: async (title) => String((await post('/contracts', client.token, { title, freelancerId: freelancer.id, milestones: [KICK_OFF] })).id),
    async open(id) {
      await post(`/contracts/${id}/offer/accept`, freelancer.token, { version: 1 });
      await post(`/contracts/${id}/milestones/m1/release`, client.token);
    },
    async create(title) {
      const id = await this.offer(title);
      await this.open(id);
      return id;
    },
    savePlan: async (id, ops) => void (await post(`/contracts/${id}/milestones/batch`, client.token, { ops })),
    fund: async (id) => void (await post(`/contracts/${id}/fund`, client.token)),
    submit: async (id, m) => void (await post(`/contracts/${id}/milestones/${own(m)}/submit`, freelancer.token)),
    release: async (id, m) => void (await post(`/contracts/${id}/milestones/${own(m)}/release`, client.token)),
    requestChange: async (id, milestoneId, changes) =>
      String((await post(`/contracts/${id}/change-requests`, client.token, { milestoneId: own(milestoneId), changes })).requestId),
    approve: async (id, requestId, version) => void (await post(`/contracts/${id}/change-requests/${requestId}/approve`, freelancer.token, { version })),
  };
}

export function clientPath(stack: BenchStack): ContractPath {
  const { temporal, client, freelancer, taskQueue } = stack;
  const send = <T extends CommandType>(id: string, type: T, args: CommandArgs<T>): Promise<CommandResult> => {
    const def = commandUpdates[type] as unknown as UpdateDefinition<CommandResult, [CommandArgs<T>]>;
    return within(temporal.workflow.getHandle(contractWorkflowId(id)).executeUpdate(def, { args: [args], updateId: randomUUID() }),
      COMMAND_TIMEOUT_MS, `${type} on ${id} (client)`);
  };
  return {
    name: 'client',
    async create(title) {
      const id = await this.offer(title);
      await this.open(id);
      return id;
    },
    async open(id) {
      await send(id, 'acceptOffer', { actorId: freelancer.id, version: 1 });
      await send(id, 'releasePayment', { actorId: client.id, milestoneId: 'm1' });
    },
    async offer(title) {
      const contractId = randomUUID();
      await within(temporal.workflow.executeUpdateWithStart(createContractUpdate, {
        args: [{
          contractId, clientId: client.id, freelancerId: freelancer.id, title, initiationFeeCents: DEFAULT_INITIATION_FEE_CENTS,
          offer: { milestones: [KICK_OFF] },
        }],
        updateId: randomUUID(),
        startWorkflowOperation: new WithStartWorkflowOperation<typeof contractWorkflow>('contractWorkflow', {
          workflowId: contractWorkflowId(contractId),
          taskQueue,
          args: [{}],
          workflowIdConflictPolicy: 'USE_EXISTING',
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        }),
      }), COMMAND_TIMEOUT_MS, 'create (client)');
      return contractId;
    },
    savePlan: async (id, ops) => void (await send(id, 'savePlan', { actorId: client.id, ops })),
    fund: async (id) => void (await send(id, 'fundMilestone', { actorId: client.id })),
    submit: async (id, milestoneId) => void (await send(id, 'submitWork', { actorId: freelancer.id, milestoneId: own(milestoneId) })),
    release: async (id, milestoneId) => void (await send(id, 'releasePayment', { actorId: client.id, milestoneId: own(milestoneId) })),
    // The API reads R14's flag from the client's record and passes it on; this client has it on.
    requestChange: async (id, milestoneId, patch) =>
      (await send(id, 'requestChange', { actorId: client.id, milestoneId: own(milestoneId), patch, featureEnabled: true })).requestId!,
    approve: async (id, requestId, version) => void (await send(id, 'approveChangeRequest', { actorId: freelancer.id, requestId, version })),
  };
}

/**
 * The worst case the rules allow, `count` milestones at a time (a plan is built in batches that each fit
 * the API's 256 KB body): every title and description at its limit, each text distinct (texts are stored
 * once per contract by their hash, so repeated ones would be cheaper than real ones).
 */
export const worstCasePlanOps = (from: number, count: number): PlanOp[] =>
  Array.from({ length: count }, (_, i) => {
    const n = from + i;
    const fill = (prefix: string, length: number) => `${prefix} ${n}: ${'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(Math.ceil(length / 56))}`.slice(0, length);
    return { op: 'add' as const, title: fill('Milestone', LIMITS.milestoneTitle), description: fill('Deliverables of milestone', LIMITS.description), amountCents: 5000 };
  });

/** `count` milestones of $50 each (R4's minimum is $5). */
export const planOps = (count: number): PlanOp[] =>
  Array.from({ length: count }, (_, i) => ({ op: 'add' as const, title: `Milestone ${i + 1}`, amountCents: 5000 }));
