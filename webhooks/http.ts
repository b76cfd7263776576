// One signed POST to a receiver (R29), bounded by a deadline, through the SSRF guard's lookup. Redirects
// are not followed (a 3xx is an answer like any other): following one would leave the checked target.
import http from 'node:http';
import https from 'node:https';
import { guardedLookup, TargetRefused } from './target.js';

export type PostOutcome =
  | { kind: 'answered'; status: number; retryAfterMs: number | null }
  | { kind: 'unreachable'; error: string }
  | { kind: 'refused'; error: string };

/** What is read of a receiver's answer: its status matters, its body is drained and dropped. */
const MAX_ANSWER_BYTES = 64 * 1024;

export function postJson(
  url: string,
  body: string,
  headers: Record<string, string>,
  opts: { timeoutMs: number; allowLoopback: boolean },
): Promise<PostOutcome> {
  const target = new URL(url);
  const request = target.protocol === 'https:' ? https.request : http.request;
  return new Promise((resolve) => {
    let settled = false;
    const done = (o: PostOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(o);
    };
    const req = request(
      target,
      {
        method: 'POST',
        lookup: guardedLookup(opts.allowLoopback),
        headers: {
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          'user-agent': 'milestone-contracts-webhooks/1',
          ...headers,
        },
        agent: false, // a fresh connection per attempt: each one goes through the lookup's check
      },
      (res) => {
        let read = 0;
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_ANSWER_BYTES) res.destroy();
        });
        const status = res.statusCode ?? 0;
        const answered = () => done({ kind: 'answered', status, retryAfterMs: retryAfter(res.headers['retry-after']) });
        res.on('end', answered);
        res.on('close', answered);
        res.on('error', answered);
      },
    );
    // The whole attempt, not just idle time: a receiver trickling bytes is cut off too.
    const timer = setTimeout(() => {
      req.destroy(new Error(`no answer within ${opts.timeoutMs} ms`));
    }, opts.timeoutMs);
    req.on('error', (err) => {
      const refused = err instanceof TargetRefused || (err as { cause?: unknown }).cause instanceof TargetRefused;
      done(refused ? { kind: 'refused', error: err.message } : { kind: 'unreachable', error: err.message });
    });
    req.end(body);
  });
}

/** Retry-After in seconds (HTTP dates are rare from receivers and are ignored: the schedule applies). */
function retryAfter(h: string | undefined): number | null {
  return h && /^\d{1,6}$/.test(h.trim()) ? Number(h.trim()) * 1000 : null;
}
