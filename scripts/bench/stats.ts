// Percentiles by the nearest-rank method: p99 of 100 samples is the 99th smallest, of 20 the largest.
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export const round = (x: number, digits = 1): number => Number(x.toFixed(digits));

export interface Summary {
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  /** The command's p50 divided by the no-op Update's p50 of the same run. */
  ratioP50: number;
  n: number;
}

export function summarize(samples: readonly number[], floorP50: number): Summary {
  const p50 = percentile(samples, 50);
  return {
    p50Ms: round(p50),
    p95Ms: round(percentile(samples, 95)),
    p99Ms: round(percentile(samples, 99)),
    ratioP50: round(p50 / floorP50, 2),
    n: samples.length,
  };
}
