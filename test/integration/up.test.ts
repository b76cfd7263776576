// `npm run up` pointed at a database it does not own (DATABASE_URL) and a running Temporal: it writes no
// demo users there, tells other commands where the stack is (user:create finds the embedded database
// through the same file), serves the API's and the worker's metrics, and restarts a worker that dies.
// The embedded defaults are not started here (fixed ports, the developer's own .data/): they were run by
// hand, as docs/operations.md ("Running anywhere") says.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../db/client.js';
import { issueUser } from '../../api/users.js';
import { root } from '../../scripts/lib/tools.js';
import { shared } from '../support/context.js';
import { freePort } from '../support/ports.js';

let dir: string;
let db: Db;
let up: ChildProcess | undefined; // the one running now: afterAll stops it if a test could not
beforeAll(() => {
  mkdirSync(join(root, '.data', 'test'), { recursive: true });
  dir = mkdtempSync(join(root, '.data', 'test', 'up-'));
  db = createDb(shared('databaseUrl'));
});
afterAll(async () => {
  // A test that failed midway leaves up running: SIGTERM lets it stop its worker and API (a SIGKILL would
  // orphan them), SIGKILL only if it has not exited after 30 s.
  if (up && up.exitCode === null && up.signalCode === null) {
    const exited = new Promise((resolve) => up!.once('exit', resolve));
    up.kill('SIGTERM');
    const timer = setTimeout(() => up!.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  }
  await db?.$disconnect();
  rmSync(dir, { recursive: true, force: true });
});

const baseEnv = () => ({ PATH: process.env.PATH ?? '', HOME: dir });

function userCreate(env: Record<string, string>, email: string) {
  return spawnSync(process.execPath, ['--import', 'tsx', join(root, 'scripts', 'user-create.ts'), '--email', email, '--name', 'Ada'],
    { cwd: root, env: { ...baseEnv(), ...env }, encoding: 'utf8', timeout: 60_000 });
}

/**
 * `npm run up` (the script itself: provisioning is not under test) beside the suite's servers. The API
 * process sends commands to the product's own task queue, so a test whose commands must reach this up's
 * worker leaves the worker there too (`ownQueue: false`); no other test's worker polls that queue.
 */
async function startUp({ ownQueue = true } = {}) {
  const [apiPort, metricsPort, codecPort] = [await freePort(), await freePort(), await freePort()];
  const stackFile = join(dir, `stack-${randomUUID()}.json`);
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'scripts', 'up.ts')], {
    cwd: root, stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...baseEnv(), DATABASE_URL: shared('databaseUrl'), TEMPORAL_ADDRESS: shared('temporalAddress'), PORT: String(apiPort),
      WORKER_METRICS_ADDRESS: `127.0.0.1:${metricsPort}`, STACK_FILE: stackFile, CODEC_SERVER_ADDRESS: `127.0.0.1:${codecPort}`,
      WORKFLOW_BUNDLE_PATH: shared('workflowBundlePath'), ...(ownQueue ? { TASK_QUEUE: `up-${randomUUID()}` } : {}),
    },
  });
  up = child;
  const stack = { child, apiPort, metricsPort, codecPort, stackFile, out: '', exited: new Promise<number | null>((resolve) => child.once('exit', resolve)) };
  child.stdout!.on('data', (d) => (stack.out += d));
  child.stderr!.on('data', (d) => (stack.out += d));
  await expect.poll(() => stack.out, { timeout: 90_000 }).toContain('Milestone contracts is running');
  return stack;
}

/** The pids `up` logged for a supervised process, in order. */
const pidsOf = (out: string, name: string) => [...out.matchAll(new RegExp(`up: ${name} started \\(pid (\\d+)\\)`, 'g'))].map((m) => Number(m[1]));

describe('npm run up beside a database it does not own', () => {
  // Starts a worker and an API process: minutes, not seconds, on a loaded two-core machine.
  it('writes no demo users into DATABASE_URL, serves both metrics endpoints and stops cleanly', { timeout: 240_000 }, async () => {
    const started = await startUp();
    const { apiPort, metricsPort, codecPort, stackFile } = started;

    const stack = JSON.parse(readFileSync(stackFile, 'utf8'));
    await fetch(`http://127.0.0.1:${apiPort}/healthz`);
    const apiMetrics = await (await fetch(`http://127.0.0.1:${apiPort}/metrics`, { headers: { authorization: `Bearer ${stack.metricsToken}` } })).text();
    // The runtime exports a worker's series once it polls, a moment after it started.
    const scrapeWorker = async () => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const workflowSlots = /^temporal_worker_task_slots_available\{.*worker_type="WorkflowWorker".*\} \d+$/m;
    await expect.poll(scrapeWorker, { timeout: 30_000 }).toMatch(workflowSlots);
    // The codec server is up and guarded: no token, no payloads.
    const codec = await fetch(`http://127.0.0.1:${codecPort}/decode`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"payloads":[]}', signal: AbortSignal.timeout(10_000),
    });
    started.child.kill('SIGTERM');
    const code = await started.exited;

    expect(started.out).toContain('No demo users');
    expect(started.out).toContain(`Codec server http://127.0.0.1:${codecPort}`);
    expect(codec.status).toBe(401);
    expect(await db.user.findUnique({ where: { id: 'demo-client' } })).toBeNull();
    expect(await db.apiToken.count({ where: { userId: { in: ['demo-client', 'demo-freelancer'] } } })).toBe(0);
    // The metrics token up made for this run is written for other commands (the database URL is not: not up's).
    expect(stack).toEqual({ pid: started.child.pid, temporalAddress: shared('temporalAddress'), apiUrl: `http://127.0.0.1:${apiPort}`,
      metricsToken: expect.stringMatching(/^[\w-]{32}$/) });
    expect(started.out).toContain(`Bearer ${stack.metricsToken}`);
    expect(apiMetrics).toContain('http_requests_total{method="GET",route="/healthz",status="200"} 1');
    expect(code).toBe(0);
    expect(existsSync(stackFile)).toBe(false);
  });

  it('restarts a worker that was killed, and a command sent meanwhile completes', { timeout: 300_000 }, async () => {
    const tag = randomUUID();
    const client = await issueUser(db, { email: `client-${tag}@up.test`, name: 'Client' });
    const freelancer = await issueUser(db, { id: `freelancer-${tag}`, email: `freelancer-${tag}@up.test`, name: 'Freelancer' });
    const started = await startUp({ ownQueue: false });
    const [firstWorker] = pidsOf(started.out, 'worker');
    const key = randomUUID();
    // As the API guide tells integrators: a 503 is "not answered yet", retried with the same key.
    const create = () => fetch(`http://127.0.0.1:${started.apiPort}/contracts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${client.token}`, 'idempotency-key': key, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Logo design', freelancerId: freelancer.id, milestones: [{ title: 'Kick-off', amountCents: 5000 }] }),
      signal: AbortSignal.timeout(60_000),
    });

    process.kill(firstWorker!, 'SIGKILL');
    let answer = await create();
    const statuses = [answer.status];
    for (const deadline = Date.now() + 120_000; answer.status === 503 && Date.now() < deadline;) {
      await new Promise((r) => setTimeout(r, 1000 * Math.min(5, Number(answer.headers.get('retry-after') ?? 1))));
      answer = await create();
      statuses.push(answer.status);
    }
    const body = await answer.json();
    started.child.kill('SIGTERM');
    const code = await started.exited;

    expect(answer.status, `${statuses.join(', ')}: ${JSON.stringify(body)}\n${started.out}`).toBe(201);
    expect(body).toMatchObject({ id: expect.any(String), status: 'offered' });
    expect(started.out).toMatch(new RegExp(`up: worker exited \\(SIGKILL\\); restarting in 1 s`));
    expect(pidsOf(started.out, 'worker')).toHaveLength(2);
    expect(pidsOf(started.out, 'api')).toHaveLength(1);
    expect(code).toBe(0);
  });
});

describe('npm run user:create', () => {
  it('finds the embedded database of a running npm run up by itself', async () => {
    const stackFile = join(dir, 'embedded.json');
    // What up writes for its embedded PostgreSQL (pid: a live process, this one).
    writeFileSync(stackFile, JSON.stringify({ pid: process.pid, databaseUrl: shared('databaseUrl'), temporalAddress: 'x', apiUrl: 'x' }));
    const email = `${randomUUID()}@user-create.test`;

    const run = userCreate({ STACK_FILE: stackFile }, email);

    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ email, name: 'Ada', token: expect.stringMatching(/^mc_/) });
    expect(await db.user.count({ where: { email } })).toBe(1);
  });

  it('says what to do when neither DATABASE_URL nor a running stack is there', () => {
    const run = userCreate({ STACK_FILE: join(dir, 'absent.json') }, 'nobody@user-create.test');

    expect(run.status).toBe(1);
    expect(run.stderr).toContain('start `npm run up` in another terminal, or set DATABASE_URL');
  });
});
