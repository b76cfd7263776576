// Real OS processes for fault tests: a worker (worker/main.ts) or an API (api/main.ts) that can be
// SIGKILLed and started again, and a PostgreSQL of the test file's own that can be stopped and started
// on the same data directory.
// Everything started here is registered and killed by stopAll() (call it in afterAll), and SIGKILLed
// when the test process exits, so a failing test never leaves a worker polling behind it.
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { freePort } from './ports.js';
import { join } from 'node:path';
import { startEmbeddedPostgres, type RunningPostgres } from '../../scripts/lib/postgres.js';
import { migrateDeploy } from '../../scripts/lib/prisma.js';
import { root } from '../../scripts/lib/tools.js';

export interface WorkerProcess {
  readonly pid: number;
  readonly taskQueue: string;
  /** performance.now() when the process was spawned, and when it logged that it polls. */
  readonly spawnedAt: number;
  readyAt?: number;
  /** Resolves once the worker polls its task queue; rejects if the process exits first. */
  readonly ready: Promise<void>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The process's recent output, for failure messages. */
  output(): string;
  /** Sends the signal and waits for the process to exit (SIGKILL after `graceMs`). */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

export interface WorkerEnv {
  databaseUrl: string;
  temporalAddress: string;
  taskQueue: string;
  /** A prebuilt bundle (test/global-setup.ts writes one), so the process starts in a few seconds. */
  workflowBundlePath: string;
  /** More variables (RESEND_API_KEY, RESEND_BASE_URL, …). */
  extra?: Record<string, string>;
  /** A file that receives the process's whole output (output() keeps only its tail). */
  logFile?: string;
}

/** Starts worker/main.ts as its own node process (not through the tsx CLI, whose pid is a wrapper). */
export function spawnWorker(env: WorkerEnv): WorkerProcess {
  return spawnEntry(join(root, 'worker', 'main.ts'), '"msg":"worker started"', env.taskQueue, env.logFile, {
    DATABASE_URL: env.databaseUrl,
    TEMPORAL_ADDRESS: env.temporalAddress,
    TASK_QUEUE: env.taskQueue,
    WORKFLOW_BUNDLE_PATH: env.workflowBundlePath,
    ...env.extra,
  });
}

export interface ApiEnv {
  databaseUrl: string;
  temporalAddress: string;
  port: number;
  /** More variables (COMMAND_TIMEOUT_MS, RATE_LIMIT_PER_MINUTE, …). */
  extra?: Record<string, string>;
  logFile?: string;
}

/** Starts api/main.ts as its own node process; `ready` resolves once it listens. */
export function spawnApi(env: ApiEnv): WorkerProcess {
  return spawnEntry(join(root, 'api', 'main.ts'), '"msg":"api listening"', '', env.logFile, {
    DATABASE_URL: env.databaseUrl,
    TEMPORAL_ADDRESS: env.temporalAddress,
    PORT: String(env.port),
    ...env.extra,
  });
}

export function spawnEntry(entry: string, readyLine: string, taskQueue: string, logFile: string | undefined, vars: Record<string, string>): WorkerProcess {
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...vars },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let log = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    });
  });
  const proc: WorkerProcess = {
    pid: child.pid!,
    taskQueue,
    spawnedAt,
    ready: new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        log = (log + chunk.toString()).slice(-8000);
        if (logFile) appendFileSync(logFile, chunk);
        if (proc.readyAt === undefined && log.includes(readyLine)) {
          proc.readyAt = performance.now();
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      void exited.then(({ code, signal }) => reject(new Error(`${entry} exited before it was ready (code ${code}, signal ${signal}):\n${log}`)));
    }),
    exited,
    output: () => log,
    async stop(signal = 'SIGKILL', graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  proc.ready.catch(() => {}); // observed by whoever awaits it; a late exit must not be an unhandled rejection
  return proc;
}

/** Kills every process spawnWorker or spawnApi started that is still running. */
export async function stopAll(): Promise<void> {
  const running = [...children].map((child) => new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  }));
  await Promise.all(running);
}

export interface OwnPostgres {
  readonly url: string;
  /** Stops the server (fast shutdown: open sessions are ended); the data directory stays. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data directory. */
  start(): Promise<void>;
  /** Stops it if running and deletes its data directory. */
  remove(): Promise<void>;
}

/**
 * A migrated PostgreSQL for one test file, so stopping it disturbs no other suite. It is started as
 * persistent (the package would otherwise delete the data directory on stop) and removed by remove().
 */
export async function startOwnPostgres(): Promise<OwnPostgres> {
  const scratch = join(root, '.data', 'test');
  mkdirSync(scratch, { recursive: true });
  const dataDir = mkdtempSync(join(scratch, 'own-pg-'));
  const opts = { dataDir, port: await freePort(), database: 'milestones_faults', persistent: true };
  let running: RunningPostgres | undefined = await startEmbeddedPostgres(opts);
  const { url, dataDir: placed } = running;
  migrateDeploy(url);
  return {
    url,
    async stop() {
      await running?.stop();
      running = undefined;
    },
    async start() {
      if (!running) running = await startEmbeddedPostgres(opts);
    },
    async remove() {
      await running?.stop();
      running = undefined;
      for (const dir of new Set([dataDir, placed])) rmSync(dir, { recursive: true, force: true });
    },
  };
}
