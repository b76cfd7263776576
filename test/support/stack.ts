// A real stack for one test file: a worker on the shared dev server with real activities over the
// shared PostgreSQL, and the API on an ephemeral port. Each file gets its own task queue so suites
// running side by side never pick up each other's tasks.
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { quietRuntime } from './runtime.js';
import { createDb, createPool, type Db } from '../../db/client.js';
import type { WebhookSettings } from '../../webhooks/settings.js';
import { createApp } from '../../api/app.js';
import type { JwtSettings } from '../../api/jwt-auth.js';
import { CHANGE_REQUEST_FLAG } from '../../domain/names.js';
import { issueUser, type IssuedUser } from '../../api/users.js';
import { createWorker } from '../../worker/create-worker.js';
import { createNoticeWorker } from '../../worker/notice-worker.js';
import { createWebhookWorker } from '../../worker/webhook-worker.js';
import { WorkerGroup } from './workers.js';
import { shared } from './context.js';
import { dataConverter } from '../../codec/data-converter.js';
import type { PaymentsPort } from '../../domain/payments.js';

export interface Stack {
  db: Db;
  client: Client;
  baseUrl: string;
  taskQueue: string;
  newUser(name?: string): Promise<IssuedUser>;
  /** Shuts the worker down (the API stays up): commands then wait on a queue nobody polls. */
  stopWorker(): Promise<void>;
  /** A fresh worker on the same task queue, after stopWorker(). */
  startWorker(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * webhooks: R29's settings for the worker and the API (loopback receivers, a shorter schedule); payments: R31's
 * adapter for the worker (default: the ledger's), whose provider the API records in new contracts;
 * stripeWebhookSecret: serves Stripe's webhook.
 */
export async function startStack(
  opts: { webhooks?: WebhookSettings; jwt?: JwtSettings; payments?: PaymentsPort; stripeWebhookSecret?: string } = {},
): Promise<Stack> {
  quietRuntime();
  const taskQueue = `test-${randomUUID()}`;
  const db = createDb(shared('databaseUrl'));
  // The webhook worker's own small pool, as worker/main.ts gives it.
  const webhookDb = createDb(shared('databaseUrl'), { max: 4 });
  const nativeConnection = await NativeConnection.connect({ address: shared('temporalAddress') });
  const connection = await Connection.connect({ address: shared('temporalAddress') });
  const client = new Client({ connection, dataConverter: dataConverter() });
  // The contract queue's worker and the notices and webhook workers beside it, as worker/main.ts runs them.
  const newWorker = async (): Promise<WorkerGroup> => new WorkerGroup([
    await createWorker({
      connection: nativeConnection, db, taskQueue, workflowBundle: { codePath: shared('workflowBundlePath') },
      ...(opts.webhooks ? { webhooks: opts.webhooks } : {}), ...(opts.payments ? { payments: opts.payments } : {}),
    }),
    await createNoticeWorker({ connection: nativeConnection, db, taskQueue }),
    await createWebhookWorker({
      connection: nativeConnection, db: webhookDb, taskQueue, workflowBundle: { codePath: shared('workflowBundlePath') },
      ...(opts.webhooks ? { webhooks: opts.webhooks } : {}),
    }),
  ]);
  let worker: WorkerGroup | undefined = await newWorker();
  let running = worker.run();
  // The rate limits in PostgreSQL, as in production; high enough that no suite meets them.
  const rateLimitStore = createPool(shared('databaseUrl'), { max: 2 });
  const server = createApp({
    db, temporal: client, taskQueue, log: () => {}, rateLimitStore, rateLimitPerMinute: 100_000,
    rateLimitPerAddressPerMinute: 1_000_000, ...(opts.webhooks ? { webhooks: opts.webhooks } : {}), ...(opts.jwt ? { jwt: opts.jwt } : {}),
    ...(opts.payments ? { payments: opts.payments.provider } : {}),
    ...(opts.stripeWebhookSecret ? { stripeWebhookSecret: opts.stripeWebhookSecret } : {}),
  }).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    db,
    client,
    taskQueue,
    baseUrl: `http://127.0.0.1:${port}`,
    newUser: (name = 'Test User') => issueUser(db, { email: `${randomUUID()}@example.test`, name }),
    async stopWorker() {
      worker?.shutdown();
      worker = undefined;
      await running;
    },
    async startWorker() {
      worker = await newWorker();
      running = worker.run();
    },
    async stop() {
      await new Promise((resolve) => server.close(resolve));
      worker?.shutdown();
      await running;
      await Promise.all([db.$disconnect(), webhookDb.$disconnect(), rateLimitStore.end(), connection.close(), nativeConnection.close()]);
    },
  };
}

export interface Parties {
  client: IssuedUser;
  freelancer: IssuedUser;
  stranger: IssuedUser;
}

/** A client (with R14's change-request flag unless told otherwise), a freelancer and a stranger. */
export async function newParties(stack: Stack, opts: { changeRequests?: boolean } = {}): Promise<Parties> {
  const [client, freelancer, stranger] = await Promise.all([stack.newUser('Client'), stack.newUser('Freelancer'), stack.newUser('Stranger')]);
  if (opts.changeRequests !== false) {
    await stack.db.featureFlag.create({ data: { userId: client.id, name: CHANGE_REQUEST_FLAG, enabled: true } });
  }
  return { client, freelancer, stranger };
}
