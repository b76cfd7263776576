// Drives contract workflows through their real Updates, as the API does, for workflow tests.
import { randomUUID } from 'node:crypto';
import { type Client, ServiceError, WithStartWorkflowOperation, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import { expect } from 'vitest';
import { CONTRACT_TASK_TIMEOUT } from '../../api/routes/contracts.js';
import type { CommandType } from '../../domain/commands.js';
import type { ContractState } from '../../domain/contract.js';
import type { PlanOp } from '../../domain/plan.js';
import type { OfferMilestone, OfferTerms } from '../../domain/offers.js';
import { contractSummaryLine } from '../../domain/describe.js';
import { contractWorkflowId } from '../../domain/names.js';
import { throughHandOver } from '../../api/hand-over-retry.js';
import type { contractWorkflow, ContractWorkflowInput } from '../../workflows/contract.js';
import {
  type CommandArgs,
  type CommandResult,
  commandUpdates,
  contractStateQuery,
  createContractUpdate,
} from '../../workflows/messages.js';

export interface CreateOptions {
  initiationFeeCents?: number;
  freelancerId?: string;
  input?: ContractWorkflowInput;
  milestones?: OfferMilestone[];
  /** The offer's other terms (its expiry); null: a create without an offer, refused by the validator. */
  offer?: Omit<OfferTerms, 'milestones'> | null;
  /** R31's provider recorded in the contract (as the API does from PAYMENTS); absent: the ledger alone. */
  payments?: 'stripe';
}

/** A batch's added milestone as an offer names it. */
function asOfferMilestone(m: OfferMilestone | PlanOp): OfferMilestone {
  if (!('op' in m)) return m;
  if (m.op !== 'add') throw new Error(`an offer names added milestones, not ${m.op}`);
  const { op: _op, ref: _ref, ...rest } = m;
  return rest;
}

export type DriverResult = Omit<CommandResult, 'contract'> & { result: CommandResult; contract: ContractState };

export const CLIENT = 'client-1';
export const FREELANCER = 'freelancer-1';

export class ContractDriver {
  readonly clientId: string;
  readonly freelancerId: string;

  constructor(
    readonly client: Client,
    readonly taskQueue: string,
    readonly id: string = randomUUID(),
    parties: { clientId?: string; freelancerId?: string } = {},
  ) {
    this.clientId = parties.clientId ?? CLIENT;
    this.freelancerId = parties.freelancerId ?? FREELANCER;
  }

  get workflowId(): string {
    return contractWorkflowId(this.id);
  }

  get handle() {
    return this.client.workflow.getHandle<typeof contractWorkflow>(this.workflowId);
  }

  /**
   * R30: the contract's create, as the API sends it: an offer of these milestones (one of $10 by default),
   * the first deposited. `offer: null` sends a create without one, as histories from before offers did.
   */
  async create(opts: CreateOptions = {}): Promise<CommandResult> {
    const offer = opts.offer === null ? {} : { offer: { milestones: opts.milestones ?? [{ title: 'Milestone 1', amountCents: 1000 }], ...opts.offer } };
    return this.client.workflow.executeUpdateWithStart(createContractUpdate, {
      args: [{
        contractId: this.id, clientId: this.clientId, freelancerId: opts.freelancerId ?? this.freelancerId, title: 'Brand identity',
        initiationFeeCents: opts.initiationFeeCents ?? 495, ...offer, ...(opts.payments ? { payments: opts.payments } : {}),
      }],
      startWorkflowOperation: new WithStartWorkflowOperation<typeof contractWorkflow>('contractWorkflow', {
        workflowId: this.workflowId,
        taskQueue: this.taskQueue,
        args: [opts.input ?? {}],
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowTaskTimeout: CONTRACT_TASK_TIMEOUT, // as the API starts contracts
        staticSummary: contractSummaryLine({ title: 'Brand identity', clientId: this.clientId, freelancerId: opts.freelancerId ?? this.freelancerId }),
      }),
    });
  }

  /**
   * Sends a command as the API does. The update answers with a summary (its history stays small); the
   * full state is read back with the query, as `contract`, next to the raw `result`.
   */
  async send<T extends CommandType>(type: T, args: CommandArgs<T>, updateId?: string): Promise<DriverResult> {
    // The time-skipping test server sometimes drops an update that arrives while a workflow task is in
    // flight, answering "update … not found" (for good: that id stays unknown to it). Such an update
    // never reached history, so it is resent under a new id once the workflow is idle.
    let result: CommandResult | undefined;
    for (let attempt = 1; !result; attempt++) {
      const id = attempt === 1 && updateId ? updateId : randomUUID();
      try {
        result = await throughHandOver(() => this.handle.executeUpdate(commandUpdates[type], { args: [args], updateId: id })); // as the API sends it
      } catch (err) {
        if (attempt >= 3 || !(err instanceof WorkflowNotFoundError && /update .* not found/.test(err.message))) throw err;
        console.warn(`update ${id} (${type}) was dropped by the test server; resending when the workflow is idle`);
        await this.idle();
      }
    }
    return { ...result, result, contract: await this.state() };
  }

  /**
   * An offer of these milestones sent and accepted: the contract open with its first milestone funded and
   * active — where creating, planning and funding left a contract before offers (R30).
   */
  async open(milestones: (OfferMilestone | PlanOp)[], opts: Omit<CreateOptions, 'milestones' | 'offer'> = {}): Promise<DriverResult> {
    await this.create({ ...opts, milestones: milestones.map(asOfferMilestone) });
    return this.accept();
  }

  /** R30: the freelancer accepts the offer's version they saw. */
  accept = (version = 1) => this.send('acceptOffer', { actorId: this.freelancerId, version });

  // Shorthands for the common commands, each sent by the party the rules allow.
  plan = (ops: PlanOp[]) => this.send('savePlan', { actorId: this.clientId, ops });
  add = (title: string, amountCents: number) => this.plan([{ op: 'add', title, amountCents }]);
  fund = () => this.send('fundMilestone', { actorId: this.clientId });
  submit = (milestoneId: string) => this.send('submitWork', { actorId: this.freelancerId, milestoneId });
  release = (milestoneId: string, amountCents?: number) =>
    this.send('releasePayment', { actorId: this.clientId, milestoneId, ...(amountCents === undefined ? {} : { amountCents }) });
  requestChange = (milestoneId: string, patch: CommandArgs<'requestChange'>['patch'], featureEnabled = true) =>
    this.send('requestChange', { actorId: this.clientId, milestoneId, patch, featureEnabled });

  /**
   * The workflow's state by query. A query needs a worker polling: one asked while a test restarts its
   * worker fails with a ServiceError, and is asked again (5 tries, about 5 s in all).
   */
  state = async (): Promise<ContractState> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return (await this.handle.query(contractStateQuery))!;
      } catch (err) {
        if (attempt >= 5 || !(err instanceof ServiceError)) throw err;
        await new Promise((r) => setTimeout(r, 500 * attempt));
      }
    }
  };

  /**
   * Waits (bounded) until PostgreSQL holds the contract up to the workflow's seq: commands are answered
   * first and stored just behind (workflows/projection.ts), so a test that reads rows waits for them.
   */
  async projected(db: { contract: { findUnique(a: { where: { id: string }; select: { seq: true } }): Promise<{ seq: number } | null> } }): Promise<void> {
    const seq = (await this.state()).seq;
    for (let i = 0; i < 200; i++) {
      if (((await db.contract.findUnique({ where: { id: this.id }, select: { seq: true } }))?.seq ?? 0) >= seq) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`contract ${this.id} was not stored up to seq ${seq} within 10 s`);
  }

  /** Waits until the workflow has no workflow task or activity pending. */
  async idle(): Promise<void> {
    let raw;
    for (let i = 0; i < 200; i++) {
      raw = (await this.handle.describe()).raw;
      if (!raw.pendingWorkflowTask && !raw.pendingActivities?.length) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`contract ${this.id} never became idle: ${JSON.stringify({ task: raw?.pendingWorkflowTask, activities: raw?.pendingActivities?.length })}`);
  }
}

/** Asserts an Update was refused with this code (the failure type) and rule (its details). */
export async function expectRefused(p: Promise<unknown>, code: string, rule?: string): Promise<void> {
  const err = await p.then(
    () => {
      throw new Error(`expected ${code} but the update was accepted`);
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (err as WorkflowUpdateFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  expect((cause as ApplicationFailure).type).toBe(code);
  if (rule) expect((cause as ApplicationFailure).details?.[0]).toMatchObject({ rule });
}
