// The fault suite, `npm run test:faults` (full) or `npm run test:faults -- --quick` (CI): many
// clients drive contracts through the HTTP API while the suite SIGKILLs the worker, restarts PostgreSQL,
// restarts the Temporal dev server from its SQLite file, SIGKILLs the API and makes the email provider
// fail, while the webhook receiver is down on a schedule. Every scenario's lifecycles also drive the review
// window and its automatic release, revisions, refunds and disputes resolved by the operator (R25–R28),
// and a share of them have a webhook endpoint (R29). After each scenario the checks of checks.ts run over
// every contract it drove; each scenario prints its figures and the run writes reliability/results.json.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Findings, checkScenario } from './checks.js';
import { ApiClient, ClientMetrics } from './client.js';
import { type LifecyclePlan, type LifecycleRecord, drawPlan, runLifecycle } from './lifecycle.js';
import { COMMAND_TIMEOUT_MS, profile } from './profile.js';
import { Results, type ScenarioFigures } from './results.js';
import { between, seededRng } from './rng.js';
import { Provider } from './provider.js';
import { FaultStack, sleep } from './stack.js';

const seed = Number(process.env.FAULTS_SEED ?? Math.floor(Math.random() * 2 ** 31));
const rng = seededRng(seed);
const results = new Results(profile, seed);
let stack: FaultStack;

beforeAll(async () => {
  console.log(JSON.stringify({ faults: profile.name, seed }));
  stack = await FaultStack.start(rng);
}, 300_000);

afterAll(async () => {
  results.crashes = stack?.crashes ?? [];
  if (stack) {
    results.emailCalls = stack.emailCalls;
    results.emailFailuresInjected = stack.emailFailuresInjected;
    results.receiverRefusals = stack.receiver.refusedWhileDown;
  }
  if (results.scenarios.length) console.log(`faults: results written to ${results.write()}`);
  console.log(JSON.stringify({ figure: 'totals', ...results.summary(), scenarios: undefined }));
  await stack?.stop();
}, 120_000);

const figure = (name: string, values: Record<string, unknown>) => console.log(JSON.stringify({ figure: name, ...values }));

interface Pool {
  records: LifecycleRecord[];
  active: Set<LifecycleRecord>;
  started: () => number;
  done: Promise<void>;
  /** How many clients drove it: the final commands go out as many at a time. */
  concurrency: number;
}

/** `concurrency` clients, each running lifecycles one after another while `more()` says so. */
function pool(api: ApiClient, opts: {
  concurrency: number; more: (started: number) => boolean; plan: () => LifecyclePlan; onAwaitingExpiry?: (r: LifecycleRecord) => void;
  onAwaitingAutoRelease?: (r: LifecycleRecord, dueAt: number) => void;
}): Pool {
  const records: LifecycleRecord[] = [];
  const active = new Set<LifecycleRecord>();
  let started = 0;
  const deps = {
    api, db: stack.db, temporal: stack.temporalClient, rng, operator: stack.operator, receiver: stack.receiver,
    ...(opts.onAwaitingExpiry ? { onAwaitingExpiry: opts.onAwaitingExpiry } : {}),
    ...(opts.onAwaitingAutoRelease ? { onAwaitingAutoRelease: opts.onAwaitingAutoRelease } : {}),
  };
  const client = async () => {
    while (opts.more(started)) {
      started += 1;
      records.push(await runLifecycle(deps, opts.plan(), active));
    }
  };
  return { records, active, started: () => started, concurrency: opts.concurrency, done: Promise.all(Array.from({ length: opts.concurrency }, client)).then(() => undefined) };
}

/** Runs the checks, records the scenario and returns what must be empty for the scenario to pass. */
async function conclude(name: string, api: ApiClient, p: Pool, started: number, crashesBefore: number, extra: Record<string, unknown> | (() => Record<string, unknown>)) {
  const deps = { api, db: stack.db, temporal: stack.temporalClient, resend: stack.resend, receiver: stack.receiver };
  const findings = await checkScenario(deps, p.records, p.concurrency);
  const commandsByKind: Record<string, number> = {};
  for (const r of p.records) for (const [k, n] of Object.entries(r.kinds)) commandsByKind[k] = (commandsByKind[k] ?? 0) + n;
  commandsByKind.webhookDelivered = findings.webhooks.delivered;
  if (typeof extra === 'function') extra = extra();
  // A contract that did not finish leaves its history behind for whoever reads the failure.
  const stuck = new Set([...findings.stuckContracts, ...findings.stateMismatches].map((s) => s.slice(0, 36)));
  for (const id of [...stuck].slice(0, 10)) console.log(`faults: history of ${id} in ${stack.dumpHistory(id)}`);
  const s: ScenarioFigures = {
    name, lifecycles: p.records.length, commands: p.records.reduce((n, r) => n + r.commands, 0), findings, metrics: api.metrics,
    seconds: Math.round((performance.now() - started) / 1000), commandsByKind, ...extra,
  };
  results.add(s);
  figure(name, { ...results.summary().scenarios.at(-1), ...headline(findings) });
  return verdict(findings, api.metrics, stack.crashes.slice(crashesBefore));
}

const headline = (f: Findings) => ({
  stuck: f.stuckContracts.length, stateMismatches: f.stateMismatches.length, lostLedgerEntries: f.lostLedgerEntries,
  duplicateLedgerEntries: f.duplicateLedgerEntries, lostNotices: f.lostNotices, duplicateEmails: f.duplicateEmails,
  doubleReleases: f.doubleReleases, lostWebhookEvents: f.lostWebhookEvents, duplicateWebhookEvents: f.duplicateWebhookEvents,
  mismatchedWebhookEvents: f.mismatchedWebhookEvents, webhooks: f.webhooks,
});

function verdict(f: Findings, m: ClientMetrics, crashes: string[]) {
  const few = (list: string[]) => list.slice(0, 15);
  return {
    stuckContracts: few(f.stuckContracts),
    stateMismatches: few(f.stateMismatches),
    lostLedgerEntries: f.lostLedgerEntries,
    duplicateLedgerEntries: f.duplicateLedgerEntries,
    ledgerFindings: few(f.ledgerFindings),
    lostNotices: f.lostNotices,
    duplicateEmails: f.duplicateEmails,
    noticeFindings: few(f.noticeFindings),
    pendingWithoutWorkflow: few(f.pendingWithoutWorkflow),
    orphanRequestWorkflows: few(f.orphanRequestWorkflows),
    duplicateContracts: f.duplicateContracts,
    doubleReleases: f.doubleReleases,
    releaseFindings: few(f.releaseFindings),
    lostWebhookEvents: f.lostWebhookEvents,
    duplicateWebhookEvents: f.duplicateWebhookEvents,
    mismatchedWebhookEvents: f.mismatchedWebhookEvents,
    webhookFindings: few(f.webhookFindings),
    http5xxOutsideOutages: m.unannounced5xx,
    hungAttempts: m.hungAttempts,
    processCrashes: crashes,
  };
}

const CLEAN = {
  stuckContracts: [], stateMismatches: [], lostLedgerEntries: 0, duplicateLedgerEntries: 0, ledgerFindings: [], lostNotices: 0,
  duplicateEmails: 0, noticeFindings: [], pendingWithoutWorkflow: [], orphanRequestWorkflows: [], duplicateContracts: 0,
  doubleReleases: 0, releaseFindings: [], lostWebhookEvents: 0, duplicateWebhookEvents: 0, mismatchedWebhookEvents: 0, webhookFindings: [],
  http5xxOutsideOutages: {}, hungAttempts: 0, processCrashes: [],
};

/** Automatic releases (R25) whose window ended while an outage of this kind was going on. */
const autoReleasesDuring = (p: Pool, kind: string) => p.records.flatMap((r) => r.autoReleased).filter((a) => stack.outages.during(kind, a.dueAt)).length;

const newApi = () => new ApiClient(stack.baseUrl, new ClientMetrics(), stack.outages);

describe.sequential('faults', () => {
  it(`1. worker SIGKILLs: at least ${profile.worker.kills} kills at random moments during at least ${profile.worker.lifecycles} lifecycles`, async () => {
    const P = profile.worker;
    const api = newApi();
    const crashes = stack.crashes.length;
    const started = performance.now();
    stack.emailMode = 'slow'; // each email takes 20–320 ms, so some kills land mid-email
    // Lifecycles start while the kills go on, and at least P.lifecycles of them; the kills go on until
    // there were P.kills, and after that while lifecycles still run, for up to P.maxMinutes. A loaded
    // machine makes the run longer, never the counts smaller.
    let killing = true;
    const p = pool(api, {
      concurrency: P.concurrency, more: (n) => killing || n < P.lifecycles, plan: () => drawPlan(rng, { expireShare: 0.12, ttlMs: 5_000 }),
    });
    const kills: Awaited<ReturnType<FaultStack['killWorker']>>[] = [];
    const deadline = started + P.maxMinutes * 60_000;
    while (kills.length < P.kills || (p.records.length < P.lifecycles && performance.now() < deadline)) {
      // One worker down at a time, as when one of two replicas crashes: the pause is counted from the
      // moment both serve again, so an overloaded machine (replacements that start slowly) stretches the
      // run instead of leaving no worker at all (a run at a load of 28 completed 8 commands in 10 minutes).
      await stack.workersReady();
      await sleep(between(rng, P.killEveryMs[0], P.killEveryMs[1]));
      kills.push(await stack.killWorker(api.metrics.inFlight));
    }
    killing = false;
    const restartMs = await Promise.all(kills.map((k) => k.restarted));
    await stack.workersReady();
    await p.done;
    results.workerKills += kills.length;
    stack.emailMode = 'ok';

    const v = await conclude('worker SIGKILL', api, p, started, crashes, {
      workerKills: kills.length,
      killsMidCommand: kills.filter((k) => k.commandsInFlight > 0).length,
      killsMidTransaction: kills.filter((k) => k.transactionsOpen > 0).length,
      killsMidEmail: kills.filter((k) => k.emailsInFlight > 0).length,
      maxWorkerRestartMs: Math.max(...restartMs),
      autoReleases: p.records.reduce((n, r) => n + r.autoReleased.length, 0),
      autoReleasesDueWhileAWorkerWasDead: autoReleasesDuring(p, 'worker'),
      racesWonByTheClient: p.records.filter((r) => r.race === 'manual').length,
      racesWonByTheWindow: p.records.filter((r) => r.race === 'auto').length,
    });
    expect(kills.length).toBeGreaterThanOrEqual(P.kills);
    expect(p.records.length).toBeGreaterThanOrEqual(P.lifecycles);
    expect(v).toEqual(CLEAN);
  }, (profile.worker.maxMinutes + 20) * 60_000);

  it(`2. PostgreSQL restarted ${profile.postgres.restarts}× mid-run (stopped, ${profile.postgres.downMs / 1000} s down, started): reads answer 503 within the deadline, commands complete`, async () => {
    const P = profile.postgres;
    const api = newApi();
    const crashes = stack.crashes.length;
    const started = performance.now();
    const p = pool(api, { concurrency: P.concurrency, more: (n) => n < P.lifecycles, plan: () => drawPlan(rng, { expireShare: 0.1, ttlMs: 5_000 }) });
    const reads: { status: number; ms: number; code?: string }[] = [];
    const restarts: { startMs: number }[] = [];
    for (let i = 0; i < P.restarts; i++) {
      await sleep(between(rng, 2_000, 6_000));
      let down = true;
      // While it is down, parties keep reading their contracts: each read must be a 503, within the deadline.
      const reader = async () => {
        while (down) {
          const r = [...p.active].find((x) => x.id);
          if (!r) {
            await sleep(100);
            continue;
          }
          const a = await api.once(r.client.token, 'GET', `/contracts/${r.id}`);
          if (down) reads.push({ status: a.status, ms: Math.round(a.ms), code: (a.body as { code?: string } | undefined)?.code });
          await sleep(100);
        }
      };
      restarts.push(await stack.restartPostgres(P.downMs, async () => {
        const readers = [reader(), reader(), reader()];
        await sleep(P.downMs);
        down = false;
        await Promise.all(readers);
      }));
    }
    await p.done;
    results.postgresRestarts += restarts.length;

    const byStatus: Record<string, number> = {};
    for (const r of reads) byStatus[`${r.status} ${r.code ?? ''}`.trim()] = (byStatus[`${r.status} ${r.code ?? ''}`.trim()] ?? 0) + 1;
    const v = await conclude('PostgreSQL restart', api, p, started, crashes, {
      postgresRestarts: restarts.length, readsWhileDown: reads.length, readsWhileDownByStatus: byStatus,
      maxReadWhileDownMs: Math.max(0, ...reads.map((r) => r.ms)), maxPostgresStartMs: Math.max(...restarts.map((r) => r.startMs)),
    });
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.filter((r) => r.status !== 503)).toEqual([]);
    expect(Math.max(...reads.map((r) => r.ms))).toBeLessThan(COMMAND_TIMEOUT_MS);
    expect(v).toEqual(CLEAN);
  }, 20 * 60_000);

  it(`3. Temporal dev server restarted ${profile.temporal.restarts}× from its SQLite file: nothing lost, change-request timers due while it was down fire`, async () => {
    const P = profile.temporal;
    const api = newApi();
    const crashes = stack.crashes.length;
    const started = performance.now();
    const TTL = 8_000;
    const awaiting = new Map<LifecycleRecord, number>();
    const releasing = new Map<LifecycleRecord, number>();
    // Half the reviews wait for the window's end, so a release falls due while the server is down too.
    const reviews = ['autoRelease', 'autoRelease', 'autoReleaseRace', 'release', 'dispute'] as const;
    const p = pool(api, {
      concurrency: P.concurrency, more: (n) => n < P.lifecycles, plan: () => drawPlan(rng, { expireShare: 0.5, ttlMs: TTL, reviews }),
      onAwaitingExpiry: (r) => awaiting.set(r, performance.now()),
      onAwaitingAutoRelease: (r, dueAt) => releasing.set(r, dueAt),
    });
    const windows: { from: number; to: number; startMs: number }[] = [];
    for (let i = 0; i < P.restarts; i++) {
      // Stop the server just before a pending request's expiry or a review window's end is due, so it falls due while the server is down.
      const until = performance.now() + 90_000;
      let due: number | undefined;
      while (performance.now() < until) {
        const expiries = [...awaiting.entries()].filter(([r]) => !r.expired && !r.finished).map(([, at]) => at + TTL);
        const releases = [...releasing.entries()].filter(([r]) => !r.finished).map(([, at]) => at);
        const soonest = [...expiries, ...releases].filter((at) => at - performance.now() > 1_000).sort((a, b) => a - b)[0];
        if (soonest !== undefined && soonest - performance.now() < 3_000) {
          due = soonest;
          break;
        }
        await sleep(100);
      }
      const from = performance.now();
      const { startMs } = await stack.restartTemporal(P.downMs);
      windows.push({ from, to: performance.now(), startMs });
      figure('Temporal restarted', { restart: i + 1, timerDueAfterStopMs: due === undefined ? null : Math.round(due - from) });
    }
    await p.done;
    results.temporalRestarts += windows.length;

    const expiring = p.records.filter((r) => r.plan.change === 'expire');
    const dueWhileDown = [...awaiting.entries()].filter(([, at]) => windows.some((w) => at + TTL >= w.from && at + TTL <= w.to));
    const v = await conclude('Temporal restart', api, p, started, crashes, {
      temporalRestarts: windows.length, maxTemporalStartMs: Math.max(...windows.map((w) => w.startMs)),
      expiringRequests: expiring.length, expired: expiring.filter((r) => r.expired).length,
      timersDueWhileDown: dueWhileDown.length, firedAfterRestart: dueWhileDown.filter(([r]) => r.expired).length,
      autoReleases: p.records.reduce((n, r) => n + r.autoReleased.length, 0), autoReleasesDueWhileDown: autoReleasesDuring(p, 'temporal'),
    });
    expect(dueWhileDown.length + autoReleasesDuring(p, 'temporal')).toBeGreaterThan(0);
    expect(dueWhileDown.filter(([r]) => !r.expired).map(([r]) => r.id)).toEqual([]);
    expect(expiring.filter((r) => !r.expired).map((r) => r.id)).toEqual([]);
    expect(v).toEqual(CLEAN);
  }, 20 * 60_000);

  it(`4. API process SIGKILLed ${profile.api.kills}× mid-request: the client's retry with the same key has exactly one effect`, async () => {
    const P = profile.api;
    const api = newApi();
    const crashes = stack.crashes.length;
    const started = performance.now();
    const p = pool(api, { concurrency: P.concurrency, more: (n) => n < P.lifecycles, plan: () => drawPlan(rng, { expireShare: 0.1, ttlMs: 5_000 }) });
    const kills: { inFlight: number; restartMs: number }[] = [];
    for (let i = 0; i < P.kills; i++) {
      await sleep(between(rng, 1_500, 5_000));
      const inFlight = api.metrics.inFlight;
      kills.push({ inFlight, ...(await stack.killApi()) });
    }
    await p.done;
    results.apiKills += kills.length;

    const v = await conclude('API SIGKILL', api, p, started, crashes, {
      apiKills: kills.length, killsMidRequest: kills.filter((k) => k.inFlight > 0).length,
      requestsInFlightAtKills: kills.reduce((n, k) => n + k.inFlight, 0), maxApiRestartMs: Math.max(...kills.map((k) => k.restartMs)),
    });
    expect(kills.filter((k) => k.inFlight > 0).length).toBeGreaterThan(0);
    expect(v).toEqual(CLEAN);
  }, 20 * 60_000);

  it('5. email provider: 30% of calls fail (500, 429, a hang past the client timeout); every notice is emailed exactly once', async () => {
    const P = profile.email;
    const api = newApi();
    const crashes = stack.crashes.length;
    const started = performance.now();
    const failuresBefore = stack.emailFailuresInjected;
    const callsBefore = stack.emailCalls;
    stack.emailMode = 'chaos';
    const p = pool(api, { concurrency: P.concurrency, more: (n) => n < P.lifecycles, plan: () => drawPlan(rng, { expireShare: 0.1, ttlMs: 5_000 }) });
    await p.done;

    // Counted after the checks, which wait for the retries of the last deliveries.
    const v = await conclude('email failures', api, p, started, crashes, () => ({
      emailCalls: stack.emailCalls - callsBefore, emailFailuresInjected: stack.emailFailuresInjected - failuresBefore,
      emailFailuresByKind: { ...stack.emailFailures },
    }));
    stack.emailMode = 'ok';
    expect(stack.emailFailuresInjected - failuresBefore).toBeGreaterThan(0);
    expect(v).toEqual(CLEAN);
  }, 20 * 60_000);

  it(`6. payment provider: 500s, lost answers and held answers from Stripe (stripe-mock) and ${profile.provider.kills} worker kills; every deposit, release and refund is carried out exactly once`, async () => {
    const P = profile.provider;
    const provider = await Provider.start();
    try {
      await stack.usePayments(provider.env()); // contracts created from here on carry their money through the provider
      const api = newApi();
      const crashes = stack.crashes.length;
      const started = performance.now();
      provider.startFaults();
      const p = pool(api, { concurrency: P.concurrency, more: (n) => n < P.lifecycles, plan: () => drawPlan(rng, { expireShare: 0.1, ttlMs: 5_000 }) });
      const kills: Awaited<ReturnType<FaultStack['killWorker']>>[] = [];
      for (let i = 0; i < P.kills; i++) {
        await stack.workersReady();
        await sleep(between(rng, 2_000, 6_000));
        kills.push(await stack.killWorker(api.metrics.inFlight));
      }
      await Promise.all(kills.map((k) => k.restarted));
      await p.done;
      await provider.stopFaults();
      results.workerKills += kills.length;
      const money = await provider.check(stack.db, p.records.map((r) => r.id));
      const v = await conclude('payment provider', api, p, started, crashes, () => ({
        workerKills: kills.length, providerFaultsInjected: provider.injected, providerFaultsMet: provider.met(),
        providerRequests: provider.proxy.requests.length, providerObjects: provider.proxy.created.length,
        duplicateMovements: money.duplicateMovements.length, missingMovements: money.missingMovements.length, unknownToLedger: money.unknownToLedger.length,
        overRefunded: money.overRefunded.length,
      }));
      expect(provider.met()).toBeGreaterThan(0);
      expect(money).toEqual({ duplicateMovements: [], missingMovements: [], unknownToLedger: [], overRefunded: [] });
      expect(v).toEqual(CLEAN);
    } finally {
      await provider.stop();
    }
  }, 25 * 60_000);
});
