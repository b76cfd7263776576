// Every contract command of RULES.md over HTTP: authenticate (done before), check the caller is a party
// (404 otherwise), validate, then send the command to `contract-<id>` as an Update whose id is the
// Idempotency-Key, and answer with the contract as PostgreSQL now has it (read-your-writes). A key with a
// stored answer is replayed before any state check: a retried /end after the contract ended gets its 200.
import { createHash } from 'node:crypto';
import { type Client, WorkflowUpdateFailedError } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { UpdateDefinition } from '@temporalio/common';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import type { Deadline } from '../deadline.js';
import type { CommandType } from '../../domain/commands.js';
import { CHANGE_REQUEST_FLAG, contractWorkflowId } from '../../domain/names.js';
import {
  changeRequestBody, decisionBody, editChangeRequestBody, emptyBody, idSchema, planBody, releaseBody, withdrawFundsBody,
} from '../../domain/schemas.js';
import { type CommandArgs, type CommandResult, commandUpdates } from '../../workflows/messages.js';
import { settleDecision } from '../decisions.js';
import { once, requestHash, requireKey } from '../idempotency.js';
import type { RouteSpec } from '../openapi.js';
import { HttpProblem } from '../problem.js';
import type { Router } from '../router.js';
import { contractView, loadContract, loadParties } from '../../db/read-model.js';


const contractParams = z.object({ id: idSchema }).strict();
const milestoneParams = z.object({ id: idSchema, milestoneId: idSchema }).strict();
const requestParams = z.object({ id: idSchema, requestId: idSchema }).strict();

interface CommandRoute<T extends CommandType> extends Omit<RouteSpec, 'method' | 'success' | 'tag'> {
  type: T;
  params: z.ZodObject;
  body: z.ZodType;
  toArgs: (input: { params: Record<string, string>; body: never }, ctx: { featureEnabled: () => Promise<boolean> }) => Promise<Omit<CommandArgs<T>, 'actorId'>> | Omit<CommandArgs<T>, 'actorId'>;
}

export function commandRoutes(router: Router, db: Db, temporal: Client, deadline: Deadline, changeRequestsByDefault: boolean): void {
  const add = <T extends CommandType>(r: CommandRoute<T>) => {
    router.add({ ...r, method: 'post', success: 200, tag: 'Commands', idempotent: true }, async ({ params, body }, req, res) => {
      const user = res.locals.user;
      const id = (params as { id: string }).id;
      const contract = await loadParties(db, id, user.id);
      if (!contract) throw new HttpProblem(404, 'NOT_FOUND', 'No such contract');
      const key = requireKey(req);
      await once(db, req, res, key, requestHash(req, body), async () => {
        if (contract.status === 'ended') {
          // The command that ended it (or one just before), retried because its answer was lost to the
          // deadline (a 503 stores nothing), gets its answer: a closed workflow keeps its Update outcomes.
          const landed = await landedBefore(temporal, deadline, id, updateId(user.id, key));
          if (!landed) throw new HttpProblem(409, 'CONTRACT_ENDED', 'Contract ended', 'the contract has ended and accepts no changes', 'R3');
          return commandAnswer(landed, await loadContract(db, id, user.id));
        }
        const featureEnabled = async () => {
          const flag = await db.featureFlag.findUnique({ where: { userId_name: { userId: contract.clientId, name: CHANGE_REQUEST_FLAG } } });
          return flag?.enabled ?? changeRequestsByDefault;
        };
        const args = { actorId: user.id, ...(await r.toArgs({ params: params as Record<string, string>, body: body as never }, { featureEnabled })) };
        const def = commandUpdates[r.type] as unknown as UpdateDefinition<CommandResult, [typeof args]>;
        const handle = temporal.workflow.getHandle(contractWorkflowId(id));
        const result = await deadline(() => handle.executeUpdate(def, { args: [args], updateId: updateId(user.id, key) }))
          .catch(async (err: unknown) => {
            await settleDecision(db, r.type, err); // rethrows unless the decision's outcome is now known
            return {} as Partial<CommandResult>;
          });
        return commandAnswer(result, await loadContract(db, id, user.id));
      });
    });
  };

  add({ type: 'previewPlan', path: '/contracts/:id/milestones/preview', summary: 'Show changes: the diff a batch would make, without applying it', params: contractParams, body: planBody, rules: ['R11'],
    toArgs: ({ body }) => ({ ops: (body as z.infer<typeof planBody>).ops }) });
  add({ type: 'savePlan', path: '/contracts/:id/milestones/batch', summary: 'Add, edit, delete and reorder pending milestones, all or nothing', params: contractParams, body: planBody, rules: ['R2', 'R4', 'R5', 'R11', 'R12', 'R21'],
    toArgs: ({ body }) => ({ ops: (body as z.infer<typeof planBody>).ops }) });
  add({ type: 'fundMilestone', path: '/contracts/:id/fund', summary: 'Activate and fund the next milestone, or top up the active one after an approved increase', params: contractParams, body: emptyBody, rules: ['R6', 'R7', 'R9', 'R17'],
    toArgs: () => ({}) });
  add({ type: 'submitWork', path: '/contracts/:id/milestones/:milestoneId/submit', summary: 'Submit work on the active milestone (freelancer)', params: milestoneParams, body: emptyBody, rules: ['R5', 'R18'],
    toArgs: ({ params }) => ({ milestoneId: params.milestoneId! }) });
  add({ type: 'releasePayment', path: '/contracts/:id/milestones/:milestoneId/release', summary: 'Release payment, in full or in part', params: milestoneParams, body: releaseBody, rules: ['R5', 'R8', 'R18', 'R22'],
    toArgs: ({ params, body }) => ({ milestoneId: params.milestoneId!, ...(body as z.infer<typeof releaseBody>) }) });
  add({ type: 'requestChange', path: '/contracts/:id/change-requests', summary: 'Request a change to the active milestone (client)', params: contractParams, body: changeRequestBody, rules: ['R14', 'R15', 'R19'],
    toArgs: async ({ body }, { featureEnabled }) => {
      const b = body as z.infer<typeof changeRequestBody>;
      return { milestoneId: b.milestoneId, patch: b.changes, featureEnabled: await featureEnabled() };
    } });
  add({ type: 'editChangeRequest', path: '/contracts/:id/change-requests/:requestId', summary: 'Edit a pending change request', params: requestParams, body: editChangeRequestBody, rules: ['R16'],
    toArgs: ({ params, body }) => ({ requestId: params.requestId!, patch: (body as z.infer<typeof editChangeRequestBody>).changes }) });
  const decision = (type: 'withdrawChangeRequest' | 'withdrawProposal', path: string, summary: string, rules: string[]) =>
    add({ type, path, summary, params: requestParams, body: emptyBody, rules, toArgs: ({ params }) => ({ requestId: params.requestId! }) });
  decision('withdrawChangeRequest', '/contracts/:id/change-requests/:requestId/withdraw', 'Withdraw a pending change request (client)', ['R16']);
  // R16: every answer names the version it answers (400 without it, 409 with another).
  const answer = (type: 'approveChangeRequest' | 'rejectChangeRequest' | 'acceptProposal' | 'declineProposal', path: string, summary: string, rules = ['R16', 'R17']) =>
    add({ type, path, summary, params: requestParams, body: decisionBody, rules,
      toArgs: ({ params, body }) => ({ requestId: params.requestId!, ...(body as z.infer<typeof decisionBody>) }) });
  answer('approveChangeRequest', '/contracts/:id/change-requests/:requestId/approve', 'Approve a change request (freelancer); send the version you reviewed');
  answer('rejectChangeRequest', '/contracts/:id/change-requests/:requestId/reject', 'Reject a change request (freelancer); send the version you reviewed');
  add({ type: 'proposeChanges', path: '/contracts/:id/proposals', summary: 'Propose to add, edit or delete pending milestones (freelancer)', params: contractParams, body: planBody, rules: ['R20', 'R21'],
    toArgs: ({ body }) => ({ ops: (body as z.infer<typeof planBody>).ops }) });
  decision('withdrawProposal', '/contracts/:id/proposals/:requestId/withdraw', 'Withdraw a pending proposal (freelancer)', ['R20']);
  answer('acceptProposal', '/contracts/:id/proposals/:requestId/accept', 'Accept a proposal: its changes apply (client); send its version', ['R16', 'R20', 'R21']);
  answer('declineProposal', '/contracts/:id/proposals/:requestId/decline', 'Decline a proposal (client); send its version', ['R16', 'R20', 'R21']);
  add({ type: 'endContract', path: '/contracts/:id/end', summary: 'End the contract; unused project funds are refunded', params: contractParams, body: emptyBody, rules: ['R3', 'R22', 'R23'],
    toArgs: () => ({}) });
  add({ type: 'keepOpen', path: '/contracts/:id/keep-open', summary: 'Keep the contract open after the last release', params: contractParams, body: emptyBody, rules: ['R22'],
    toArgs: () => ({}) });
  add({ type: 'withdrawFunds', path: '/contracts/:id/withdraw-funds', summary: 'Withdraw unused project funds (never escrow)', params: contractParams, body: withdrawFundsBody, rules: ['R23'],
    toArgs: ({ body }) => body as z.infer<typeof withdrawFundsBody> });
}

/** 200 with the contract as PostgreSQL now has it (read-your-writes) and what the command returned. */
function commandAnswer(result: Partial<CommandResult>, fresh: Awaited<ReturnType<typeof loadContract>>) {
  return {
    status: 200,
    body: {
      contract: contractView(fresh!),
      ...(result.diff ? { diff: result.diff } : {}),
      ...(result.prompt ? { prompt: result.prompt } : {}),
      ...(result.requestId ? { requestId: result.requestId } : {}),
    },
  };
}

/** The result of the Update with this id if it completed on the contract's workflow; undefined if it never ran or failed. */
async function landedBefore(temporal: Client, deadline: Deadline, contractId: string, id: string): Promise<CommandResult | undefined> {
  const update = temporal.workflow.getHandle(contractWorkflowId(contractId)).getUpdateHandle<CommandResult>(id);
  return deadline(() => update.result()).catch((err: unknown) => {
    // Unknown update id (NOT_FOUND) or a refused command: this request is new to the ended contract.
    if (err instanceof WorkflowNotFoundError || err instanceof WorkflowUpdateFailedError) return undefined;
    throw err; // an outage or the deadline: 503, retry with the same key
  });
}

/** The Temporal update id: the caller's key, scoped to the caller (keys are only unique per user). */
export const updateId = (userId: string, key: string): string => `${userId}/${key}`;

/** A contract id derived from (caller, key): a retried create reaches the same workflow and update. */
export function contractIdFor(userId: string, key: string): string {
  const h = createHash('sha256').update(`${userId}\n${key}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
