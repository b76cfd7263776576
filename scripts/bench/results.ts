// The shape of bench/results.json. The figures docs/performance.md reports come first; `conditions`
// and `details` are additions: the machine's load while it ran, and how each figure was obtained.
import type { ActionCount } from './actions.js';
import type { Summary } from './stats.js';

export interface LoadResult {
  p50Ms: number; p99Ms: number; rps: number; n: number; non2xx: number; errors: number; autocannonP50Ms: number; autocannonP99Ms: number;
}

export const COMMANDS = ['create', 'savePlan', 'fund', 'submit', 'release', 'requestChange', 'approve', 'savePlan200'] as const;
export type CommandName = (typeof COMMANDS)[number];

export interface BenchResults {
  date: string;
  machine: { cpuModel: string; cores: number; memoryGiB: number; node: string; platform: string };
  floor: { noopUpdateP50Ms: number; localActivityUpdateP50Ms: number; activityUpdateP50Ms: number; samples: number };
  commands: Record<CommandName, { api: Summary; client: Summary }>;
  lifecyclesPerSecond: { '1': number; '8': number; '32': number };
  billableActionsPerLifecycle: number;
  billableActionsPerChangeRequest: number;
  maxRunHistoryEvents: number;
  /** The largest single payload in the long contract's histories, in bytes (budget: 512 KB). Absent before 2026-12-03. */
  largestPayloadBytes?: number;
  getContract: { p50Ms: number; p99Ms: number; rps: number };
  conditions: { loadAverageStart: number[]; loadAverageEnd: number[]; durationS: number; note: string };
  details: {
    mode: 'full' | 'quick';
    build: { commit: string | null; productFilesChanged: string[] | null };
    commandsMeasured: string;
    floor: Record<'noopUpdate' | 'localActivityUpdate' | 'activityUpdate', Omit<Summary, 'ratioP50'>>;
    lifecycles: { path: 'api'; warmUpS: number; windowS: number; commandsInWindow: Record<'1' | '8' | '32', number> };
    billableActions: { rules: string; lifecycles: ActionCount[]; changeRequest: ActionCount };
    longContract: {
      milestones: number; path: 'client'; runs: number; historyEventsPerRun: number[];
      largestPayload?: { bytes: number; event: string };
    };
    /** The headline figure is milestones200's; autocannon's own percentiles are whole milliseconds. */
    getContract: { targetRps: number; durationS: number; connections: number; milestones200: LoadResult; milestones3: LoadResult;
      /** Sequential requests from the benchmark's process: a read's cost when nothing queues. */
      oneAtATime: Record<'milestones200' | 'milestones3', { p50Ms: number; p99Ms: number; n: number }> };
  };
}
