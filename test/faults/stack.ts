// The fault suite's stack, every part a real process the suite can kill or restart: its own PostgreSQL
// (stopped and started on the same data directory), a Temporal dev server on a SQLite file (restarted
// from that file), the worker and the API as separate node processes, a Resend stand-in whose
// failures the suite switches on, and a webhook receiver that is down on a schedule (receiver.ts).
// Everything listens on 127.0.0.1 on ports picked at start.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { createDb, type Db } from '../../db/client.js';
import { TASK_QUEUE, contractWorkflowId } from '../../domain/names.js';
import { type RunningTemporal, startTemporalDevServer } from '../../scripts/lib/temporal-dev.js';
import { root, temporalBinary } from '../../scripts/lib/tools.js';
import { workflowsPath } from '../../worker/create-worker.js';
import { type Behaviour, type FakeResend, startFakeResend } from '../support/fake-resend.js';
import { freePort } from '../support/ports.js';
import { type OwnPostgres, type WorkerProcess, spawnApi, spawnWorker, startOwnPostgres, stopAll } from '../support/processes.js';
import { quietRuntime } from '../support/runtime.js';
import { Outages } from './outages.js';
import { COMMAND_TIMEOUT_MS } from './profile.js';
import { WebhookReceiver } from './receiver.js';
import type { Rng } from './rng.js';
import { issueUser } from '../../api/users.js';
import { dataConverter, failureConverterPath } from '../../codec/data-converter.js';

/** The mailer's own timeout (activities/mail.ts) is 15 s: a 'hang' answers after it gave up. */
const EMAIL_HANG_MS = 16_000;
/** At most this many failures in a row for one email, so every notice settles within minutes. */
const MAX_EMAIL_FAILURES_IN_A_ROW = 3;
/** Two workers, as a deployment runs at least two: a kill stalls what the dead one held, not everything. */
const WORKERS = 2;
/** The workers' sessions carry this name, so a kill can tell whether a transaction was open. */
const WORKER_APP_NAME = 'faults-worker';
/**
 * The receiver is down for 6 s of every 30: a delivery it refuses is retried after 5 s, then 15 s more
 * (docs/webhooks.md's schedule), so every event lands within about 20 s of the receiver's recovery.
 */
const RECEIVER_SCHEDULE = { periodMs: 30_000, downMs: 6_000 };

export type EmailMode = 'ok' | 'slow' | 'chaos';

export interface KillMoment {
  /** Commands the clients were waiting on. */
  commandsInFlight: number;
  /** Transactions the worker had open in PostgreSQL. */
  transactionsOpen: number;
  /** Emails the worker was sending. */
  emailsInFlight: number;
}

export class FaultStack {
  readonly outages = new Outages();
  /** Worker or API processes that exited without being killed by the suite. */
  readonly crashes: string[] = [];
  readonly emailFailures: Record<string, number> = { '500': 0, '429': 0, hang: 0 };
  emailCalls = 0;
  emailMode: EmailMode = 'ok';
  /** R31: the payment provider's environment for the worker and the API (the provider scenario); none: the ledger alone. */
  private paymentsEnv: Record<string, string> = {};
  /** Worker processes on the one task queue, as a deployment runs them; the suite kills one at a time. */
  readonly workers: (WorkerProcess | undefined)[] = [];
  api?: WorkerProcess;
  private readonly failuresInARow = new Map<string, number>();
  /** Every worker's and API's whole output, kept after the run (.data/faults-logs/). */
  readonly logDir = join(root, '.data', 'faults-logs');

  private constructor(
    readonly pg: OwnPostgres,
    private temporal: RunningTemporal,
    private readonly temporalOpts: { port: number; uiPort: number; dbFile: string },
    readonly temporalClient: Client,
    private readonly connection: Connection,
    readonly db: Db,
    readonly resend: FakeResend,
    readonly receiver: WebhookReceiver,
    /** The marketplace's operator, who resolves disputes (R28) with their own token. */
    readonly operator: { id: string; token: string },
    readonly apiPort: number,
    private readonly bundlePath: string,
    private readonly scratch: string,
    private readonly rng: Rng,
  ) {}

  static async start(rng: Rng): Promise<FaultStack> {
    quietRuntime();
    rmSync(join(root, '.data', 'faults-logs'), { recursive: true, force: true });
    mkdirSync(join(root, '.data', 'faults-logs'), { recursive: true });
    const scratch = mkdtempSync(join(root, '.data', 'faults-'));
    const temporalOpts = { port: await freePort(), uiPort: await freePort(), dbFile: join(scratch, 'temporal.db') };
    const [pg, temporal, bundle] = await Promise.all([
      startOwnPostgres(),
      startTemporalDevServer(temporalOpts),
      bundleWorkflowCode({ workflowsPath, failureConverterPath, logger: quietLogger }),
    ]);
    const bundlePath = join(scratch, 'workflow-bundle.js');
    writeFileSync(bundlePath, bundle.code);
    process.once('exit', () => temporal.process.kill('SIGKILL'));
    const connection = await Connection.connect({ address: temporal.address });
    // The stand-in asks the stack how to answer; the stack needs the stand-in's address first.
    const ref: { stack?: FaultStack } = {};
    const resend = await startFakeResend({
      hangMs: EMAIL_HANG_MS,
      decide: (key) => ref.stack?.emailBehaviour(key) ?? 'ok',
      latencyMs: () => (ref.stack?.emailMode === 'slow' ? 20 + Math.floor(rng() * 300) : 0),
    });
    const db = createDb(pg.url);
    const receiver = await WebhookReceiver.start(RECEIVER_SCHEDULE);
    const operator = await issueUser(db, { email: `operator-${process.pid}@faults.example.test`, name: 'Faults Operator', role: 'operator' });
    const stack = new FaultStack(pg, temporal, temporalOpts, new Client({ connection, dataConverter: dataConverter() }), connection, db, resend,
      receiver, { id: operator.id, token: operator.token }, await freePort(), bundlePath, scratch, rng);
    ref.stack = stack;
    await Promise.all([...Array.from({ length: WORKERS }, (_, i) => stack.startWorker(i)), stack.startApi()]);
    return stack;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.apiPort}`;
  }

  /**
   * Writes a contract's workflow history (and its request workflows') to the log directory, as the
   * Temporal CLI prints it: where a stuck contract's time went. Returns the file.
   */
  dumpHistory(contractId: string): string {
    const file = join(this.logDir, `history-${contractId}.json`);
    const show = (workflowId: string) => {
      try {
        return execFileSync(temporalBinary('temporal'), ['workflow', 'show', '--address', this.temporal.address, '--workflow-id', workflowId, '--output', 'json'],
          { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
      } catch (err) {
        return JSON.stringify({ error: String(err) });
      }
    };
    writeFileSync(file, `{"contract": ${show(contractWorkflowId(contractId))}}\n`);
    return file;
  }

  // ---- worker ----

  async startWorker(slot: number): Promise<WorkerProcess> {
    const worker = spawnWorker({
      databaseUrl: withAppName(this.pg.url, WORKER_APP_NAME),
      temporalAddress: this.temporal.address,
      taskQueue: TASK_QUEUE,
      workflowBundlePath: this.bundlePath,
      // Loopback receivers allowed: the suite's receiver listens on 127.0.0.1 (docs/webhooks.md).
      extra: {
        RESEND_API_KEY: 're_faults', RESEND_BASE_URL: this.resend.url, MAIL_FROM: 'Faults <faults@example.test>', WEBHOOKS_ALLOW_LOOPBACK: 'true',
        ...this.paymentsEnv,
      },
      logFile: join(this.logDir, `worker-${slot}.log`),
    });
    this.workers[slot] = worker;
    this.watch(worker, `worker ${slot}`, () => (this.workers[slot] === worker ? this.startWorker(slot) : Promise.resolve()));
    await worker.ready;
    return worker;
  }

  /**
   * SIGKILLs one running worker, drawn at random (saying what the workers were doing), and starts its
   * replacement without waiting for it: the next kill may come while it is still starting.
   */
  /** Kills one of the workers that are serving, at whatever moment that is, and starts its replacement. */
  async killWorker(commandsInFlight: number): Promise<KillMoment & { restarted: Promise<number> }> {
    let ready: number[] = [];
    while ((ready = this.workers.flatMap((w, i) => (w?.readyAt !== undefined ? [i] : []))).length === 0) await sleep(100);
    const slot = ready[Math.floor(this.rng() * ready.length)]!;
    const dying = this.workers[slot]!;
    const transactionsOpen = await this.db.$queryRawUnsafe<{ n: bigint }[]>(
      `SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = '${WORKER_APP_NAME}' AND xact_start IS NOT NULL`,
    ).then((rows) => Number(rows[0]?.n ?? 0), () => 0);
    const moment = { commandsInFlight, transactionsOpen, emailsInFlight: this.resend.inFlight() };
    const outage = this.outages.begin('worker');
    this.workers[slot] = undefined;
    await dying.stop('SIGKILL');
    const started = performance.now();
    const restarted = this.startWorker(slot).then(() => {
      this.outages.end(outage);
      return Math.round(performance.now() - started);
    }, (err: unknown) => {
      this.crashes.push(`a replacement worker did not start: ${String(err)}`);
      return -1;
    });
    return { ...moment, restarted };
  }

  /** R31: the workers and the API start again with this provider's environment (new contracts record it). */
  async usePayments(env: Record<string, string>): Promise<void> {
    this.paymentsEnv = env;
    for (let slot = 0; slot < this.workers.length; slot++) {
      const old = this.workers[slot];
      this.workers[slot] = undefined;
      await old?.stop('SIGTERM');
      await this.startWorker(slot);
    }
    await this.killApi();
  }

  /** Resolves once every worker slot has a running worker. */
  async workersReady(): Promise<void> {
    while (this.workers.some((w) => w?.readyAt === undefined)) await sleep(100);
  }

  // ---- API ----

  async startApi(): Promise<WorkerProcess> {
    const api = spawnApi({
      databaseUrl: this.pg.url,
      temporalAddress: this.temporal.address,
      port: this.apiPort,
      // The limits have their own tests (test/integration/api-contract.test.ts); here every client shares
      // one address and one suite's pace.
      extra: {
        COMMAND_TIMEOUT_MS: String(COMMAND_TIMEOUT_MS), RATE_LIMIT_PER_MINUTE: '100000', RATE_LIMIT_PER_ADDRESS_PER_MINUTE: '1000000',
        CHANGE_REQUESTS_DEFAULT: 'on', WEBHOOKS_ALLOW_LOOPBACK: 'true', ...this.paymentsEnv,
      },
      logFile: join(this.logDir, 'api.log'),
    });
    this.api = api;
    this.watch(api, 'api', () => (this.api === api ? this.startApi() : Promise.resolve()));
    await api.ready;
    return api;
  }

  async killApi(): Promise<{ restartMs: number }> {
    const outage = this.outages.begin('api');
    await this.api!.stop('SIGKILL');
    const started = performance.now();
    await this.startApi();
    this.outages.end(outage);
    return { restartMs: Math.round(performance.now() - started) };
  }

  // ---- PostgreSQL and Temporal ----

  /** Stops PostgreSQL (fast shutdown), keeps it down for `downMs`, starts it again. */
  async restartPostgres(downMs: number, whileDown: () => Promise<void> = async () => {}): Promise<{ startMs: number }> {
    const outage = this.outages.begin('postgres');
    await this.pg.stop();
    await Promise.all([sleep(downMs), whileDown()]);
    const started = performance.now();
    await this.pg.start();
    const startMs = Math.round(performance.now() - started);
    this.outages.end(outage);
    return { startMs };
  }

  /** Stops the dev server (SIGTERM), keeps it down for `downMs`, starts it again on its SQLite file. */
  async restartTemporal(downMs: number): Promise<{ startMs: number }> {
    const outage = this.outages.begin('temporal');
    await this.temporal.stop();
    await sleep(downMs);
    const started = performance.now();
    this.temporal = await startTemporalDevServer(this.temporalOpts);
    const restarted = this.temporal.process;
    process.once('exit', () => restarted.kill('SIGKILL'));
    const startMs = Math.round(performance.now() - started);
    this.outages.end(outage);
    return { startMs };
  }

  // ---- email ----

  /** 'chaos': 30% of calls fail (500, 429 or a hang past the client's timeout), at most three in a row per email. */
  private emailBehaviour(key: string): Behaviour {
    this.emailCalls += 1;
    if (this.emailMode !== 'chaos') return 'ok';
    const inARow = this.failuresInARow.get(key) ?? 0;
    if (inARow < MAX_EMAIL_FAILURES_IN_A_ROW && this.rng() < 0.3) {
      this.failuresInARow.set(key, inARow + 1);
      const failure = ([500, 429, 'hang'] as const)[Math.floor(this.rng() * 3)]!;
      this.emailFailures[String(failure)]! += 1;
      return failure;
    }
    this.failuresInARow.delete(key);
    return 'ok';
  }

  get emailFailuresInjected(): number {
    return Object.values(this.emailFailures).reduce((a, b) => a + b, 0);
  }

  // ---- lifetime ----

  /** A process that exits on its own is a finding: recorded, and replaced so the run goes on. */
  private watch(proc: WorkerProcess, name: string, restart: () => Promise<unknown>): void {
    let killed = false;
    const stop = proc.stop.bind(proc);
    proc.stop = async (signal, graceMs) => {
      killed = true;
      await stop(signal, graceMs);
    };
    void proc.exited.then(({ code, signal }) => {
      if (killed || this.stopping) return;
      this.crashes.push(`${name} exited by itself (code ${code}, signal ${signal}): ${proc.output().slice(-2000)}`);
      void restart().catch(() => {});
    });
  }

  private stopping = false;

  async stop(): Promise<void> {
    this.stopping = true;
    await stopAll();
    await this.resend.close();
    await this.receiver.close();
    await Promise.allSettled([this.db.$disconnect(), this.connection.close()]);
    await this.temporal.stop();
    await this.pg.remove();
    rmSync(this.scratch, { recursive: true, force: true });
  }
}

/** The same database URL with an application_name, which pg_stat_activity shows. */
function withAppName(url: string, name: string): string {
  const u = new URL(url);
  u.searchParams.set('application_name', name);
  return u.toString();
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const noop = () => {};
const quietLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop };
