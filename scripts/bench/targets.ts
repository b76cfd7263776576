// The command path's targets, each beside this run's figure: the bench asserts nothing, it reports.
import type { BenchResults, SpacedCommand } from './results.js';

export interface Target {
  name: string;
  /** This run's figure (null: not applicable in this build, e.g. no projection behind the answer). */
  value: number | null;
  /** `≤` or `≥` the bound. */
  bound: string;
  met: boolean | null;
  /** Which figure it is, e.g. the worst command. */
  of?: string;
}

/** Single commands: everything on an existing contract but the decision (create starts a workflow). */
const SINGLE: SpacedCommand[] = ['savePlan', 'fund', 'submit', 'release', 'requestChange'];

const at = (name: string, value: number | null, bound: '≤' | '≥', limit: number, of?: string): Target => ({
  name, value, bound: `${bound} ${limit}`, met: value === null ? null : bound === '≤' ? value <= limit : value >= limit, ...(of ? { of } : {}),
});

export function targets(r: Omit<BenchResults, 'targets'>): Target[] {
  const spaced = r.commandsSpaced!;
  const worst = (path: 'api' | 'client') => {
    const [name, ratio] = SINGLE.map((c) => [c, spaced[c][path].ratioP50] as const).sort((a, b) => b[1] - a[1])[0]!;
    return { name, ratio };
  };
  const api = worst('api');
  const client = worst('client');
  return [
    at('single command p50 ×floor, spaced, API (worst)', api.ratio, '≤', 1.5, api.name),
    at('single command p50 ×floor, spaced, client (worst)', client.ratio, '≤', 1.3, client.name),
    at('decision p50 ×floor, spaced, API', spaced.approve.api.ratioP50, '≤', 2, 'approve'),
    at('cpu.ratio (per command ÷ per no-op Update, concurrency 16)', r.cpu?.ratio ?? null, '≤', 2.5),
    at('billable actions per lifecycle', r.billableActionsPerLifecycle, '≤', 7),
    at('billable actions per change request', r.billableActionsPerChangeRequest, '≤', 8),
    at('projectionLagMs.p99 (concurrency 16)', r.projectionLagMs?.p99 ?? null, '≤', 100),
    at('sizeScaling.latencyRatio', r.sizeScaling?.latencyRatio ?? null, '≤', 1.2),
    at('sizeScaling.cpuRatio', r.sizeScaling?.cpuRatio ?? null, '≤', 1.2),
    at('GET /contracts/{id} p99 ms at 200 req/s (3 milestones)', r.getContract.p99Ms, '≤', 10),
    at('lifecycles/s at concurrency 32 ÷ at 1', r.lifecyclesScaling ?? null, '≥', 4),
  ];
}
