// Prometheus metrics after real requests: the API's /metrics (api/metrics.ts) on an app whose Temporal
// client carries the metrics interceptor, and the worker's Temporal runtime metrics (worker/main.ts with
// WORKER_METRICS_ADDRESS) after it ran a contract's workflow and activity tasks.
import { randomUUID } from 'node:crypto';
import type { AddressInfo, Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../db/client.js';
import { createApp } from '../../api/app.js';
import { createApiMetrics } from '../../api/metrics.js';
import { issueUser } from '../../api/users.js';
import { type ConnectedClient, connectClient, temporalSettings } from '../../worker/connection.js';
import { shared } from '../support/context.js';
import { http } from '../support/http.js';
import { freePort } from '../support/ports.js';
import { type WorkerProcess, spawnWorker, stopAll } from '../support/processes.js';

const RATE_LIMIT_PER_MINUTE = 8;
const METRICS_TOKEN = 'metrics-test-token-0123456789';
let db: Db;
let temporal: ConnectedClient;
let server: Server;
let worker: WorkerProcess;
let workerMetricsUrl: string;
let call: ReturnType<typeof http>;

beforeAll(async () => {
  const taskQueue = `metrics-${randomUUID()}`;
  const metricsAddress = `127.0.0.1:${await freePort()}`;
  workerMetricsUrl = `http://${metricsAddress}/metrics`;
  worker = spawnWorker({
    databaseUrl: shared('databaseUrl'), temporalAddress: shared('temporalAddress'), taskQueue,
    workflowBundlePath: shared('workflowBundlePath'), extra: { WORKER_METRICS_ADDRESS: metricsAddress },
  });
  const metrics = createApiMetrics();
  db = createDb(shared('databaseUrl'));
  temporal = await connectClient(temporalSettings({ TEMPORAL_ADDRESS: shared('temporalAddress'), HOME: '/nonexistent' }),
    { interceptors: { workflow: [metrics.updateInterceptor] } });
  server = createApp({ db, temporal: temporal.client, taskQueue, metrics, log: () => {}, rateLimitPerMinute: RATE_LIMIT_PER_MINUTE,
    metricsToken: METRICS_TOKEN })
    .listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  call = http(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  await worker.ready;
});
afterAll(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  await stopAll();
  await temporal?.connection.close();
  await db?.$disconnect();
});

/** The value of one series in Prometheus' text format (0 when absent). */
function sample(text: string, name: string, labels: Record<string, string>): number {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && want.every((w) => l.includes(w)));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

describe('API metrics', () => {
  it('counts requests by route template and status, times Updates, and counts replays and rate-limit refusals', async () => {
    const [client, freelancer] = await Promise.all(['Client', 'Freelancer'].map((name) => issueUser(db, { email: `${randomUUID()}@metrics.test`, name })));
    const key = randomUUID();
    const body = { title: 'Measured', freelancerId: freelancer!.id, milestones: [{ title: 'Kick-off', amountCents: 5000 }] };

    const first = await call('POST', '/contracts', { token: client!.token, body, key });
    const replayed = await call('POST', '/contracts', { token: client!.token, body, key });
    await call('GET', `/contracts/${first.body.id}`, { token: client!.token });
    // Until the first 429: the bucket refills one request per 60/RATE_LIMIT_PER_MINUTE s, so on a slow
    // machine it can take more than RATE_LIMIT_PER_MINUTE + 1 requests (bounded at three times that).
    const statuses: number[] = [];
    while (statuses.at(-1) !== 429 && statuses.length < 3 * RATE_LIMIT_PER_MINUTE) {
      statuses.push((await call('GET', '/contracts', { token: freelancer!.token })).status);
    }
    const text = await (await fetch(`${baseUrl()}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();

    expect([first.status, replayed.status, replayed.headers.get('idempotent-replayed')]).toEqual([201, 201, 'true']);
    expect(statuses.at(-1)).toBe(429);
    expect(sample(text, 'http_requests_total', { method: 'POST', route: '/contracts', status: '201' })).toBe(2);
    expect(sample(text, 'http_requests_total', { method: 'GET', route: '/contracts/:id', status: '200' })).toBe(1);
    expect(sample(text, 'http_requests_total', { method: 'GET', route: 'middleware', status: '429' })).toBe(1);
    expect(sample(text, 'http_requests_total', { method: 'GET', route: '/contracts', status: '200' })).toBe(statuses.length - 1);
    expect(sample(text, 'http_request_duration_seconds_count', { method: 'POST', route: '/contracts', status: '201' })).toBe(2);
    expect(sample(text, 'api_idempotent_replays_total', { route: '/contracts' })).toBe(1);
    expect(text).toMatch(/^api_rate_limit_refusals_total 1$/m);
    // 'completed' normally; 'accepted' when a loaded server answered before the Update completed (the client polls on).
    const createUpdates = ['completed', 'accepted'].map((outcome) => sample(text, 'temporal_update_duration_seconds_count', { update: 'createContract', outcome }));
    expect(createUpdates[0]! + createUpdates[1]!).toBe(1);
    expect(text).toContain('process_cpu_seconds_total');
    expect(text).not.toContain(first.body.id); // ids never become label values
  });
});

// After the API test above: its commands are the tasks this worker ran.
describe('worker runtime metrics', () => {
  it('serves the Temporal runtime metrics of the tasks it ran on WORKER_METRICS_ADDRESS', async () => {
    const scrape = async () => (await fetch(workerMetricsUrl)).text();

    await expect.poll(scrape).toContain('temporal_workflow_task_schedule_to_start_latency_seconds_bucket');
    const text = await scrape();

    const queue = { task_queue: worker.taskQueue };
    expect(sample(text, 'temporal_workflow_task_execution_latency_seconds_count', queue)).toBeGreaterThan(0);
    expect(sample(text, 'temporal_worker_task_slots_available', { ...queue, worker_type: 'ActivityWorker' })).toBeGreaterThan(0);
    expect(sample(text, 'temporal_num_pollers', { ...queue, poller_type: 'workflow_task' })).toBeGreaterThan(0);
  });
});

function baseUrl(): string {
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
