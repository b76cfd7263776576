// HTTP for API tests. `api(...)` is the typed client integrators use (api/client: openapi-fetch over the
// generated types); `http(...)` sends what a typed client cannot (raw bytes, odd content types, missing
// headers). Both check every answer against the published document (contract-check.ts).
import { randomUUID } from 'node:crypto';
import type { Middleware } from 'openapi-fetch';
import { type ApiClient, createApiClient, idempotent } from '../../api/client/index.js';
import { checkAgainstDocument } from './contract-check.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked by the assertions
export interface Reply<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

const documentCheck: Middleware = {
  async onResponse({ request, response }) {
    const text = await response.clone().text();
    checkAgainstDocument(request.method, request.url, response.status, response.headers, text ? JSON.parse(text) : undefined);
  },
};

/** The typed client as `token`'s holder, each answer checked against the document. */
export const api = (baseUrl: string, token?: string, onBehalfOf?: string): ApiClient =>
  createApiClient({ baseUrl, ...(token ? { token } : {}), ...(onBehalfOf ? { onBehalfOf } : {}), middleware: [documentCheck] });

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
    const url = `${baseUrl}${path}`;
    const res = await fetch(url, { method, headers, body, ...(opts.signal ? { signal: opts.signal } : {}) });
    const text = await res.text();
    const parsed = text && method !== 'HEAD' ? JSON.parse(text) : undefined;
    checkAgainstDocument(method, url, res.status, res.headers, parsed);
    return { status: res.status, headers: res.headers, body: parsed };
  };
}

/** A contract created (and planned) through the typed client, as an integrator would: its id. */
export async function createContract(baseUrl: string, clientToken: string, freelancerId: string, amounts: number[] = []): Promise<string> {
  const client = api(baseUrl, clientToken);
  const created = await client.POST('/contracts', { params: { header: idempotent() }, body: { title: 'Website', freelancerId } });
  if (!created.data) throw new Error(`create: ${created.response.status} ${JSON.stringify(created.error)}`);
  const id = created.data.id;
  if (amounts.length) {
    const ops = amounts.map((amountCents, i) => ({ op: 'add' as const, title: `M${i + 1}`, amountCents }));
    const planned = await client.POST('/contracts/{id}/milestones/batch', { params: { path: { id }, header: idempotent() }, body: { ops } });
    if (!planned.data) throw new Error(`plan: ${planned.response.status} ${JSON.stringify(planned.error)}`);
  }
  return id;
}
