// The fault stack's webhook receiver (R29): one local HTTP server for every endpoint the lifecycles
// register (path /hooks/<contractId>, each verified with its own endpoint's secret by the `standardwebhooks`
// package, as docs/webhooks.md tells integrators). It fails on a schedule and recovers: for `downMs` of
// every `periodMs` it answers 503 before reading the event, as a receiver that is down would, so a
// retry is the product's, never a duplicate the receiver caused. Every verified request is recorded
// by webhook-id, so the checks can compare what arrived with the outbox in PostgreSQL.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** Largest body the receiver reads: events are a few KiB; anything bigger is refused. */
const MAX_BODY_BYTES = 256 * 1024;

export interface Receipt {
  /** The event's body as received (the signature covers these bytes). */
  body: string;
  contractId: string;
  /** How many times this webhook-id arrived verified and was answered 2xx. */
  count: number;
}

export interface FailureSchedule {
  periodMs: number;
  downMs: number;
}

export class WebhookReceiver {
  url = '';
  /** Verified receipts by webhook-id. */
  readonly receipts = new Map<string, Receipt>();
  /** Requests answered 503 because the receiver was down on its schedule. */
  refusedWhileDown = 0;
  /** Requests whose signature no secret of their endpoint verified, or that named no known endpoint. */
  unverified = 0;
  requests = 0;
  private readonly secrets = new Map<string, Webhook>();
  private readonly started = performance.now();
  private readonly server: http.Server;

  private constructor(private readonly schedule: FailureSchedule) {
    this.server = http.createServer((req, res) => this.handle(req, res));
  }

  static async start(schedule: FailureSchedule): Promise<WebhookReceiver> {
    const r = new WebhookReceiver(schedule);
    await new Promise<void>((resolve) => r.server.listen(0, '127.0.0.1', resolve));
    r.url = `http://127.0.0.1:${(r.server.address() as AddressInfo).port}/hooks`;
    return r;
  }

  /** The URL to register for a contract's endpoint; its secret is added once the registration answers. */
  urlFor(contractId: string): string {
    return `${this.url}/${contractId}`;
  }

  addSecret(contractId: string, secret: string): void {
    this.secrets.set(contractId, new Webhook(secret));
  }

  /** Whether the schedule has the receiver down now (the first `downMs` of every period). */
  down(): boolean {
    return (performance.now() - this.started) % this.schedule.periodMs < this.schedule.downMs;
  }

  /** Total redeliveries: receipts of a webhook-id beyond its first (at least once, docs/webhooks.md). */
  redeliveries(): number {
    let n = 0;
    for (const r of this.receipts.values()) n += r.count - 1;
    return n;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.requests += 1;
    if (this.down()) {
      this.refusedWhileDown += 1;
      req.resume();
      res.writeHead(503, { 'retry-after': '1' }).end();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) req.destroy();
      else chunks.push(c);
    });
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const contractId = (req.url ?? '').split('/').at(-1) ?? '';
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      try {
        const wh = this.secrets.get(contractId);
        if (!wh) throw new Error('no such endpoint');
        wh.verify(body, headers);
      } catch {
        this.unverified += 1;
        res.writeHead(400).end();
        return;
      }
      const id = headers['webhook-id']!;
      const seen = this.receipts.get(id);
      if (seen) {
        seen.count += 1;
        // The same id must carry the same event: a different body under one id would be dropped by a deduping receiver.
        if (seen.body !== body) seen.body = `${seen.body}\n≠\n${body}`;
      } else {
        this.receipts.set(id, { body, contractId, count: 1 });
      }
      res.writeHead(204).end();
    });
  }
}
