// The shape of bench/results.json. The figures docs/performance.md reports come first (with `targets`,
// each figure beside what it should be); `conditions` and `details` are additions: the machine's load
// while it ran, and how each figure was obtained.
import type { ActionCount } from './actions.js';
import type { CpuSnapshot } from './cpu.js';
import type { LagMeasured } from './projection-lag.js';
import type { SizeScaling } from './size-scaling.js';
import type { Summary } from './stats.js';
import type { Target } from './targets.js';

export interface LoadResult {
  p50Ms: number; p99Ms: number; rps: number; n: number; non2xx: number; errors: number; autocannonP50Ms: number; autocannonP99Ms: number;
}

export const COMMANDS = ['create', 'savePlan', 'fund', 'submit', 'release', 'requestChange', 'approve', 'savePlan200'] as const;
export type CommandName = (typeof COMMANDS)[number];
/** The spaced phase's commands: a round's, without the 200-milestone plan. */
export const SPACED_COMMANDS = ['create', 'savePlan', 'fund', 'submit', 'release', 'requestChange', 'approve'] as const;
export type SpacedCommand = (typeof SPACED_COMMANDS)[number];

type CpuByProcess = CpuSnapshot & { total: number };

export interface BenchResults {
  date: string;
  machine: { cpuModel: string; cores: number; memoryGiB: number; node: string; platform: string };
  /** Each target of the command path with this run's figure; `met` is null where the figure is not applicable. */
  targets: Target[];
  floor: {
    /** Back to back (the floor bursts of the rounds): what `commands` is divided by. */
    noopUpdateP50Ms: number; localActivityUpdateP50Ms: number; activityUpdateP50Ms: number; samples: number;
    /** Spaced like the commands of `commandsSpaced` (what they are divided by). Absent before 2026-12-03. */
    spacedNoopUpdateP50Ms?: number; spacedSamples?: number;
  };
  /** Spaced as people act: one command at a time across interleaved contracts, ≥ 250 ms apart on each. Absent before 2026-12-03. */
  commandsSpaced?: Record<SpacedCommand, { api: Summary; client: Summary }>;
  /** Back to back: each round's contract runs its commands one right after another. */
  commands: Record<CommandName, { api: Summary; client: Summary }>;
  /** CPU of every serving process from /proc at concurrency 16, steady state; null figures where /proc is unreadable. */
  cpu?: {
    perCommandMs: number | null; floorPerUpdateMs: number | null; ratio: number | null; concurrency: number; windowS: number;
    commands: number; floorUpdates: number; byProcess: { commands: CpuByProcess | null; floor: CpuByProcess | null };
  };
  /** From a command's answer to the read model holding its seq, at concurrency 16. */
  projectionLagMs?: (LagMeasured & { applicable: true; concurrency: number }) | { p50: null; p99: null; applicable: false; note: string };
  sizeScaling?: SizeScaling;
  lifecyclesPerSecond: { '1': number; '8': number; '16'?: number; '32': number };
  /** Lifecycles per second at concurrency 32 divided by those at 1. */
  lifecyclesScaling?: number;
  billableActionsPerLifecycle: number;
  billableActionsPerChangeRequest: number;
  maxRunHistoryEvents: number;
  /** The largest single payload in the long contract's histories, in bytes (budget: 512 KB). Absent before 2026-12-03. */
  largestPayloadBytes?: number;
  /** At 200 req/s: a 3-milestone contract since 2026-12-03 (`milestones`); before, a 200-milestone one. */
  getContract: { p50Ms: number; p99Ms: number; rps: number; milestones?: number; milestones200?: { p50Ms: number; p99Ms: number; rps: number } };
  conditions: {
    loadAverageStart: number[]; loadAverageEnd: number[]; durationS: number;
    /** API commands sent again (same key) after a 503 or a 409 in progress: a machine too loaded for the API's deadline. */
    apiRetriesAfter503?: number;
    note: string;
  };
  details: {
    mode: 'full' | 'quick';
    build: { commit: string | null; productFilesChanged: string[] | null };
    commandsMeasured: string;
    processes: string;
    floor: Record<'noopUpdate' | 'localActivityUpdate' | 'activityUpdate' | 'spacedNoopUpdate', Omit<Summary, 'ratioP50'>>;
    lifecycles: { path: 'api'; warmUpS: number; windowS: number; commandsInWindow: Record<'1' | '8' | '16' | '32', number> };
    billableActions: { rules: string; spacing: string; lifecycles: ActionCount[]; changeRequest: ActionCount };
    longContract: {
      milestones: number; path: 'client'; runs: number; historyEventsPerRun: number[];
      largestPayload?: { bytes: number; event: string };
    };
    /** autocannon's own percentiles are whole milliseconds. */
    getContract: { targetRps: number; durationS: number; connections: number; milestones200: LoadResult; milestones3: LoadResult;
      /** Sequential requests from the benchmark's process: a read's cost when nothing queues. */
      oneAtATime: Record<'milestones200' | 'milestones3', { p50Ms: number; p99Ms: number; n: number }>;
      /**
       * What one GET of the 3-milestone contract costs, over sequential GETs: PostgreSQL's own statistics
       * (commits of every process, the others idle by then) and CPU from /proc (including 11 s near idle after).
       */
      postgresPerRequest?: { requests: number; commitsPerRequest: number; rateLimitWritesPerRequest: number;
        apiCpuMsPerRequest: number | null; postgresCpuMsPerRequest: number | null; secondsOfRequests: number } };
  };
}
