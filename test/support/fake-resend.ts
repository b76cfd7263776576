// A local HTTP server standing in for Resend's API (the real SDK talks to it through RESEND_BASE_URL /
// baseUrl). Like Resend, it honours Idempotency-Key: a repeated key returns the first email's id and
// creates nothing. Failures are scripted per request: 500, 429, 422, or a hang past the client timeout;
// or, past the script, drawn per request by `decide` (the fault suite's random outages).
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** 409 and '409-concurrent': Resend's two idempotency conflicts (key reused with another payload / still in flight). */
export type Behaviour = 'ok' | 500 | 429 | 422 | 409 | '409-concurrent' | 'hang';

export interface ReceivedRequest {
  headers: IncomingHttpHeaders;
  body: { from: string; to: string | string[]; subject: string; html: string; text: string };
}

export interface FakeResend {
  url: string;
  requests: ReceivedRequest[];
  /** Emails created, by idempotency key (what a recipient would receive). */
  emails: Map<string, ReceivedRequest>;
  script(...behaviours: Behaviour[]): void;
  /** Requests received and not answered yet. */
  inFlight(): number;
  close(): Promise<void>;
}

export interface FakeResendOptions {
  /** How long a 'hang' holds the request before it answers (and creates the email). */
  hangMs?: number;
  /** The behaviour of a request the script does not cover, given its Idempotency-Key ('ok' without it). */
  decide?: (key: string) => Behaviour;
  /** Milliseconds before an 'ok' answer (a provider is never instant). */
  latencyMs?: () => number;
}

export async function startFakeResend({ hangMs = 1000, decide, latencyMs }: FakeResendOptions = {}): Promise<FakeResend> {
  const requests: ReceivedRequest[] = [];
  const emails = new Map<string, ReceivedRequest>();
  const ids = new Map<string, string>();
  let queue: Behaviour[] = [];
  let open = 0;
  const server: Server = createServer((req, res) => {
    open += 1;
    res.once('close', () => (open -= 1));
    let raw = '';
    req.on('data', (d) => (raw += d));
    req.on('end', () => {
      const received: ReceivedRequest = { headers: req.headers, body: JSON.parse(raw || '{}') };
      requests.push(received);
      const behaviour = queue.shift() ?? decide?.(String(req.headers['idempotency-key'] ?? '')) ?? 'ok';
      const reply = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      const create = () => {
        const key = String(req.headers['idempotency-key'] ?? `no-key-${requests.length}`);
        if (!ids.has(key)) {
          ids.set(key, `email_${ids.size + 1}`);
          emails.set(key, received);
        }
        return { id: ids.get(key) };
      };
      if (behaviour === 'hang') {
        // The client gives up first; the email is still created, as a real provider might.
        setTimeout(() => reply(200, create()), hangMs);
        return;
      }
      if (behaviour === 500) return reply(500, { statusCode: 500, name: 'internal_server_error', message: 'boom' });
      if (behaviour === 429) return reply(429, { statusCode: 429, name: 'rate_limit_exceeded', message: 'slow down' });
      if (behaviour === 422) return reply(422, { statusCode: 422, name: 'validation_error', message: 'The to field is invalid' });
      if (behaviour === 409) {
        return reply(409, { statusCode: 409, name: 'invalid_idempotent_request', message: 'Same idempotency key used with a different request payload.' });
      }
      if (behaviour === '409-concurrent') {
        return reply(409, { statusCode: 409, name: 'concurrent_idempotent_requests', message: 'Same idempotency key used while original request is still in progress.' });
      }
      const delay = latencyMs?.() ?? 0;
      if (delay > 0) setTimeout(() => reply(200, create()), delay);
      else reply(200, create());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    emails,
    script: (...b) => {
      queue = b;
    },
    inFlight: () => open,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
