// npm run bench — prints figures, asserts nothing: command latency through the whole stack (HTTP → API
// → Update → persistence → PostgreSQL → read back), a 200-milestone plan save and reorder, and memory.
// It starts its own throwaway PostgreSQL and Temporal dev server, like the tests. BENCH_MILESTONES sets
// the number of fund+release cycles (default 100).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { createDb } from '../activities/db.js';
import { createApp } from '../api/app.js';
import { issueUser } from '../api/users.js';
import { createWorker } from '../worker/create-worker.js';
import { allSearchAttributes } from '../workflows/search-attributes.js';
import { startEmbeddedPostgres } from './lib/postgres.js';
import { migrateDeploy } from './lib/prisma.js';
import { temporalBinary } from './lib/tools.js';

Runtime.install({ logger: new DefaultLogger('WARN') });
const N = Number(process.env.BENCH_MILESTONES ?? 100);
const dir = mkdtempSync(join(tmpdir(), 'bench-pg-'));
const pg = await startEmbeddedPostgres({ dataDir: dir, port: 54000 + Math.floor(Math.random() * 900), database: 'bench', persistent: false });
migrateDeploy(pg.url);
const env = await TestWorkflowEnvironment.createLocal({
  server: { executable: { type: 'existing-path', path: temporalBinary('temporal') }, searchAttributes: allSearchAttributes },
});
const db = createDb(pg.url);
const taskQueue = `bench-${randomUUID()}`;
const worker = await createWorker({ connection: env.nativeConnection, db, taskQueue });
const running = worker.run();
const server = createApp({ db, temporal: new Client({ connection: env.connection }), taskQueue, log: () => {}, rateLimitPerMinute: 1e9 }).listen(0, '127.0.0.1');
await new Promise((r) => server.once('listening', r));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const client = await issueUser(db, { email: `c-${randomUUID()}@bench.test`, name: 'Client' });
const freelancer = await issueUser(db, { email: `f-${randomUUID()}@bench.test`, name: 'Freelancer' });
async function post(path: string, token: string, body: unknown = {}) {
  const t = performance.now();
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as { id?: string };
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
  return { ms: performance.now() - t, json };
}
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!.toFixed(1);
const line = (name: string, xs: number[]) => console.log(`${name.padEnd(34)} n=${String(xs.length).padStart(4)}  p50 ${pct(xs, 50).padStart(7)} ms  p95 ${pct(xs, 95).padStart(7)} ms  p99 ${pct(xs, 99).padStart(7)} ms`);

try {
  const warm = await post('/contracts', client.token, { title: 'warm-up', freelancerId: freelancer.id });
  await post(`/contracts/${warm.json.id}/milestones/batch`, client.token, { ops: [{ op: 'add', title: 'w', amountCents: 500 }] });

  const created: number[] = [];
  let id = '';
  for (let i = 0; i < 10; i++) {
    const r = await post('/contracts', client.token, { title: `Bench ${i}`, freelancerId: freelancer.id });
    created.push(r.ms);
    id = r.json.id!;
  }
  const plan = await post(`/contracts/${id}/milestones/batch`, client.token, {
    ops: Array.from({ length: 200 }, (_, i) => ({ op: 'add', title: `Milestone ${i + 1}`, amountCents: 500 + i })),
  });
  const reorder = await post(`/contracts/${id}/milestones/batch`, client.token, {
    ops: [{ op: 'reorder', order: Array.from({ length: 200 }, (_, i) => `m${200 - i}`) }],
  });
  const fund: number[] = [];
  const release: number[] = [];
  for (let i = 0; i < N; i++) {
    fund.push((await post(`/contracts/${id}/fund`, client.token)).ms);
    release.push((await post(`/contracts/${id}/milestones/m${200 - i}/release`, client.token)).ms);
  }
  const t = performance.now();
  const got = await fetch(`${base}/contracts/${id}`, { headers: { authorization: `Bearer ${client.token}` } });
  await got.json();
  const readMs = performance.now() - t;

  console.log(`\nmilestone-contracts bench — ${new Date().toISOString()}, node ${process.version}, ${N} fund+release cycles`);
  line('POST /contracts (update-with-start)', created);
  line('POST …/fund', fund);
  line('POST …/milestones/:m/release', release);
  console.log(`${'save a 200-milestone plan'.padEnd(34)} ${plan.ms.toFixed(1)} ms`);
  console.log(`${'reorder all 200 milestones'.padEnd(34)} ${reorder.ms.toFixed(1)} ms`);
  console.log(`${'GET /contracts/:id (200 milestones)'.padEnd(34)} ${readMs.toFixed(1)} ms`);
  const mem = process.memoryUsage();
  console.log(`${'process RSS (API + worker + client)'.padEnd(34)} ${(mem.rss / 2 ** 20).toFixed(0)} MiB, heap used ${(mem.heapUsed / 2 ** 20).toFixed(0)} MiB`);
} finally {
  server.close();
  worker.shutdown();
  await running;
  await db.$disconnect();
  await env.teardown();
  await pg.stop();
  rmSync(dir, { recursive: true, force: true });
}
