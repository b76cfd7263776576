// npm run bench — measures the command path against the physical floor, in one run on one server, and
// asserts nothing. It starts its own throwaway PostgreSQL and Temporal dev server,
// runs the product's worker, a floor worker (scripts/bench/floor-workflows.ts, on its own task queue)
// and the API in this process, then measures:
//   the floor: a no-op Update, an Update awaiting one local activity (and one awaiting a regular one);
//   every command through the API and through the Temporal client, in rounds that interleave the two
//   paths and the floor, so a noisy moment hits all of them alike;
//   milestone lifecycles per second at concurrency 1, 8, 32; billable actions from real histories;
//   the longest run of a 200-milestone contract; GET /contracts/{id} at a fixed rate (autocannon).
// It writes results.json and latency.svg to bench/ (--quick: small counts, to bench/quick/, for CI).
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { changeRequestWorkflowId, contractWorkflowId } from '../domain/names.js';
import { countActions, emptyCount, eventsAfter, lastEventId, settle, type ActionCount } from './bench/actions.js';
import { latencyChart, type Series } from './bench/chart.js';
import { activityUpdate, floorWorkflow, localActivityUpdate, noopUpdate, stopSignal } from './bench/floor-workflows.js';
import { apiPath, clientPath, planOps, type ContractPath, type PathName } from './bench/paths.js';
import { progress, step, table } from './bench/report.js';
import { COMMANDS, type BenchResults, type CommandName, type LoadResult } from './bench/results.js';
import { startBenchStack, type BenchStack } from './bench/stack.js';
import { percentile, round, summarize } from './bench/stats.js';
import { largestPayload } from './lib/payloads.js';
import { root } from './lib/tools.js';

const quick = process.argv.includes('--quick');
const outIndex = process.argv.indexOf('--out');
const outDir = outIndex > 0 ? process.argv[outIndex + 1]! : join(root, 'bench', quick ? 'quick' : '');

/** Counts: the full run takes about ten minutes on two cores; --quick well under one. */
const P = quick
  ? { rounds: 3, floorPerRound: 5, plan200Samples: 2, lifecycleWarmUpS: 1, lifecycleWindowS: 3, lifecycleMilestones: 20,
    longMilestones: 20, getDurationS: 2, sequentialGets: 20 }
  : { rounds: 100, floorPerRound: 10, plan200Samples: 20, lifecycleWarmUpS: 5, lifecycleWindowS: 20, lifecycleMilestones: 150,
    longMilestones: 200, getDurationS: 20, sequentialGets: 200 };
/** A round's contract: a plan of this many milestones, each funded, submitted and released. */
const ROUND_MILESTONES = 3;
const GET_RATE = 200;
const GET_CONNECTIONS = 10;
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
  const id = await timed(into?.create, () => path.create(`Bench ${path.name} ${n}`));
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

/**
 * Lifecycles per second with `concurrency` contracts driven in parallel: the commands (fund, submit,
 * release) completed within a window after a warm-up, divided by three. Counting commands rather than
 * whole lifecycles keeps the figure fine-grained when one lifecycle takes seconds (concurrency 32).
 */
async function lifecyclesPerSecond(path: ContractPath, concurrency: number): Promise<{ perSecond: number; commands: number }> {
  const ids = await Promise.all(Array.from({ length: concurrency }, async (_, i) => {
    const id = await path.create(`Lifecycles c${concurrency} #${i}`);
    await path.savePlan(id, planOps(P.lifecycleMilestones));
    return id;
  }));
  const from = performance.now() + P.lifecycleWarmUpS * 1000;
  const to = from + P.lifecycleWindowS * 1000;
  let commands = 0;
  let exhausted = 0;
  const count = async (command: Promise<void>) => {
    await command;
    const done = performance.now();
    if (done >= from && done <= to) commands++;
  };
  await Promise.all(ids.map(async (id) => {
    for (let i = 1; performance.now() < to; i++) {
      if (i > P.lifecycleMilestones) {
        exhausted++;
        return;
      }
      await count(path.fund(id));
      await count(path.submit(id, `m${i}`));
      await count(path.release(id, `m${i}`));
    }
  }));
  if (exhausted) console.warn(`  ${exhausted} of ${concurrency} contracts ran out of milestones: raise lifecycleMilestones`);
  return { perSecond: round(commands / 3 / P.lifecycleWindowS, 1), commands };
}

/** Actions of fund → submit → release (twice) and of one change request (request → approve), via the API. */
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
  const lifecycles: ActionCount[] = [];
  for (const m of ['m1', 'm2']) {
    lifecycles.push(await measure(async () => {
      await api.fund(id);
      await api.submit(id, m);
      await api.release(id, m);
    }));
  }
  await api.fund(id);
  let requestId = '';
  const changeRequest = await measure(async () => {
    requestId = await api.requestChange(id, 'm3', { title: 'Renamed' });
    await api.approve(id, requestId, 0);
  });
  const child = temporal.workflow.getHandle(changeRequestWorkflowId(requestId));
  await child.result();
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
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as LoadResult) : reject(new Error(`get-load exited ${code}: ${out}`))));
  });
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
  step(`milestone-contracts bench (${quick ? 'quick' : 'full'}): starting servers`);
  const stack = await startBenchStack((what) => step(`starting ${what}`));
  try {
    const paths = { api: apiPath(stack), client: clientPath(stack) };

    step('warm-up (not recorded)');
    await floorBurst(stack, 3, undefined);
    await contractRound(paths.api, undefined, 0);
    await contractRound(paths.client, undefined, 0);

    step(`commands: ${P.rounds} rounds, each a floor burst (${P.floorPerRound}× each floor Update) and one contract through the API and one through the client`);
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
        await timed(samples[path.name].savePlan200, () => path.savePlan(id, planOps(200)));
      }
      progress('plans', i, P.plan200Samples);
    }

    const lifecycles = {} as Record<'1' | '8' | '32', { perSecond: number; commands: number }>;
    for (const c of CONCURRENCY) {
      step(`lifecycles per second at concurrency ${c} (${P.lifecycleWarmUpS} s warm-up, ${P.lifecycleWindowS} s counted)`);
      lifecycles[String(c) as '1' | '8' | '32'] = await lifecyclesPerSecond(paths.api, c);
    }

    step('billable actions from the histories');
    const actions = await billableActions(stack, paths.api);

    step(`history of a ${P.longMilestones}-milestone contract`);
    const { lengths: historyEventsPerRun, largestPayload: largest } = await longContract(stack, paths.client, P.longMilestones);

    // Two views: the largest contract the rules allow (200 milestones, the headline figure) and one the
    // size of a round's (3 milestones, one funded).
    const large = await paths.api.create('Read target, 200 milestones');
    await paths.api.savePlan(large, planOps(200));
    const small = await paths.api.create('Read target, 3 milestones');
    await paths.api.savePlan(small, planOps(ROUND_MILESTONES));
    await paths.api.fund(small);
    await Promise.all([large, small].map((id) => settle(stack.temporal, contractWorkflowId(id))));
    step(`GET /contracts/{id} at ${GET_RATE} req/s for ${P.getDurationS} s, 200 milestones then 3 (autocannon, a child process)`);
    const get = await getLoad(stack, large);
    const getSmall = await getLoad(stack, small);
    // One request at a time, for what a read costs when nothing queues (tells service time from queueing).
    const sequential = async (id: string) => {
      const times: number[] = [];
      for (let i = 0; i < P.sequentialGets; i++) {
        await timed(times, async () => {
          const res = await fetch(`${stack.baseUrl}/contracts/${id}`, { headers: { authorization: `Bearer ${stack.client.token}` } });
          await res.arrayBuffer();
        });
      }
      return { p50Ms: round(percentile(times, 50), 2), p99Ms: round(percentile(times, 99), 2), n: times.length };
    };
    const getOneAtATime = { milestones200: await sequential(large), milestones3: await sequential(small) };

    const noopP50 = percentile(floor.noopUpdate, 50);
    const floorSummary = (xs: number[]) => {
      const { ratioP50: _ratio, ...rest } = summarize(xs, noopP50);
      return rest;
    };
    const mean = (xs: number[]) => round(xs.reduce((a, b) => a + b, 0) / xs.length, 1);
    const results: BenchResults = {
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
      },
      commands: Object.fromEntries(COMMANDS.map((c) => [c, {
        api: summarize(samples.api[c], noopP50),
        client: summarize(samples.client[c], noopP50),
      }])) as BenchResults['commands'],
      lifecyclesPerSecond: { '1': lifecycles['1'].perSecond, '8': lifecycles['8'].perSecond, '32': lifecycles['32'].perSecond },
      billableActionsPerLifecycle: mean(actions.lifecycles.map((a) => a.total)),
      billableActionsPerChangeRequest: actions.changeRequest.total,
      maxRunHistoryEvents: Math.max(...historyEventsPerRun),
      largestPayloadBytes: largest.bytes,
      getContract: { p50Ms: get.p50Ms, p99Ms: get.p99Ms, rps: get.rps },
      conditions: {
        loadAverageStart,
        loadAverageEnd: loadavg().map((x) => round(x, 2)),
        durationS: Math.round((performance.now() - started) / 1000),
        note: 'load averages (1, 5, 15 min) of the whole machine: other processes (e.g. test suites) may share its cores, so figures are noisy',
      },
      details: {
        mode: quick ? 'quick' : 'full',
        build: build(),
        commandsMeasured: `create, savePlan (${ROUND_MILESTONES} milestones), fund, submit, release, requestChange (a title change on the ` +
          'active milestone), approve (version 0): one contract per round per path; savePlan200: a 200-milestone plan on a new contract',
        floor: {
          noopUpdate: floorSummary(floor.noopUpdate),
          localActivityUpdate: floorSummary(floor.localActivityUpdate),
          activityUpdate: floorSummary(floor.activityUpdate),
        },
        lifecycles: {
          path: 'api',
          warmUpS: P.lifecycleWarmUpS,
          windowS: P.lifecycleWindowS,
          commandsInWindow: { '1': lifecycles['1'].commands, '8': lifecycles['8'].commands, '32': lifecycles['32'].commands },
        },
        billableActions: {
          rules: 'docs.temporal.io/cloud/actions, see scripts/bench/actions.ts: workflow started 1, child workflow 2, update 1, ' +
            'signal 1, activity attempt 1, local activities 1 per workflow task, timer 1, search-attribute upsert 1',
          lifecycles: actions.lifecycles,
          changeRequest: actions.changeRequest,
        },
        longContract: { milestones: P.longMilestones, path: 'client', runs: historyEventsPerRun.length, historyEventsPerRun, largestPayload: largest },
        getContract: {
          targetRps: GET_RATE, durationS: P.getDurationS, connections: GET_CONNECTIONS,
          milestones200: get, milestones3: getSmall, oneAtATime: getOneAtATime,
        },
      },
    };

    const series: Series[] = [
      { label: 'no-op Update (floor)', kind: 'floor', samples: floor.noopUpdate },
      { label: 'Update + local activity', kind: 'floor', samples: floor.localActivityUpdate },
      { label: 'Update + activity', kind: 'floor', samples: floor.activityUpdate },
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

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
