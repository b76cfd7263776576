// A recording, fault-injecting proxy in front of stripe-mock. stripe-mock answers each request as Stripe's
// OpenAPI describes it but keeps no state, so this proxy adds what the payment tests need of Stripe itself:
// - it records every request (method, path, form body, Idempotency-Key, Stripe-Account) for tests to read;
// - it replays the first answer for a repeated Idempotency-Key, as Stripe does, so "one charge per
//   deposit" is counted as Stripe would count it (`created`);
// - it gives a confirmed PaymentIntent the status a real card would reach (stripe-mock's fixture is always
//   requires_payment_method): succeeded, or processing when a test asks for a payment that confirms later;
// - it answers the lists by transfer_group from what it created (reconciliation reads them);
// - it injects faults on demand: a card decline (402 card_declined), a 500 (before anything is done, so not
//   remembered under the key), a timeout (the request is held past the client's patience, then carried
//   out), and a lost answer (carried out, then the connection is dropped); 'none' answers as usual, so a
//   fault queued behind it meets a later request of the same kind.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Fault = 'decline' | '500' | 'timeout' | 'lost' | 'pending' | 'account_refused' | 'none';

export interface RecordedRequest {
  method: string;
  path: string;
  /** The form body as key → value (`metadata[ledger_key]` stays a flat key). */
  body: Record<string, string>;
  idempotencyKey?: string;
  stripeAccount?: string;
  /** What the proxy did with it. */
  fault?: Fault;
  replayed: boolean;
}

interface Answer {
  status: number;
  body: string;
}

/** A created object as the lists show it. */
interface Created {
  type: 'payment_intent' | 'transfer' | 'refund';
  object: Record<string, unknown>;
  key?: string;
}

export interface StripeProxy {
  url: string;
  requests: RecordedRequest[];
  /** Objects carried out, one per idempotency key (what Stripe holds). */
  created: Created[];
  /** Faults for the next matching POSTs, in order; `path` matches a prefix (e.g. /v1/transfers). */
  inject(fault: Fault, path?: string, times?: number): void;
  /** Faults injected and not met yet. */
  pendingFaults(): number;
  /** Creations of one kind (payment_intent, transfer, refund) whose metadata names this ledger key. */
  createdFor(type: Created['type'], ledgerKey?: string): Created[];
  close(): Promise<void>;
}

/** A held request ('timeout') waits this long; the SDK's timeout in the tests is shorter. */
const HOLD_MS = 3_000;
/** Forwarded requests to stripe-mock time out after this. */
const UPSTREAM_MS = 10_000;
/** Bodies above this are refused: the adapter's requests are a few hundred bytes. */
const MAX_BODY = 64 * 1024;

export async function startStripeProxy(upstream: string, { holdMs = HOLD_MS } = {}): Promise<StripeProxy> {
  const requests: RecordedRequest[] = [];
  const created: Created[] = [];
  const answers = new Map<string, Promise<Answer>>();
  const faults: { fault: Fault; path?: string }[] = [];
  const sockets = new Set<Socket>();

  const takeFault = (path: string): Fault | undefined => {
    const i = faults.findIndex((f) => !f.path || path.startsWith(f.path));
    return i < 0 ? undefined : faults.splice(i, 1)[0]!.fault;
  };

  async function forward(req: IncomingMessage, raw: string): Promise<Answer> {
    const headers: Record<string, string> = {};
    for (const h of ['authorization', 'content-type', 'stripe-version', 'stripe-account']) {
      const v = req.headers[h];
      if (typeof v === 'string') headers[h] = v;
    }
    const res = await fetch(`${upstream}${req.url}`, {
      method: req.method!, headers, ...(req.method === 'GET' ? {} : { body: raw }), signal: AbortSignal.timeout(UPSTREAM_MS),
    });
    return { status: res.status, body: await res.text() };
  }

  /** Carries a POST out: stripe-mock's answer, completed as Stripe would hold it, and remembered. */
  async function carryOut(req: IncomingMessage, raw: string, body: Record<string, string>, fault: Fault | undefined): Promise<Answer> {
    if (fault === 'decline') return declined('card_declined', 'Your card was declined.', 'generic_decline');
    if (fault === 'account_refused') return declined('account_invalid', 'The destination account cannot receive transfers.');
    const a = await forward(req, raw);
    if (a.status !== 200) return a;
    const obj = JSON.parse(a.body) as Record<string, unknown>;
    const metadata = Object.fromEntries(Object.entries(body).flatMap(([k, v]) => {
      const m = /^metadata\[(.+)\]$/.exec(k);
      return m ? [[m[1]!, v]] : [];
    }));
    obj.metadata = metadata;
    const path = req.url!.split('?')[0]!;
    const key = metadata.ledger_key;
    if (path === '/v1/payment_intents') {
      obj.status = fault === 'pending' ? 'processing' : body.confirm === 'true' ? 'succeeded' : obj.status;
      created.push({ type: 'payment_intent', object: obj, ...(key ? { key } : {}) });
    } else if (path === '/v1/transfers') {
      obj.amount_reversed = 0;
      created.push({ type: 'transfer', object: obj, ...(key ? { key } : {}) });
    } else if (path === '/v1/refunds') {
      obj.payment_intent = body.payment_intent;
      obj.amount = Number(body.amount);
      obj.status = 'succeeded';
      created.push({ type: 'refund', object: obj, ...(key ? { key } : {}) });
    }
    return { status: 200, body: JSON.stringify(obj) };
  }

  /** The lists reconciliation reads, from what was carried out here. */
  function list(path: string, query: URLSearchParams): Answer | undefined {
    const group = query.get('transfer_group');
    if (!group) return undefined;
    const inGroup = (c: Created) => c.object.transfer_group === group;
    let data: Record<string, unknown>[];
    if (path === '/v1/transfers') {
      data = created.filter((c) => c.type === 'transfer' && inGroup(c)).map((c) => c.object);
    } else if (path === '/v1/charges') {
      data = created.filter((c) => c.type === 'payment_intent' && inGroup(c) && c.object.status === 'succeeded').map((c) => {
        const pi = c.object;
        const refunded = created.filter((r) => r.type === 'refund' && r.object.payment_intent === pi.id)
          .reduce((sum, r) => sum + Number(r.object.amount), 0);
        return {
          id: `ch_${String(pi.id).slice(3)}`, object: 'charge', amount: pi.amount, amount_refunded: refunded, status: 'succeeded',
          payment_intent: pi.id, transfer_group: group, metadata: pi.metadata,
        };
      });
    } else return undefined;
    return { status: 200, body: JSON.stringify({ object: 'list', data, has_more: false, url: path }) };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const [path, search] = req.url!.split('?') as [string, string | undefined];
    const body = Object.fromEntries(new URLSearchParams(raw));
    const idempotencyKey = header(req, 'idempotency-key');
    const stripeAccount = header(req, 'stripe-account');
    const rec: RecordedRequest = {
      method: req.method!, path, body, replayed: false, ...(idempotencyKey ? { idempotencyKey } : {}), ...(stripeAccount ? { stripeAccount } : {}),
    };
    requests.push(rec);
    if (req.method === 'GET') {
      const a = list(path, new URLSearchParams(search ?? '')) ?? await forward(req, raw);
      // stripe-mock's payment methods belong to no customer; `pm_attached…` ones belong to `cus_attached`.
      if (a.status === 200 && path.startsWith('/v1/payment_methods/pm_attached')) {
        return send(res, { status: 200, body: JSON.stringify({ ...JSON.parse(a.body) as object, customer: 'cus_attached' }) });
      }
      return send(res, a);
    }
    // Every POST meets the next matching fault, a repeated one too: an outage or a lost answer does not
    // care whether the request is new.
    const taken = takeFault(path);
    const fault = taken === 'none' ? undefined : taken;
    if (fault) rec.fault = fault;
    if (fault === '500') return send(res, apiError(500, 'api_error', 'An unexpected error occurred (injected).'));
    const earlier = idempotencyKey ? answers.get(idempotencyKey) : undefined;
    rec.replayed = earlier !== undefined;
    // Remembered before it is carried out: a retry arriving meanwhile waits for this answer, never does it twice.
    const answer = earlier ?? (async () => {
      if (fault === 'timeout') await new Promise((r) => setTimeout(r, holdMs)); // the client gives up meanwhile
      return carryOut(req, raw, body, fault);
    })();
    if (idempotencyKey && !earlier) answers.set(idempotencyKey, answer);
    const a = await answer.catch((err: unknown) => apiError(502, 'api_error', `stripe-mock: ${String(err)}`));
    if (fault === 'lost' || fault === 'timeout') {
      req.socket.destroy(); // carried out (or replayed); the answer never arrives
      return;
    }
    send(res, a, rec.replayed ? { 'Idempotent-Replayed': 'true' } : {});
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, apiError(500, 'api_error', `proxy: ${String(err)}`));
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    created,
    inject(fault, path, times = 1) {
      for (let i = 0; i < times; i++) faults.push({ fault, ...(path ? { path } : {}) });
    },
    pendingFaults: () => faults.length,
    createdFor: (type, ledgerKey) => created.filter((c) => c.type === type && (ledgerKey === undefined || c.key === ledgerKey)),
    close: () => new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === 'string' ? v : undefined;
}

async function readBody(req: IncomingMessage): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error(`body over ${MAX_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const apiError = (status: number, type: string, message: string, extra: Record<string, string> = {}): Answer =>
  ({ status, body: JSON.stringify({ error: { type, message, ...extra } }) });

function declined(code: string, message: string, declineCode?: string): Answer {
  return code === 'card_declined'
    ? apiError(402, 'card_error', message, { code, ...(declineCode ? { decline_code: declineCode } : {}) })
    : apiError(400, 'invalid_request_error', message, { code });
}

function send(res: ServerResponse, a: Answer, extra: Record<string, string> = {}): void {
  res.writeHead(a.status, { 'Content-Type': 'application/json', 'Request-Id': `req_proxy_${Date.now()}`, ...extra });
  res.end(a.body);
}
