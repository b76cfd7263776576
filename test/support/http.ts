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

/** R30: an offer sent through the typed client, as an integrator would (its first milestone deposited): its id. */
export async function sendOffer(
  baseUrl: string, clientToken: string, freelancerId: string, amounts: number[] = [5000], opts: { expiresInDays?: number } = {},
): Promise<string> {
  const milestones = amounts.map((amountCents, i) => ({ title: `M${i + 1}`, amountCents }));
  const sent = await api(baseUrl, clientToken).POST('/contracts', {
    params: { header: idempotent() }, body: { title: 'Website', freelancerId, milestones, ...opts },
  });
  if (!sent.data) throw new Error(`offer: ${sent.response.status} ${JSON.stringify(sent.error)}`);
  return sent.data.id;
}

/**
 * An offer of `amounts` sent and accepted by the freelancer (R30): the contract open, its first milestone
 * funded and active — where creating, planning and funding left a contract before offers. Its id.
 */
export async function createContract(
  baseUrl: string, clientToken: string, freelancer: { id: string; token: string }, amounts: number[] = [5000],
): Promise<string> {
  const id = await sendOffer(baseUrl, clientToken, freelancer.id, amounts);
  const accepted = await api(baseUrl, freelancer.token).POST('/contracts/{id}/offer/accept', {
    params: { path: { id }, header: idempotent() }, body: { version: 1 },
  });
  if (!accepted.data) throw new Error(`accept: ${accepted.response.status} ${JSON.stringify(accepted.error)}`);
  // The answer does not wait for the projection: one read that names its seq does (bounded by the API),
  // so a test that reads PostgreSQL next finds the contract open.
  const seen = await http(baseUrl)('GET', `/contracts/${id}`, {
    token: freelancer.token, headers: { 'contract-min-seq': accepted.response.headers.get('contract-seq') ?? '0' },
  });
  if (seen.status !== 200) throw new Error(`read after accept: ${seen.status} ${JSON.stringify(seen.body)}`);
  return id;
}
