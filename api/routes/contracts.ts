// Creating contracts and reading them: the list of my contracts, one contract, and its history.
import { type Client, WithStartWorkflowOperation, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import type { Deadline } from '../deadline.js';
import { contractWorkflowId } from '../../domain/names.js';
import { createContractBody, idSchema, listQuery } from '../../domain/schemas.js';
import type { contractWorkflow } from '../../workflows/contract.js';
import { createContractUpdate } from '../../workflows/messages.js';
import { once, requestHash, requireKey } from '../idempotency.js';
import { HttpProblem } from '../problem.js';
import type { Router } from '../router.js';
import { contractView, loadContract, loadParties } from '../../db/read-model.js';
import { contractIdFor, updateId } from './commands.js';

const INT4_MAX = 2_147_483_647;

/**
 * The workflow task timeout of contract workflows (continue-as-new keeps it): Temporal's default. 5 s
 * (issue 11) was shorter than a task on an overloaded worker (6 s seen in issue 10's full run at a load of
 * 20 on two cores), so such a task timed out on every attempt until Temporal backed it off for minutes.
 * A worker that dies between tasks is noticed sooner, by the 2 s sticky-queue timeout.
 */
export const CONTRACT_TASK_TIMEOUT = '10 seconds';

export function contractRoutes(
  router: Router, db: Db, temporal: Client, deadline: Deadline, taskQueue: string, initiationFeeCents: number,
): void {
  router.add(
    { method: 'post', path: '/contracts', summary: 'Create a contract (the caller is its client)', tag: 'Contracts', body: createContractBody, success: 201, idempotent: true, rules: ['R1', 'R9'] },
    async ({ body }, req, res) => {
      const user = res.locals.user;
      const key = requireKey(req);
      if (!(await db.user.findUnique({ where: { id: body.freelancerId } }))) {
        throw new HttpProblem(422, 'FREELANCER_NOT_FOUND', 'No such freelancer', `user ${body.freelancerId} does not exist`, 'R1');
      }
      await once(db, req, res, key, requestHash(req, body), async () => {
        const contractId = contractIdFor(user.id, key);
        try {
          await deadline(() => temporal.workflow.executeUpdateWithStart(createContractUpdate, {
            // R9: the fee is the marketplace's setting (INITIATION_FEE_CENTS), never the paying client's.
            args: [{ contractId, clientId: user.id, freelancerId: body.freelancerId, title: body.title, initiationFeeCents }],
            updateId: updateId(user.id, key),
            startWorkflowOperation: new WithStartWorkflowOperation<typeof contractWorkflow>('contractWorkflow', {
              workflowId: contractWorkflowId(contractId),
              taskQueue,
              args: [{}],
              // A retry joins the running workflow; but the contract id comes from the key, so a key
              // reused after its 24 h expiry must not start a second, empty run for an ended contract.
              workflowIdConflictPolicy: 'USE_EXISTING',
              workflowIdReusePolicy: 'REJECT_DUPLICATE',
              // Persistence runs inside the workflow task (a local activity): a worker that dies holding it
              // delays the contract by this, not the 10 s default. Long local activities heartbeat the task.
              workflowTaskTimeout: CONTRACT_TASK_TIMEOUT,
            }),
          }));
        } catch (err) {
          if (err instanceof WorkflowExecutionAlreadyStartedError) {
            throw new HttpProblem(409, 'CONTRACT_ENDED', 'This Idempotency-Key already created a contract, which has ended',
              `contract ${contractId} was created with this key; use a new key to create another contract`, 'R3');
          }
          throw err;
        }
        const contract = await loadContract(db, contractId, user.id);
        res.setHeader('Location', `/contracts/${contractId}`);
        return { status: 201, body: contractView(contract!) };
      });
    },
  );

  router.add(
    { method: 'get', path: '/contracts', summary: 'List my contracts, newest first', tag: 'Contracts', query: listQuery, success: 200 },
    async ({ query }, _req, res) => {
      const me = res.locals.user.id;
      const mine = { OR: [{ clientId: me }, { freelancerId: me }] };
      const after = query.startingAfter ? await db.contract.findFirst({ where: { id: query.startingAfter, ...mine } }) : null;
      if (query.startingAfter && !after) throw new HttpProblem(400, 'INVALID_CURSOR', 'startingAfter is not one of your contracts');
      const rows = await db.contract.findMany({
        where: after
          ? { AND: [mine, { OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] }] }
          : mine,
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: query.limit + 1,
        include: { milestones: { orderBy: { position: 'asc' } }, changeRequests: { where: { state: 'pending' } } },
      });
      const page = rows.slice(0, query.limit);
      res.json({ object: 'list', data: page.map(contractView), hasMore: rows.length > query.limit, nextCursor: rows.length > query.limit ? page.at(-1)!.id : null });
    },
  );

  const params = z.object({ id: idSchema }).strict();
  router.add(
    { method: 'get', path: '/contracts/:id', summary: 'A contract with its milestones, pending request and project funds', tag: 'Contracts', params, success: 200 },
    async ({ params: { id } }, _req, res) => {
      const contract = await loadContract(db, id, res.locals.user.id);
      if (!contract) throw new HttpProblem(404, 'NOT_FOUND', 'No such contract');
      res.json(contractView(contract));
    },
  );

  router.add(
    { method: 'get', path: '/contracts/:id/history', summary: "The contract's history: every accepted command, who sent it, before → after", tag: 'Contracts', params, query: listQuery, success: 200 },
    async ({ params: { id }, query }, _req, res) => {
      if (!(await loadParties(db, id, res.locals.user.id))) throw new HttpProblem(404, 'NOT_FOUND', 'No such contract');
      const after = query.startingAfter === undefined ? 0 : Number(query.startingAfter);
      // seq is an int4 column: a larger cursor would make PostgreSQL refuse the query (a 500).
      if (!/^\d{1,10}$/.test(query.startingAfter ?? '0') || after > INT4_MAX) {
        throw new HttpProblem(400, 'INVALID_CURSOR', 'startingAfter is a sequence number', `digits only, at most ${INT4_MAX}`);
      }
      const rows = await db.auditEvent.findMany({ where: { contractId: id, seq: { gt: after } }, orderBy: { seq: 'asc' }, take: query.limit + 1 });
      const page = rows.slice(0, query.limit);
      res.json({
        object: 'list',
        data: page.map((e) => ({ object: 'event', seq: e.seq, command: e.command, actorId: e.actorId, at: e.at.toISOString(), before: e.before, after: e.after, workflowId: e.workflowId, runId: e.runId })),
        hasMore: rows.length > query.limit,
        nextCursor: rows.length > query.limit ? String(page.at(-1)!.seq) : null,
      });
    },
  );
}
