// A small HTTP client for API tests: bearer token, JSON body, Idempotency-Key (a fresh one unless given).
import { randomUUID } from 'node:crypto';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked by the assertions
export interface Reply<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export function http(baseUrl: string) {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
  return async function call<T = any>(
    method: string,
    path: string,
    opts: { token?: string; body?: unknown; key?: string | null; raw?: string | Uint8Array; headers?: Record<string, string>;
      signal?: AbortSignal } = {},
  ): Promise<Reply<T>> {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    // A test may send its own Content-Type (a text/plain body, an odd charset); JSON otherwise.
    if ((opts.body !== undefined || opts.raw !== undefined) && !('content-type' in headers)) headers['content-type'] = 'application/json';
    if (method === 'POST' && opts.key !== null) headers['idempotency-key'] = opts.key ?? randomUUID();
    const body = opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
    const res = await fetch(`${baseUrl}${path}`, { method, headers, body, ...(opts.signal ? { signal: opts.signal } : {}) });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
  };
}
