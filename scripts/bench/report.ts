// What the benchmark prints: progress on stderr while it runs (one rewritten line on a terminal, a line
// per tenth elsewhere, e.g. in CI logs), and the results as a Markdown table on stdout.
import type { BenchResults } from './results.js';

const tty = process.stderr.isTTY === true;
let lastTenth = -1;

export function step(what: string): void {
  if (tty) process.stderr.write('\r\x1b[K');
  process.stderr.write(`» ${what}\n`);
  lastTenth = -1;
}

export function progress(label: string, done: number, total: number): void {
  if (tty) {
    process.stderr.write(`\r\x1b[K  ${label} ${done}/${total}`);
    if (done === total) process.stderr.write('\n');
    return;
  }
  const tenth = Math.floor((done / total) * 10);
  if (tenth === lastTenth && done !== total) return;
  lastTenth = tenth;
  process.stderr.write(`  ${label} ${done}/${total}\n`);
}

const ms = (x: number) => `${x.toFixed(1)}`;

export function table(r: BenchResults): string {
  const lines = [
    '| command | API p50 | API p95 | API p99 | API ×floor | client p50 | client p95 | client p99 | client ×floor | n (each) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const [name, { api, client }] of Object.entries(r.commands)) {
    lines.push(`| ${name} | ${ms(api.p50Ms)} | ${ms(api.p95Ms)} | ${ms(api.p99Ms)} | ${api.ratioP50.toFixed(2)} | ` +
      `${ms(client.p50Ms)} | ${ms(client.p95Ms)} | ${ms(client.p99Ms)} | ${client.ratioP50.toFixed(2)} | ${Math.min(api.n, client.n)} |`);
  }
  const f = r.floor;
  const g = r.getContract;
  const small = r.details.getContract.milestones3;
  const l = r.lifecyclesPerSecond;
  const rows: [string, string][] = [
    ['floor: no-op Update p50', `${ms(f.noopUpdateP50Ms)} ms`],
    ['floor: Update awaiting one local activity p50', `${ms(f.localActivityUpdateP50Ms)} ms`],
    ['Update awaiting one regular activity p50', `${ms(f.activityUpdateP50Ms)} ms`],
    ['lifecycles/s (fund → submit → release, API) at concurrency 1 / 8 / 32', `${l['1']} / ${l['8']} / ${l['32']}`],
    ['billable actions per milestone lifecycle', String(r.billableActionsPerLifecycle)],
    ['billable actions per change request (request → approve)', String(r.billableActionsPerChangeRequest)],
    [`history events, longest run of a ${r.details.longContract.milestones}-milestone contract`, `${r.maxRunHistoryEvents} (${r.details.longContract.runs} runs)`],
    ['largest payload in its histories', r.largestPayloadBytes === undefined ? '—' : `${r.largestPayloadBytes} bytes (${r.details.longContract.largestPayload?.event})`],
    [`GET /contracts/{id}, 200 milestones, at ${r.details.getContract.targetRps} req/s: p50 / p99 (achieved req/s)`, `${g.p50Ms} / ${g.p99Ms} ms (${g.rps})`],
    [`GET /contracts/{id}, 3 milestones, at ${r.details.getContract.targetRps} req/s: p50 / p99 (achieved req/s)`, `${small.p50Ms} / ${small.p99Ms} ms (${small.rps})`],
  ];
  lines.push('', '| what | figure |', '|---|---:|', ...rows.map(([k, v]) => `| ${k} | ${v} |`));
  return lines.join('\n');
}
