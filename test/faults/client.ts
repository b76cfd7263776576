// An API client that behaves as docs/api.md tells integrators to: every write carries an Idempotency-Key,
// and after a 503, a 409 IDEMPOTENCY_REQUEST_IN_PROGRESS, a 429 or a dropped connection it waits
// (Retry-After, capped) and sends the same request with the same key. Every loop is bounded in attempts
// and time. It measures what a client lives through: attempts, 5xx by status, and how long each
// command took from its first attempt to its answer.
import { randomUUID } from 'node:crypto';
import type { Outages } from './outages.js';
import { COMMAND_TIMEOUT_MS } from './profile.js';

/** A request still unanswered after this is abandoned (a hang past the deadline) and retried. */
const CLIENT_TIMEOUT_MS = COMMAND_TIMEOUT_MS + 15_000;
/**
 * Longest a client keeps retrying one command. Long on purpose: a contract whose workflow task timed out
 * on several killed workers in a row is backed off by Temporal (5 s, doubling, up to 10 minutes) and
 * refuses Updates meanwhile (503); a patient client still gets its answer, and the figures say how long.
 */
export const COMMAND_BUDGET_MS = 10 * 60_000;
const MAX_ATTEMPTS = 400;
const MAX_RETRY_AFTER_S = 5;

export interface Answer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- bodies are read by the lifecycle and compared to the model
  body: any;
  attempts: number;
  ms: number;
}

export class CommandUnanswered extends Error {
  override readonly name = 'CommandUnanswered';
}

export interface SlowCommand {
  what: string;
  ms: number;
  attempts: string[];
}

export class ClientMetrics {
  commands = 0;
  attempts = 0;
  retries = 0;
  droppedConnections = 0;
  /** Attempts the client abandoned after CLIENT_TIMEOUT_MS: the API did not answer within its deadline. */
  hungAttempts = 0;
  maxCommandMs = 0;
  maxAttemptMs = 0;
  /** Commands answered more than a minute after their first attempt. */
  commandsOverAMinute = 0;
  readonly http5xx: Record<string, number> = {};
  readonly unannounced5xx: Record<string, number> = {};
  readonly codes5xx: Record<string, number> = {};
  readonly durations: number[] = [];
  slowest: SlowCommand[] = [];
  inFlight = 0;

  record(what: string, ms: number, attempts: string[]): void {
    this.commands += 1;
    this.durations.push(ms);
    this.maxCommandMs = Math.max(this.maxCommandMs, ms);
    if (ms > 60_000) this.commandsOverAMinute += 1;
    if (this.slowest.length < 5 || ms > this.slowest.at(-1)!.ms) {
      this.slowest = [...this.slowest, { what, ms: Math.round(ms), attempts }].sort((a, b) => b.ms - a.ms).slice(0, 5);
    }
  }

  percentile(p: number): number {
    const sorted = [...this.durations].sort((a, b) => a - b);
    return sorted.length ? Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!) : 0;
  }
}

/** The contract a path is about (`/contracts/{id}…`, `/operator/contracts/{id}…`), if any. */
function contractOf(path: string): string | undefined {
  return /^\/(?:operator\/)?contracts\/([^/?]+)/.exec(path)?.[1];
}

export class ApiClient {
  /** The highest Contract-Seq an answer carried, by contract. */
  private readonly seqs = new Map<string, number>();

  constructor(
    private readonly baseUrl: string,
    readonly metrics: ClientMetrics,
    private readonly outages: Outages,
  ) {}

  /** A write: retried with the same key until it is answered (2xx, or a 4xx refusal). */
  command(token: string, path: string, body: unknown = {}, key = randomUUID()): Promise<Answer> {
    return this.send('POST', path, token, body, key);
  }

  /** A read, retried the same way (reads answer 503 while a backing service is down). */
  read(token: string, path: string): Promise<Answer> {
    return this.send('GET', path, token, undefined, undefined);
  }

  /** One attempt, no retry: its status (or 0 for a dropped connection) and how long it took. */
  async once(token: string, method: 'GET' | 'POST', path: string, body?: unknown, key?: string): Promise<{ status: number; ms: number; body: unknown }> {
    const started = performance.now();
    const r = await this.attempt(method, path, token, body, key);
    const ms = performance.now() - started;
    this.metrics.maxAttemptMs = Math.max(this.metrics.maxAttemptMs, ms);
    if (r.status >= 500) this.count5xx(r.status, r.body?.code, started, performance.now());
    return { status: r.status, ms, body: r.body };
  }

  private async send(method: 'GET' | 'POST', path: string, token: string, body: unknown, key: string | undefined): Promise<Answer> {
    const started = performance.now();
    const trail: string[] = [];
    this.metrics.inFlight += 1;
    try {
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        const sent = performance.now();
        const r = await this.attempt(method, path, token, body, key);
        const answered = performance.now();
        this.metrics.attempts += 1;
        this.metrics.maxAttemptMs = Math.max(this.metrics.maxAttemptMs, answered - sent);
        trail.push(`${r.status || r.error}${r.body?.code ? ` ${r.body.code}` : ''} +${Math.round(answered - started)}ms`);
        if (r.status >= 500) this.count5xx(r.status, r.body?.code, sent, answered);
        const retryAfter = retryDelayMs(r);
        if (retryAfter === undefined) {
          const ms = answered - started;
          this.metrics.record(`${method} ${path}`, ms, trail);
          return { status: r.status, body: r.body, attempts: attempt, ms };
        }
        if (answered - started + retryAfter > COMMAND_BUDGET_MS) break;
        this.metrics.retries += 1;
        await new Promise((resolve) => setTimeout(resolve, retryAfter));
      }
      throw new CommandUnanswered(`${method} ${path}: no answer after ${trail.length} attempts in ${Math.round(performance.now() - started)} ms: ${trail.join(', ')}`);
    } finally {
      this.metrics.inFlight -= 1;
    }
  }

  private count5xx(status: number, code: string | undefined, from: number, to: number): void {
    const k = String(status);
    this.metrics.http5xx[k] = (this.metrics.http5xx[k] ?? 0) + 1;
    const c = `${status} ${code ?? '?'}`;
    this.metrics.codes5xx[c] = (this.metrics.codes5xx[c] ?? 0) + 1;
    if (status !== 503 || !this.outages.announced(from, to)) this.metrics.unannounced5xx[c] = (this.metrics.unannounced5xx[c] ?? 0) + 1;
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
  private async attempt(method: string, path: string, token: string, body: unknown, key: string | undefined): Promise<{ status: number; body?: any; headers?: Headers; error?: string }> {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (key) headers['idempotency-key'] = key;
    // Read your writes, as an integrator's client does: answers are not held for the projection, so a
    // read names the highest Contract-Seq seen for its contract and the API waits (bounded) for it.
    const contract = contractOf(path);
    const seen = contract ? this.seqs.get(contract) : undefined;
    if (method === 'GET' && seen !== undefined) headers['contract-min-seq'] = String(seen);
    try {
      const res = await fetch(`${this.baseUrl}${path}`, {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS),
      });
      const seq = Number(res.headers.get('contract-seq') ?? NaN);
      if (contract && Number.isInteger(seq) && seq > (this.seqs.get(contract) ?? 0)) this.seqs.set(contract, seq);
      const text = await res.text();
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = { unparsable: text.slice(0, 200) };
      }
      return { status: res.status, body: parsed, headers: res.headers };
    } catch (err) {
      if ((err as Error).name === 'TimeoutError') {
        this.metrics.hungAttempts += 1;
        return { status: 0, error: 'timeout' };
      }
      this.metrics.droppedConnections += 1;
      return { status: 0, error: 'dropped' };
    }
  }
}

/** How long to wait before retrying, or undefined when this is the answer. */
function retryDelayMs(r: { status: number; body?: { code?: string }; headers?: Headers }): number | undefined {
  const after = () => Math.min(MAX_RETRY_AFTER_S, Number(r.headers?.get('retry-after') ?? 1) || 1) * 1000;
  if (r.status === 0) return 1000; // dropped or hung: the request may have landed; the key makes a retry safe
  if (r.status === 503 || r.status === 429) return after();
  if (r.status === 409 && r.body?.code === 'IDEMPOTENCY_REQUEST_IN_PROGRESS') return after();
  if (r.status >= 500) return 1000; // not stored under the key (docs/api.md): a retry is safe, and counted
  return undefined;
}
