// Creating contracts and reading them: the list of my contracts, one contract, and its history.
import type { Provider } from '../../domain/payments.js';
import { type Client, WithStartWorkflowOperation, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import type { Deadline } from '../deadline.js';
import { contractSummaryLine } from '../../domain/describe.js';
import { contractWorkflowId } from '../../domain/names.js';
import { INT4_MAX } from '../../domain/fields.js';
import { contractsQuery, createContractBody, historyQuery, idSchema } from '../../domain/schemas.js';
import type { contractWorkflow } from '../../workflows/contract.js';
import { createContractUpdate } from '../../workflows/messages.js';
import { type Answer, once, requestHash, requireKey } from '../idempotency.js';
import { HttpProblem } from '../problem.js';
import { viaOf } from '../auth.js';
import type { Router } from '../router.js';
import {
  contractView, historyEntryView, listContracts, listHistory, loadContract,
} from '../../db/read-model.js';
import { type ContractBody, contractSchema, historyEntrySchema, listOf } from '../responses.js';
import { contractIdFor, updateId } from './commands.js';
import { answerAtLeast, minSeqOf, minSeqSchema, readAtLeast, seqQuery } from '../projection-wait.js';

/**
 * The workflow task timeout of contract workflows (continue-as-new keeps it): Temporal's default. 5 s
 * was shorter than a task on an overloaded worker (6 s seen in the fault suite's full run at a load of
 * 20 on two cores), so such a task timed out on every attempt until Temporal backed it off for minutes.
 * A worker that dies between tasks is noticed sooner, by the 2 s sticky-queue timeout.
 */
export const CONTRACT_TASK_TIMEOUT = '10 seconds';

export function contractRoutes(
  router: Router, db: Db, temporal: Client, deadline: Deadline, taskQueue: string, initiationFeeCents: number, payments: Provider = 'ledger',
): void {
  router.add(
    { method: 'post', path: '/contracts', summary: 'Send an offer: a contract to a freelancer, its first milestone deposited (the caller is its client)', tag: 'Contracts', body: createContractBody,
      response: contractSchema, success: 201, idempotent: true, rules: ['R1', 'R2', 'R4', 'R7', 'R9', 'R25', 'R28', 'R30'], errors: [403, 404],
      description: 'The contract starts as an offer (`status: offered`): its milestones are planned and the first is deposited and held in '
        + 'escrow, with the initiation fee. The freelancer accepts it (the contract opens) or declines it; unanswered, it expires after '
        + '`expiresInDays` (default 7) and everything deposited goes back to you. Its id derives from your Idempotency-Key, '
        + 'so a retry reaches the same contract. An operator is never a party: an operator\'s token is 403 OPERATOR_NOT_A_PARTY; '
        + 'a `freelancerId` naming no user, an operator, a deactivated user or a user of another platform is the same 422 FREELANCER_NOT_FOUND.' },
    async ({ body }, { req, res }) => {
      const user = res.locals.user;
      const key = requireKey(req);
      // R28: an operator resolves disputes impartially, so never takes part in a contract.
      if (user.role === 'operator') throw new HttpProblem(403, 'OPERATOR_NOT_A_PARTY', 'An operator cannot be a party to a contract', undefined, 'R28');
      const [client, freelancer] = await Promise.all([
        db.user.findUnique({ where: { id: user.id }, select: { platformId: true } }),
        db.user.findUnique({ where: { id: body.freelancerId } }),
      ]);
      // One answer, word for word, for an id that names no user, an operator, a deactivated user, or a user
      // of another platform (both parties of a contract belong to the same platform, or both to none): a
      // client learns only that it cannot contract with that id, never whether it exists or who holds it.
      if (!freelancer || freelancer.role === 'operator' || freelancer.deactivatedAt || freelancer.platformId !== (client?.platformId ?? null)) {
        throw new HttpProblem(422, 'FREELANCER_NOT_FOUND', 'No such freelancer', 'no freelancer you can contract with has this id', 'R1');
      }
      const contractId = contractIdFor(user.id, key);
      // Known from the key before anything runs, so a replayed 201 carries it too (only bodies are stored).
      res.setHeader('Location', `/contracts/${contractId}`);
      await once(db, req, res, key, requestHash(req, body), async () => {
        let seq: number | undefined;
        try {
          seq = (await deadline(() => temporal.workflow.executeUpdateWithStart(createContractUpdate, {
            // R9: the fee is the marketplace's setting (INITIATION_FEE_CENTS), never the paying client's.
            args: [{
              contractId, clientId: user.id, freelancerId: body.freelancerId, title: body.title, initiationFeeCents,
              offer: { milestones: body.milestones, ...(body.expiresInDays === undefined ? {} : { expiresInDays: body.expiresInDays }) },
              ...(body.reviewWindowDays === undefined ? {} : { reviewWindowDays: body.reviewWindowDays }),
              ...(viaOf(res.locals.caller) ? { via: viaOf(res.locals.caller)! } : {}),
              // R31: the contract records who carries its money, for its whole life (PAYMENTS).
              ...(payments === 'ledger' ? {} : { payments }),
            }],
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
              // What the Temporal UI lists for this workflow: names, not just ids, for operators.
              staticSummary: contractSummaryLine({
                title: body.title, clientId: user.id, freelancerId: freelancer.id, clientName: user.name, freelancerName: freelancer.name,
              }),
            }),
          }))).contract.seq;
        } catch (err) {
          if (err instanceof WorkflowExecutionAlreadyStartedError) {
            throw new HttpProblem(409, 'CONTRACT_ENDED', 'This Idempotency-Key already created a contract, which has ended',
              `contract ${contractId} was created with this key; use a new key to create another contract`, 'R3');
          }
          throw err;
        }
        // Its row is written by the workflow's projection just behind the answer: read once it is there.
        const contract = await answerAtLeast(db, res, contractId, seq, () => loadContract(db, contractId, user.id));
        return { status: 201, body: contractView(contract!) } satisfies Answer<ContractBody>;
      });
    },
  );

  router.add(
    { method: 'get', path: '/contracts', summary: 'List my contracts, newest first', tag: 'Contracts', query: contractsQuery,
      response: listOf(contractSchema, 'ContractList'), success: 200, errors: [404] },
    async ({ query }, { res, reply }) => {
      const rows = await listContracts(db, res.locals.user.id, query.limit, query.startingAfter);
      if (!rows) throw new HttpProblem(404, 'NOT_FOUND', 'startingAfter names no contract of yours');
      const page = rows.slice(0, query.limit);
      reply({ object: 'list', data: page.map(contractView), hasMore: rows.length > query.limit, nextCursor: rows.length > query.limit ? page.at(-1)!.id : null });
    },
  );

  const params = z.object({ id: idSchema }).strict();
  router.add(
    { method: 'get', path: '/contracts/:id', summary: 'A contract with its milestones, pending request and project funds', tag: 'Contracts', params,
      query: seqQuery, response: contractSchema, success: 200, seq: true },
    async ({ params: { id }, query }, { req, res, reply }) => {
      const contract = await readAtLeast(db, res, id, minSeqOf(req, query), () => loadContract(db, id, res.locals.user.id));
      if (!contract) throw new HttpProblem(404, 'NOT_FOUND', 'No such contract');
      reply(contractView(contract));
    },
  );

  router.add(
    { method: 'get', path: '/contracts/:id/history', summary: "The contract's history: every accepted command, who sent it, before → after", tag: 'Contracts', params,
      query: historyQuery.extend({ minSeq: minSeqSchema }), seq: true,
      response: listOf(historyEntrySchema, 'HistoryList'), success: 200, description: '`startingAfter` is a `seq`: oldest first.' },
    async ({ params: { id }, query }, { req, res, reply }) => {
      const parties = () => db.contract.findFirst({
        where: { id, OR: [{ clientId: res.locals.user.id }, { freelancerId: res.locals.user.id }] }, select: { seq: true },
      });
      if (!(await readAtLeast(db, res, id, minSeqOf(req, query), parties))) throw new HttpProblem(404, 'NOT_FOUND', 'No such contract');
      const after = query.startingAfter === undefined ? 0 : Number(query.startingAfter);
      // seq is an int4 column: a larger cursor would make PostgreSQL refuse the query (a 500).
      if (!/^\d{1,10}$/.test(query.startingAfter ?? '0') || after > INT4_MAX) {
        throw new HttpProblem(400, 'INVALID_CURSOR', 'startingAfter is a sequence number', `digits only, at most ${INT4_MAX}`);
      }
      const rows = await listHistory(db, id, after, query.limit);
      const page = rows.slice(0, query.limit);
      reply({
        object: 'list',
        data: page.map(historyEntryView),
        hasMore: rows.length > query.limit,
        nextCursor: rows.length > query.limit ? String(page.at(-1)!.seq) : null,
      });
    },
  );
}
