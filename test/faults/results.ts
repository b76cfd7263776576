// reliability/results.json: the figures docs/reliability.md reports (totals over the scenarios, commands by
// kind so a reader sees each rule was driven), then what each scenario measured. The full run writes reliability/results.json (committed); the quick run writes
// .data/reliability-quick.json unless FAULTS_RESULTS names a file.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { root } from '../../scripts/lib/tools.js';
import type { Findings } from './checks.js';
import type { ClientMetrics } from './client.js';
import type { Profile } from './profile.js';

export interface ScenarioFigures {
  name: string;
  lifecycles: number;
  commands: number;
  findings: Findings;
  metrics: ClientMetrics;
  seconds: number;
  /** Commands sent by kind, and the contracts' own timers' acts (autoRelease, refundLapse, expire). */
  commandsByKind: Record<string, number>;
  [figure: string]: unknown;
}

export class Results {
  private readonly started = Date.now();
  readonly scenarios: ScenarioFigures[] = [];
  workerKills = 0;
  apiKills = 0;
  postgresRestarts = 0;
  temporalRestarts = 0;
  emailFailuresInjected = 0;
  emailCalls = 0;
  /** Webhook requests the receiver answered 503 on its failure schedule. */
  receiverRefusals = 0;
  crashes: string[] = [];

  constructor(
    private readonly profile: Profile,
    private readonly seed: number,
  ) {}

  add(s: ScenarioFigures): void {
    this.scenarios.push(s);
  }

  summary() {
    const sum = (pick: (s: ScenarioFigures) => number) => this.scenarios.reduce((a, s) => a + pick(s), 0);
    const merge = (pick: (s: ScenarioFigures) => Record<string, number>) => {
      const out: Record<string, number> = {};
      for (const s of this.scenarios) for (const [k, v] of Object.entries(pick(s))) out[k] = (out[k] ?? 0) + v;
      return out;
    };
    const durations = this.scenarios.flatMap((s) => s.metrics.durations).sort((a, b) => a - b);
    const pct = (p: number) => (durations.length ? Math.round(durations[Math.min(durations.length - 1, Math.floor((p / 100) * durations.length))]!) : 0);
    return {
      date: new Date(this.started).toISOString(),
      machine: { cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30) },
      lifecycles: sum((s) => s.lifecycles),
      workerKills: this.workerKills,
      apiKills: this.apiKills,
      postgresRestarts: this.postgresRestarts,
      temporalRestarts: this.temporalRestarts,
      emailFailuresInjected: this.emailFailuresInjected,
      lostLedgerEntries: sum((s) => s.findings.lostLedgerEntries),
      duplicateLedgerEntries: sum((s) => s.findings.duplicateLedgerEntries),
      lostNotices: sum((s) => s.findings.lostNotices),
      duplicateEmails: sum((s) => s.findings.duplicateEmails),
      stuckContracts: sum((s) => s.findings.stuckContracts.length),
      doubleReleases: sum((s) => s.findings.doubleReleases),
      lostWebhookEvents: sum((s) => s.findings.lostWebhookEvents),
      duplicateWebhookEvents: sum((s) => s.findings.duplicateWebhookEvents),
      mismatchedWebhookEvents: sum((s) => s.findings.mismatchedWebhookEvents),
      commandsByKind: sortKeys(merge((s) => s.commandsByKind)),
      webhooks: {
        endpoints: sum((s) => s.findings.webhooks.endpoints), events: sum((s) => s.findings.webhooks.events),
        delivered: sum((s) => s.findings.webhooks.delivered), attempts: sum((s) => s.findings.webhooks.attempts),
        redeliveries: sum((s) => s.findings.webhooks.redeliveries), receiverRefusals: this.receiverRefusals,
      },
      http5xx: merge((s) => s.metrics.http5xx),
      maxCommandMs: Math.round(Math.max(0, ...this.scenarios.map((s) => s.metrics.maxCommandMs))),
      // Beyond the reported figures: what else the checks count, and how the run was made.
      stateMismatches: sum((s) => s.findings.stateMismatches.length),
      pendingWithoutWorkflow: sum((s) => s.findings.pendingWithoutWorkflow.length),
      orphanRequestWorkflows: sum((s) => s.findings.orphanRequestWorkflows.length),
      duplicateContracts: sum((s) => s.findings.duplicateContracts),
      http5xxByCode: merge((s) => s.metrics.codes5xx),
      http5xxOutsideOutages: merge((s) => s.metrics.unannounced5xx),
      processCrashes: this.crashes.length,
      contracts: sum((s) => s.findings.contracts),
      commands: sum((s) => s.commands),
      commandMs: { p50: pct(50), p95: pct(95), p99: pct(99) },
      notices: sum((s) => s.findings.notices),
      emailCalls: this.emailCalls,
      profile: this.profile.name,
      seed: this.seed,
      commit: commit(),
      seconds: Math.round((Date.now() - this.started) / 1000),
      scenarios: this.scenarios.map(({ findings, metrics, ...s }) => ({
        ...s,
        commandMs: { p50: metrics.percentile(50), p95: metrics.percentile(95), max: Math.round(metrics.maxCommandMs) },
        attempts: metrics.attempts,
        retries: metrics.retries,
        droppedConnections: metrics.droppedConnections,
        hungAttempts: metrics.hungAttempts,
        commandsOverAMinute: metrics.commandsOverAMinute,
        http5xx: metrics.codes5xx,
        slowestCommands: metrics.slowest,
        notices: findings.notices,
        finalCommands: findings.finalCommands,
        maxFinalCommandMs: findings.maxFinalCommandMs,
        deliverySettledMs: findings.deliverySettledMs,
        workflowTasks: findings.workflowTasks,
        webhooks: findings.webhooks,
      })),
    };
  }

  write(): string {
    const file = process.env.FAULTS_RESULTS
      ?? (this.profile.name === 'full' ? join(root, 'reliability', 'results.json') : join(root, '.data', 'reliability-quick.json'));
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(this.summary(), null, 2)}\n`);
    return file;
  }
}

const sortKeys = (o: Record<string, number>): Record<string, number> => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));

function commit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root, encoding: 'utf8' }).trim();
    return dirty ? `${head} (with uncommitted changes)` : head;
  } catch {
    return 'unknown';
  }
}
