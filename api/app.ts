// The Express 5 app factory: authenticate, validate with domain/ schemas, send the command to the
// contract workflow as an Update (the Idempotency-Key is the update id), read views from PostgreSQL.
import { randomUUID } from 'node:crypto';
import express, { type Request } from 'express';
import { Client, WithStartWorkflowOperation } from '@temporalio/client';
import type { Db } from '../activities/db.js';
import { contractWorkflowId, TASK_QUEUE } from '../domain/names.js';
import { createContractBody, idSchema } from '../domain/schemas.js';
import type { contractWorkflow } from '../workflows/contract.js';
import { createContractUpdate } from '../workflows/messages.js';
import { authenticate } from './auth.js';
import { errorMiddleware } from './errors.js';
import { HttpProblem } from './problem.js';
import { contractView, loadContract } from './views.js';

export interface AppDeps {
  db: Db;
  temporal: Client;
  taskQueue?: string;
}

const idempotencyKey = (req: Request): string => req.get('idempotency-key') ?? randomUUID();

export function createApp({ db, temporal, taskQueue = TASK_QUEUE }: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use((req, res, next) => {
    res.setHeader('Request-Id', req.get('request-id') ?? randomUUID());
    next();
  });
  app.use(express.json({ limit: '64kb' }));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.get('/readyz', async (_req, res) => {
    const checks = await Promise.allSettled([
      db.$queryRaw`SELECT 1`,
      temporal.workflowService.getSystemInfo({}),
    ]);
    const [pg, tp] = checks.map((c) => (c.status === 'fulfilled' ? 'ok' : 'unavailable'));
    const ready = pg === 'ok' && tp === 'ok';
    res.status(ready ? 200 : 503).json({ status: ready ? 'ok' : 'unavailable', postgres: pg, temporal: tp });
  });

  app.use(authenticate(db));

  app.post('/contracts', async (req, res) => {
    const body = createContractBody.parse(req.body);
    const contractId = randomUUID();
    const { contract } = await temporal.workflow.executeUpdateWithStart(createContractUpdate, {
      args: [{ contractId, clientId: res.locals.user.id, freelancerId: body.freelancerId, title: body.title }],
      updateId: idempotencyKey(req),
      startWorkflowOperation: new WithStartWorkflowOperation<typeof contractWorkflow>('contractWorkflow', {
        workflowId: contractWorkflowId(contractId),
        taskQueue,
        args: [{}],
        workflowIdConflictPolicy: 'USE_EXISTING',
      }),
    });
    res.status(201).json(contract);
  });

  app.get('/contracts/:id', async (req, res) => {
    const id = idSchema.parse(req.params.id);
    const contract = await loadContract(db, id, res.locals.user.id);
    if (!contract) throw new HttpProblem(404, 'NOT_FOUND', 'No such contract');
    res.json(contractView(contract));
  });

  app.use((_req, _res, next) => next(new HttpProblem(404, 'NOT_FOUND', 'No such route')));
  app.use(errorMiddleware);
  return app;
}
