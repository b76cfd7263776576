// Every contract command of docs/rules.md over HTTP: authenticate (done before), check the caller is a party
// (404 otherwise), validate, then send the command to `contract-<id>` as an Update whose id is the
// Idempotency-Key, and answer with the contract as the Update left it (api/command-answer.ts): what a read at
// its seq returns. A key with a stored answer is replayed before any state check: a retried /end after the
// contract ended gets its 200.
import { createHash } from 'node:crypto';
import { type Client, WorkflowUpdateFailedError } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import type { Deadline } from '../deadline.js';
import type { CommandType } from '../../domain/commands.js';
import { CHANGE_REQUEST_FLAG, contractWorkflowId } from '../../domain/names.js';
import {
  changeRequestBody, decisionBody, disputeBody, editChangeRequestBody, editOfferBody, emptyBody, idSchema, planBody, refundBody, releaseBody,
  revisionBody, withdrawFundsBody,
} from '../../domain/schemas.js';
import { type CommandArgs, type CommandResult, commandUpdates } from '../../workflows/messages.js';
import { settleDecision } from '../decisions.js';
import { closedOfferRefusal } from '../offer-refusals.js';
import { type Answer, once, requestHash, requireKey } from '../idempotency.js';
import { HttpProblem } from '../problem.js';
import { viaOf } from '../auth.js';
import type { Router } from '../router.js';
import { changeRequestsEnabled, contractView, loadContract, loadContractState, loadParties } from '../../db/read-model.js';
import { type Command, decide } from '../../domain/commands.js';
import { internCommand } from '../../domain/texts.js';
import { commandAnswerSchema, previewSchema } from '../responses.js';
import { type Answered, answerFromResult } from '../command-answer.js';
import { SEQ_HEADER, minSeqOf, waitForSeq } from '../projection-wait.js';
import { throughHandOver } from '../hand-over-retry.js';


const contractParams = z.object({ id: idSchema }).strict();
const milestoneParams = z.object({ id: idSchema, milestoneId: idSchema }).strict();
const requestParams = z.object({ id: idSchema, requestId: idSchema }).strict();
const refundParams = z.object({ id: idSchema, milestoneId: idSchema, requestId: idSchema }).strict();

type ContractParams = z.ZodObject & z.ZodType<{ id: string }>;

interface CommandRoute<T extends CommandType, P extends ContractParams, B extends z.ZodType> {
  type: T;
  path: string;
  summary: string;
  description?: string;
  rules: string[];
  params: P;
  body: B;
  toArgs: (input: { params: z.output<P>; body: z.output<B> }, ctx: { actorId: string; featureEnabled: () => Promise<boolean> }) =>
    Promise<CommandArgs<T>> | CommandArgs<T>;
}

export function commandRoutes(router: Router, db: Db, temporal: Client, deadline: Deadline, changeRequestsByDefault: boolean): void {
  const add = <T extends CommandType, P extends ContractParams, B extends z.ZodType>(r: CommandRoute<T, P, B>) => {
    const spec = { path: r.path, summary: r.summary, description: r.description, rules: r.rules, params: r.params, body: r.body,
      method: 'post', success: 200, tag: 'Commands', idempotent: true, command: true, response: commandAnswerSchema } as const;
    router.add(spec, async ({ params, body }, { req, res }) => {
      const user = res.locals.user;
      const id = params.id;
      // The caller's view of the rows: the party check, and (when still current once the Update answers) the
      // rows its answer is built on.
      const contract = await loadContract(db, id, user.id);
      if (!contract) throw new HttpProblem(404, 'NOT_FOUND', 'No such contract');
      const key = requireKey(req);
      await once(db, req, res, key, requestHash(req, body), async () => {
        if (contract.status === 'ended') {
          // The command that ended it (or one just before), retried because its answer was lost to the
          // deadline (a 503 stores nothing), gets its answer: a closed workflow keeps its Update outcomes.
          const landed = await landedBefore(temporal, deadline, id, updateId(user.id, key));
          if (!landed) {
            throw (await closedOfferRefusal(db, id, r.type)) // R30: how the offer closed
              ?? new HttpProblem(409, 'CONTRACT_ENDED', 'Contract ended', 'the contract has ended and accepts no changes', 'R3');
          }
          const answered = await answerFromResult({ db, res, contractId: id, result: landed, load: () => loadContract(db, id, user.id) });
          return commandAnswer(landed, answered);
        }
        const featureEnabled = () => changeRequestsEnabled(db, contract.clientId, CHANGE_REQUEST_FLAG, changeRequestsByDefault);
        // The router parsed both with the route's own schemas, P and B (a conditional type TS cannot narrow here).
        const via = viaOf(res.locals.caller);
        const args = {
          ...await r.toArgs({ params: params as z.output<P>, body: body as z.output<B> }, { actorId: user.id, featureEnabled }),
          ...(via ? { via } : {}),
        };
        const handle = temporal.workflow.getHandle(contractWorkflowId(id));
        const result = await deadline(() => throughHandOver(() => handle.executeUpdate(commandUpdates[r.type], { args: [args], updateId: updateId(user.id, key) })))
          .catch(async (err: unknown): Promise<Partial<CommandResult>> => {
            // Rethrows unless the outcome is known and adopted; names a request that ended before this decision.
            const requestId = 'requestId' in args && typeof args.requestId === 'string' ? args.requestId : undefined;
            await settleDecision(db, handle, deadline, r.type, err, { contractId: id, ...(requestId ? { requestId } : {}) });
            return {};
          });
        // Answered from the state the Update adopted and the rows it started from (read-your-writes without
        // waiting for the projection); texts named by reference are those the command brought in, or stored ones.
        const { texts } = internCommand({ type: r.type, ...args } as Command);
        const answered = await answerFromResult({ db, res, contractId: id, result, load: () => loadContract(db, id, user.id), texts, before: contract });
        return commandAnswer(result, answered);
      });
    });
  };

  // R11 "Show changes": a read. The domain's own decision on the read model's state, so it refuses what
  // a save would refuse, with no Update, no history event and no Idempotency-Key.
  router.add(
    { method: 'post', path: '/contracts/:id/milestones/preview', summary: 'Show changes: the diff a batch would make, without applying it', tag: 'Commands',
      params: contractParams, body: planBody, response: previewSchema, success: 200, command: true, rules: ['R2', 'R4', 'R5', 'R11', 'R12'], seq: true,
      description: 'A read: nothing is stored and no Idempotency-Key is needed. Ids of added milestones are provisional. '
        + 'Send `Contract-Min-Seq` to preview against the contract as your last command left it.' },
    async ({ params: { id }, body }, { req, res, reply }) => {
      const user = res.locals.user;
      // Like every read, it waits (bounded) for the seq it names; a stranger is answered at once.
      const minSeq = minSeqOf(req, {});
      if (minSeq !== undefined && await loadParties(db, id, user.id)) await waitForSeq(db, id, minSeq);
      const [state, contract] = await Promise.all([loadContractState(db, id), loadContract(db, id, user.id)]);
      if (!state || !contract) throw new HttpProblem(404, 'NOT_FOUND', 'No such contract');
      res.setHeader(SEQ_HEADER, String(contract.seq));
      const { diff } = decide(state, { type: 'previewPlan', ops: body.ops }, { actorId: user.id, now: new Date().toISOString() });
      reply({ contract: contractView(contract), diff: diff! });
    },
  );
  const batch = 'One batch, all or nothing (R11). A `reorder` lists the new order of the PENDING milestones only (funded and released '
    + 'ones keep their place, R12): their ids, and the `ref` of a milestone added earlier in the same batch.';
  add({ type: 'savePlan', path: '/contracts/:id/milestones/batch', summary: 'Add, edit, delete and reorder pending milestones, all or nothing', params: contractParams, body: planBody, rules: ['R2', 'R4', 'R5', 'R11', 'R12', 'R21'],
    description: batch, toArgs: ({ body }, { actorId }) => ({ actorId, ops: body.ops }) });
  add({ type: 'fundMilestone', path: '/contracts/:id/fund', summary: 'Activate and fund the next milestone, or top up the active one after an approved increase', params: contractParams, body: emptyBody, rules: ['R6', 'R7', 'R9', 'R17'],
    toArgs: (_input, { actorId }) => ({ actorId }) });
  add({ type: 'submitWork', path: '/contracts/:id/milestones/:milestoneId/submit', summary: 'Submit work on the active milestone (freelancer)', params: milestoneParams, body: emptyBody, rules: ['R5', 'R18'],
    toArgs: ({ params }, { actorId }) => ({ actorId, milestoneId: params.milestoneId }) });
  add({ type: 'releasePayment', path: '/contracts/:id/milestones/:milestoneId/release', summary: 'Release payment, in full or in part', params: milestoneParams, body: releaseBody,
    rules: ['R5', 'R8', 'R18', 'R22', 'R25', 'R27', 'R28'],
    description: 'Without `amountCents`, releases what the milestone holds. Refused while a refund request is pending or the milestone is disputed.',
    toArgs: ({ params, body }, { actorId }) => ({ actorId, milestoneId: params.milestoneId, ...body }) });
  add({ type: 'requestChange', path: '/contracts/:id/change-requests', summary: 'Request a change to the active milestone (client)', params: contractParams, body: changeRequestBody, rules: ['R14', 'R15', 'R19'],
    toArgs: async ({ body }, { actorId, featureEnabled }) => ({ actorId, milestoneId: body.milestoneId, patch: body.changes, featureEnabled: await featureEnabled() }) });
  add({ type: 'editChangeRequest', path: '/contracts/:id/change-requests/:requestId', summary: 'Edit a pending change request', params: requestParams, body: editChangeRequestBody, rules: ['R16'],
    toArgs: ({ params, body }, { actorId }) => ({ actorId, requestId: params.requestId, patch: body.changes }) });
  const decision = (type: 'withdrawChangeRequest' | 'withdrawProposal', path: string, summary: string, rules: string[]) =>
    add({ type, path, summary, params: requestParams, body: emptyBody, rules, toArgs: ({ params }, { actorId }) => ({ actorId, requestId: params.requestId }) });
  decision('withdrawChangeRequest', '/contracts/:id/change-requests/:requestId/withdraw', 'Withdraw a pending change request (client)', ['R16']);
  // R16: every answer names the version it answers (400 without it, 409 with another).
  const answer = (type: 'approveChangeRequest' | 'rejectChangeRequest' | 'acceptProposal' | 'declineProposal', path: string, summary: string, rules = ['R16', 'R17']) =>
    add({ type, path, summary, params: requestParams, body: decisionBody, rules,
      toArgs: ({ params, body }, { actorId }) => ({ actorId, requestId: params.requestId, ...body }) });
  answer('approveChangeRequest', '/contracts/:id/change-requests/:requestId/approve', 'Approve a change request (freelancer); send the version you reviewed');
  answer('rejectChangeRequest', '/contracts/:id/change-requests/:requestId/reject', 'Reject a change request (freelancer); send the version you reviewed');
  add({ type: 'proposeChanges', path: '/contracts/:id/proposals', summary: 'Propose to add, edit or delete pending milestones (freelancer)', params: contractParams, body: planBody, rules: ['R20', 'R21'],
    toArgs: ({ body }, { actorId }) => ({ actorId, ops: body.ops }) });
  decision('withdrawProposal', '/contracts/:id/proposals/:requestId/withdraw', 'Withdraw a pending proposal (freelancer)', ['R20']);
  answer('acceptProposal', '/contracts/:id/proposals/:requestId/accept', 'Accept a proposal: its changes apply (client); send its version', ['R16', 'R20', 'R21']);
  answer('declineProposal', '/contracts/:id/proposals/:requestId/decline', 'Decline a proposal (client); send its version', ['R16', 'R20', 'R21']);
  add({ type: 'endContract', path: '/contracts/:id/end', summary: 'End the contract; unused project funds are refunded', params: contractParams, body: emptyBody, rules: ['R3', 'R22', 'R23'],
    toArgs: (_input, { actorId }) => ({ actorId }) });
  add({ type: 'keepOpen', path: '/contracts/:id/keep-open', summary: 'Keep the contract open after the last release', params: contractParams, body: emptyBody, rules: ['R22'],
    toArgs: (_input, { actorId }) => ({ actorId }) });
  // Revisions (R26), disputes (R28), refunds with consent (R27).
  add({ type: 'requestRevisions', path: '/contracts/:id/milestones/:milestoneId/request-revisions', summary: 'Send submitted work back with a message (client); stops the review window',
    params: milestoneParams, body: revisionBody, rules: ['R25', 'R26'],
    toArgs: ({ params, body }, { actorId }) => ({ actorId, milestoneId: params.milestoneId, message: body.message }) });
  add({ type: 'openDispute', path: '/contracts/:id/milestones/:milestoneId/disputes', summary: 'Open a dispute on the funded milestone (either party); its money freezes',
    params: milestoneParams, body: disputeBody, rules: ['R25', 'R28'],
    toArgs: ({ params, body }, { actorId }) => ({ actorId, milestoneId: params.milestoneId, reason: body.reason }) });
  add({ type: 'requestRefund', path: '/contracts/:id/milestones/:milestoneId/refund-requests', summary: 'Ask for all or part of the escrow back (client); the freelancer has seven days to answer',
    params: milestoneParams, body: refundBody, rules: ['R27', 'R28'],
    toArgs: ({ params, body }, { actorId }) => ({ actorId, milestoneId: params.milestoneId, ...body }) });
  const refundAnswer = (type: 'acceptRefund' | 'declineRefund', verb: string, summary: string) =>
    add({ type, path: `/contracts/:id/milestones/:milestoneId/refund-requests/:requestId/${verb}`, summary, params: refundParams, body: emptyBody, rules: ['R27', 'R28'],
      toArgs: ({ params }, { actorId }) => ({ actorId, milestoneId: params.milestoneId, requestId: params.requestId }) });
  refundAnswer('acceptRefund', 'accept', 'Accept a refund request: the amount leaves escrow to the client (freelancer)');
  refundAnswer('declineRefund', 'decline', 'Decline a refund request: nothing moves (freelancer)');
  // Offers (R30): the client edits or withdraws; the freelancer accepts or declines the version they saw.
  add({ type: 'editOffer', path: '/contracts/:id/offer', summary: 'Edit the offer: new milestones and/or a new expiry; its version rises (client)',
    params: contractParams, body: editOfferBody, rules: ['R7', 'R30'],
    description: 'New `milestones` replace the offer\'s (new ids); the first is deposited again and what it no longer needs goes back to you. '
      + 'A new `expiresInDays` counts from the edit.',
    toArgs: ({ body }, { actorId }) => ({ actorId, ...body }) });
  add({ type: 'withdrawOffer', path: '/contracts/:id/offer/withdraw', summary: 'Withdraw the offer: everything deposited, fee included, goes back (client)',
    params: contractParams, body: emptyBody, rules: ['R30'], toArgs: (_input, { actorId }) => ({ actorId }) });
  add({ type: 'acceptOffer', path: '/contracts/:id/offer/accept', summary: 'Accept the offer: the contract opens, its first milestone active (freelancer); send its version',
    params: contractParams, body: decisionBody, rules: ['R16', 'R30'], toArgs: ({ body }, { actorId }) => ({ actorId, version: body.version }) });
  add({ type: 'declineOffer', path: '/contracts/:id/offer/decline', summary: 'Decline the offer: everything deposited goes back to the client (freelancer); send its version',
    params: contractParams, body: decisionBody, rules: ['R16', 'R30'], toArgs: ({ body }, { actorId }) => ({ actorId, version: body.version }) });
  add({ type: 'withdrawFunds', path: '/contracts/:id/withdraw-funds', summary: 'Withdraw unused project funds (never escrow)', params: contractParams, body: withdrawFundsBody, rules: ['R23'],
    description: 'Without `amountCents`, withdraws all project funds.', toArgs: ({ body }, { actorId }) => ({ actorId, ...body }) });
}

/** 200 with the contract at the command's seq (read-your-writes) and what the command returned, its diff with texts. */
export function commandAnswer(result: Partial<CommandResult>, answered: Answered): Answer<z.input<typeof commandAnswerSchema>> {
  return {
    status: 200,
    body: {
      contract: contractView(answered.row!),
      ...(answered.diff ? { diff: answered.diff } : {}),
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
