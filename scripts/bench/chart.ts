// Draws the latency distributions against the floor as a small, dependency-free SVG: one row per
// series on a logarithmic millisecond axis, a box from p25 to p75, a whisker from p5 to p99, a tick at
// p50, and vertical lines at the no-op Update's p50 (the floor) and at the targets (1.3×, 1.5×).
import { percentile } from './stats.js';

export interface Series {
  label: string;
  kind: 'floor' | 'api' | 'client';
  samples: readonly number[];
}

const COLORS = { floor: '#6b7280', api: '#2563eb', client: '#ea580c' } as const;
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function latencyChart(series: readonly Series[], floorP50: number, title: string): string {
  const left = 230;
  const right = 90;
  const top = 76;
  const rowH = 22;
  const width = 960;
  const plotW = width - left - right;
  const height = top + series.length * rowH + 56;
  const all = series.flatMap((s) => [percentile(s.samples, 5), percentile(s.samples, 99)]).filter(Number.isFinite);
  const lo = 10 ** Math.floor(Math.log10(Math.max(0.1, Math.min(...all, floorP50))));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...all, floorP50 * 2)));
  const x = (ms: number) => left + ((Math.log10(Math.max(ms, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * plotW;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`);
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(`<text x="${left}" y="20" font-size="14" font-weight="600">${esc(title)}</text>`);
  out.push(`<text x="${left}" y="38" fill="#374151">box p25–p75, whisker p5–p99, tick p50; milliseconds, log scale. ` +
    `<tspan fill="${COLORS.api}">■ through the API</tspan>  <tspan fill="${COLORS.client}">■ through the Temporal client</tspan>  <tspan fill="${COLORS.floor}">■ floor</tspan></text>`);

  const bottom = top + series.length * rowH;
  for (let decade = lo; decade <= hi; decade *= 10) {
    for (const m of [1, 2, 5]) {
      const v = decade * m;
      if (v > hi) break;
      const xv = x(v);
      out.push(`<line x1="${xv}" y1="${top - 4}" x2="${xv}" y2="${bottom}" stroke="#e5e7eb"/>`);
      out.push(`<text x="${xv}" y="${bottom + 16}" text-anchor="middle" fill="#374151">${v >= 1 ? v : v.toFixed(1)}</text>`);
    }
  }
  out.push(`<text x="${left + plotW / 2}" y="${bottom + 34}" text-anchor="middle" fill="#374151">ms</text>`);
  const marks: [number, string, string][] = [
    [floorP50, 'floor: no-op Update p50', '#111827'],
    [floorP50 * 1.3, '1.3× (client target)', COLORS.client],
    [floorP50 * 1.5, '1.5× (API target)', COLORS.api],
  ];
  let legendX = left;
  for (const [v, label, color] of marks) {
    const xv = x(v);
    out.push(`<line x1="${xv}" y1="${top - 6}" x2="${xv}" y2="${bottom}" stroke="${color}" stroke-dasharray="4 3"/>`);
    out.push(`<line x1="${legendX}" y1="${top - 14}" x2="${legendX + 18}" y2="${top - 14}" stroke="${color}" stroke-dasharray="4 3"/>`);
    out.push(`<text x="${legendX + 22}" y="${top - 10}" fill="${color}">${esc(label)}</text>`);
    legendX += 200;
  }

  series.forEach((s, i) => {
    const cy = top + i * rowH + rowH / 2;
    const color = COLORS[s.kind];
    const [p5, p25, p50, p75, p99] = [5, 25, 50, 75, 99].map((p) => x(percentile(s.samples, p))) as [number, number, number, number, number];
    if (i % 2 === 0) out.push(`<rect x="0" y="${cy - rowH / 2}" width="${left + plotW}" height="${rowH}" fill="#f9fafb"/>`);
    out.push(`<text x="${left - 8}" y="${cy + 4}" text-anchor="end">${esc(s.label)}</text>`);
    out.push(`<line x1="${p5}" y1="${cy}" x2="${p99}" y2="${cy}" stroke="${color}"/>`);
    out.push(`<line x1="${p5}" y1="${cy - 4}" x2="${p5}" y2="${cy + 4}" stroke="${color}"/>`);
    out.push(`<line x1="${p99}" y1="${cy - 4}" x2="${p99}" y2="${cy + 4}" stroke="${color}"/>`);
    out.push(`<rect x="${p25}" y="${cy - 6}" width="${Math.max(1, p75 - p25)}" height="12" fill="${color}" fill-opacity="0.25" stroke="${color}"/>`);
    out.push(`<line x1="${p50}" y1="${cy - 7}" x2="${p50}" y2="${cy + 7}" stroke="${color}" stroke-width="2.5"/>`);
    out.push(`<text x="${left + plotW + 6}" y="${cy + 4}" fill="${color}">${percentile(s.samples, 50).toFixed(1)} ms</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
