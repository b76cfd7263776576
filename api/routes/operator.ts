// Operator routes (R28): an operator — a user with the operator role and its own tokens, never a party —
// reads a contract and resolves a dispute on it. The resolution is an Update on the contract's workflow
// that names the operator; the audit trail and both parties' notices carry the name and the reason.
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { Request, Response } from 'express';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { contractView, loadContractForOperator } from '../../db/read-model.js';
import { contractWorkflowId } from '../../domain/names.js';
import { idSchema, resolveDisputeBody, resolveRequestBody } from '../../domain/schemas.js';
import { type CommandResult, resolveDisputeUpdate, resolveRequestUpdate } from '../../workflows/messages.js';
import type { Deadline } from '../deadline.js';
import { once, requestHash, requireKey } from '../idempotency.js';
import { HttpProblem } from '../problem.js';
import type { Router } from '../router.js';
import { minSeqOf, readAtLeast, seqQuery } from '../projection-wait.js';
import { answerFromResult } from '../command-answer.js';
import { commandAnswerSchema, contractSchema } from '../responses.js';
import { commandAnswer, updateId } from './commands.js';
import { throughHandOver } from '../hand-over-retry.js';

const contractParams = z.object({ id: idSchema }).strict();
const disputeParams = z.object({ id: idSchema, milestoneId: idSchema, disputeId: idSchema }).strict();
const requestParams = z.object({ id: idSchema, requestId: idSchema }).strict();

/** A party's token never reaches an operator route, whatever contract it names. */
function requireOperator(role: string): void {
  if (role !== 'operator') throw new HttpProblem(403, 'OPERATOR_ONLY', 'Only an operator may do this', 'use an operator token', 'R28');
}

/** Sends an operator's Update to a contract's workflow under the caller's Idempotency-Key and answers its view. */
async function operatorCommand(
  db: Db, temporal: Client, deadline: Deadline, { req, res }: { req: Request; res: Response }, contractId: string, body: unknown,
  send: (handle: WorkflowHandle, operatorId: string, updateId: string) => Promise<CommandResult>,
): Promise<void> {
  const user = res.locals.user;
  requireOperator(user.role);
  const exists = await db.contract.findUnique({ where: { id: contractId }, select: { id: true } });
  if (!exists) throw new HttpProblem(404, 'NOT_FOUND', 'No such contract');
  const key = requireKey(req);
  await once(db, req, res, key, requestHash(req, body), async () => {
    const handle = temporal.workflow.getHandle(contractWorkflowId(contractId));
    const result = await deadline(() => send(handle, user.id, updateId(user.id, key)));
    return commandAnswer(result, await answerFromResult({ db, res, contractId, result, load: () => loadContractForOperator(db, contractId) }));
  });
}

export function operatorRoutes(router: Router, db: Db, temporal: Client, deadline: Deadline): void {
  router.add(
    {
      method: 'get', path: '/operator/contracts/:id', summary: 'A contract as an operator sees it (open disputes included)',
      tag: 'Operator', access: 'operator', params: contractParams, query: seqQuery, response: contractSchema, success: 200, rules: ['R28'], errors: [403],
      description: 'Operator tokens only (403 OPERATOR_ONLY otherwise).', seq: true,
    },
    async ({ params: { id }, query }, { req, res, reply }) => {
      requireOperator(res.locals.user.role);
      const contract = await readAtLeast(db, res, id, minSeqOf(req, query), () => loadContractForOperator(db, id));
      if (!contract) throw new HttpProblem(404, 'NOT_FOUND', 'No such contract');
      reply(contractView(contract));
    },
  );

  router.add(
    {
      method: 'post', path: '/operator/contracts/:id/milestones/:milestoneId/disputes/:disputeId/resolve',
      summary: 'Resolve a dispute: release to the freelancer, refund to the client, or a split summing to the escrow (operator)',
      tag: 'Operator', access: 'operator', params: disputeParams, body: resolveDisputeBody, response: commandAnswerSchema, success: 200, idempotent: true,
      command: true, rules: ['R10', 'R28'],
      description: 'Operator tokens only (403 OPERATOR_ONLY otherwise). A split names both amounts; they sum to the escrow.',
    },
    ({ params, body }, ctx) => operatorCommand(db, temporal, deadline, ctx, params.id, body, (handle, operatorId, id) => {
      const args = { milestoneId: params.milestoneId, disputeId: params.disputeId, operatorId, ...body };
      return throughHandOver(() => handle.executeUpdate(resolveDisputeUpdate, { args: [args], updateId: id }));
    }),
  );

  // A pending change request or proposal settled by an operator: one whose workflow is stuck or gone, or a
  // decision agreed outside the product. The Update names the operator in the history, the audit trail and
  // both parties' notices, and closes the request's workflow.
  router.add(
    {
      method: 'post', path: '/operator/contracts/:id/requests/:requestId/resolve',
      summary: 'Settle a pending change request or proposal: approve, reject or cancel it, with a reason (operator)',
      tag: 'Operator', access: 'operator', params: requestParams, body: resolveRequestBody, response: commandAnswerSchema, success: 200, idempotent: true,
      command: true, rules: ['R16', 'R19', 'R21'],
      description: 'Operator tokens only (403 OPERATOR_ONLY otherwise). 409 REQUEST_NOT_PENDING once the request is settled.',
    },
    ({ params, body }, ctx) => operatorCommand(db, temporal, deadline, ctx, params.id, body, (handle, operatorId, id) => {
      const args = { requestId: params.requestId, operatorId, ...body };
      return throughHandOver(() => handle.executeUpdate(resolveRequestUpdate, { args: [args], updateId: id }));
    }),
  );
}
