// What the benchmark prints: progress on stderr while it runs (one rewritten line on a terminal, a line
// per tenth elsewhere, e.g. in CI logs), and the results as a Markdown table on stdout.
import type { BenchResults } from './results.js';
import type { Summary } from './stats.js';

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

const commandTable = (commands: Record<string, { api: Summary; client: Summary }>): string[] => {
  const lines = [
    '| command | API p50 | API p95 | API p99 | API ×floor | client p50 | client p95 | client p99 | client ×floor | n (each) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const [name, { api, client }] of Object.entries(commands)) {
    lines.push(`| ${name} | ${ms(api.p50Ms)} | ${ms(api.p95Ms)} | ${ms(api.p99Ms)} | ${api.ratioP50.toFixed(2)} | ` +
      `${ms(client.p50Ms)} | ${ms(client.p95Ms)} | ${ms(client.p99Ms)} | ${client.ratioP50.toFixed(2)} | ${Math.min(api.n, client.n)} |`);
  }
  return lines;
};

export function table(r: BenchResults): string {
  const lines = ['| target | figure | bound | met |', '|---|---:|---:|:-:|'];
  for (const t of r.targets) {
    lines.push(`| ${t.name}${t.of ? ` (${t.of})` : ''} | ${t.value ?? 'n/a'} | ${t.bound} | ${t.met === null ? '—' : t.met ? 'yes' : 'no'} |`);
  }
  if (r.commandsSpaced) {
    lines.push('', `Spaced as people act (×floor: the no-op Update spaced alike, p50 ${r.floor.spacedNoopUpdateP50Ms} ms):`, '');
    lines.push(...commandTable(r.commandsSpaced));
  }
  lines.push('', `Back to back (×floor: the no-op Update in bursts, p50 ${r.floor.noopUpdateP50Ms} ms):`, '');
  lines.push(...commandTable(r.commands));
  const f = r.floor;
  const g = r.getContract;
  const large = r.details.getContract.milestones200;
  const l = r.lifecyclesPerSecond;
  const cpu = r.cpu;
  const lag = r.projectionLagMs;
  const size = r.sizeScaling;
  const rows: [string, string][] = [
    ['floor: no-op Update p50 (back to back / spaced)', `${ms(f.noopUpdateP50Ms)} / ${f.spacedNoopUpdateP50Ms === undefined ? '—' : ms(f.spacedNoopUpdateP50Ms)} ms`],
    ['floor: Update awaiting one local activity p50', `${ms(f.localActivityUpdateP50Ms)} ms`],
    ['Update awaiting one regular activity p50', `${ms(f.activityUpdateP50Ms)} ms`],
    [`CPU per command / per no-op Update, all processes, concurrency ${cpu?.concurrency ?? 16}`,
      cpu?.perCommandMs == null ? 'n/a' : `${cpu.perCommandMs} / ${cpu.floorPerUpdateMs} ms (×${cpu.ratio})`],
    ['projection lag p50 / p99', lag?.applicable ? `${lag.p50} / ${lag.p99} ms (n ${lag.n}, ${lag.timeouts} timeouts)` : 'n/a (no projection behind the answer)'],
    ['worst-case contract ÷ 3 milestones: p50, CPU per command',
      size ? `×${size.latencyRatio}, ×${size.cpuRatio ?? 'n/a'} (${size.worstCase.p50Ms} vs ${size.small.p50Ms} ms; ${size.worstCase.cpuPerCommandMs ?? '—'} vs ${size.small.cpuPerCommandMs ?? '—'} ms CPU)` : '—'],
    ['lifecycles/s (fund → submit → release, API) at concurrency 1 / 8 / 16 / 32', `${l['1']} / ${l['8']} / ${l['16'] ?? '—'} / ${l['32']} (32 ÷ 1: ×${r.lifecyclesScaling ?? '—'})`],
    ['billable actions per milestone lifecycle', String(r.billableActionsPerLifecycle)],
    ['billable actions per change request (request → approve)', String(r.billableActionsPerChangeRequest)],
    [`history events, longest run of a ${r.details.longContract.milestones}-milestone contract`, `${r.maxRunHistoryEvents} (${r.details.longContract.runs} runs)`],
    ['largest payload in its histories', r.largestPayloadBytes === undefined ? '—' : `${r.largestPayloadBytes} bytes (${r.details.longContract.largestPayload?.event})`],
    [`GET /contracts/{id}, ${g.milestones ?? 200} milestones, at ${r.details.getContract.targetRps} req/s: p50 / p99 (achieved req/s)`, `${g.p50Ms} / ${g.p99Ms} ms (${g.rps})`],
    [`GET /contracts/{id}, 200 milestones, at ${r.details.getContract.targetRps} req/s: p50 / p99 (achieved req/s)`, `${large.p50Ms} / ${large.p99Ms} ms (${large.rps})`],
  ];
  const cost = r.details.getContract.postgresPerRequest;
  if (cost) {
    rows.push([`GET /contracts/{id}, 3 milestones, per request over ${cost.requests}: PostgreSQL commits / rate-limit writes / API CPU / PostgreSQL CPU`,
      `${cost.commitsPerRequest} / ${cost.rateLimitWritesPerRequest} / ${cost.apiCpuMsPerRequest ?? '—'} ms / ${cost.postgresCpuMsPerRequest ?? '—'} ms`]);
  }
  lines.push('', '| what | figure |', '|---|---:|', ...rows.map(([k, v]) => `| ${k} | ${v} |`));
  return lines.join('\n');
}
