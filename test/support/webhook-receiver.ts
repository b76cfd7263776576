// A local webhook receiver (R29) as an integrator would write one: it verifies every request with the
// `standardwebhooks` package and drops duplicates by webhook-id. It can fail or hang on demand, and it
// records the event before answering, so a failure after processing makes a retry a duplicate.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { WebhookEvent } from '../../domain/webhook-events.js';

/** What the receiver does with one request: answer 2xx, answer this status, or never answer. */
export type Behaviour = 'ok' | 'hang' | number;

export interface Received {
  id: string;
  event: WebhookEvent;
  signature: string;
  /** Each secret this request's signature verified with (verify() with that secret alone). */
  verifiedWith: string[];
}

export interface Receiver {
  url: string;
  /** Every request whose signature verified with a current secret, in arrival order (duplicates too). */
  received: Received[];
  /** Requests refused because no secret verified them. */
  unverified: number;
  /** The events as a deduping receiver keeps them: the first of each webhook-id. */
  unique(): Map<string, WebhookEvent>;
  setSecrets(secrets: string[]): void;
  behave(fn: (n: number) => Behaviour): void;
  close(): Promise<void>;
}

export async function startReceiver(secrets: string[] = []): Promise<Receiver> {
  let keys = secrets;
  let decide: (n: number) => Behaviour = () => 'ok';
  let count = 0;
  const received: Received[] = [];
  const hanging = new Set<http.ServerResponse>();
  const r: Receiver = {
    url: '',
    received,
    unverified: 0,
    unique: () => {
      const m = new Map<string, WebhookEvent>();
      for (const x of received) if (!m.has(x.id)) m.set(x.id, x.event);
      return m;
    },
    setSecrets: (s) => {
      keys = s;
    },
    behave: (fn) => {
      decide = fn;
    },
    close: async () => {
      for (const res of hanging) res.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      const verifiedWith = keys.filter((k) => {
        try {
          new Webhook(k).verify(body, headers);
          return true;
        } catch {
          return false;
        }
      });
      if (!verifiedWith.length) {
        r.unverified += 1;
        res.writeHead(400).end('bad signature');
        return;
      }
      received.push({
        id: headers['webhook-id']!,
        event: JSON.parse(body) as WebhookEvent,
        signature: headers['webhook-signature']!,
        verifiedWith,
      });
      const what = decide(++count);
      if (what === 'hang') {
        hanging.add(res);
        res.on('close', () => hanging.delete(res));
        return;
      }
      res.writeHead(what === 'ok' ? 204 : what).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  return r;
}
