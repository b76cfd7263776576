// The typed client integrators (and our tests) use: openapi-fetch over the types openapi-typescript
// generated from the document (`npm run api:client`). Paths, parameters, bodies and answers are typed by
// the operation; `Authorization` (and a platform key's `On-Behalf-Of`) and a fresh `Idempotency-Key` per
// write are added here.
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { components, paths } from './types.js';

export type { components, paths };
export type Schemas = components['schemas'];
export type ApiClient = Client<paths>;

export interface ApiClientOptions {
  baseUrl: string;
  token?: string;
  /** With a platform key: the user of your platform every request of this client acts for (`On-Behalf-Of`). */
  onBehalfOf?: string;
  /** Run on every answer (tests check it against the document). */
  middleware?: Middleware[];
  /**
   * Read your own writes (default true): the client remembers the highest `Contract-Seq` it was answered for
   * each contract and sends it as `Contract-Min-Seq` when it reads that contract again.
   */
  readYourWrites?: boolean;
}

const CONTRACT_PATH = /\/contracts\/([^/?#]+)/;

/** The seq memory of one client: contract id → highest Contract-Seq seen. */
function seqMemory(): Middleware {
  const seen = new Map<string, number>();
  const contractOf = (url: string) => CONTRACT_PATH.exec(new URL(url).pathname)?.[1];
  return {
    onRequest({ request }) {
      const id = contractOf(request.url);
      const seq = id === undefined ? undefined : seen.get(id);
      const read = request.method === 'GET' || new URL(request.url).pathname.endsWith('/milestones/preview'); // "Show changes" is a read
      if (read && seq !== undefined && !request.headers.has('contract-min-seq')) request.headers.set('contract-min-seq', String(seq));
      return request;
    },
    onResponse({ request, response }) {
      const id = contractOf(response.headers.has('location') ? new URL(response.headers.get('location')!, request.url).href : request.url);
      const seq = Number(response.headers.get('contract-seq') ?? NaN);
      if (id !== undefined && Number.isInteger(seq)) seen.set(id, Math.max(seen.get(id) ?? 0, seq));
      return response;
    },
  };
}

export function createApiClient({ baseUrl, token, onBehalfOf, middleware = [], readYourWrites = true }: ApiClientOptions): ApiClient {
  const client = createClient<paths>({ baseUrl });
  client.use({
    onRequest({ request }) {
      if (token && !request.headers.has('authorization')) request.headers.set('authorization', `Bearer ${token}`);
      if (onBehalfOf && !request.headers.has('on-behalf-of')) request.headers.set('on-behalf-of', onBehalfOf);
      return request;
    },
  }, ...(readYourWrites ? [seqMemory()] : []), ...middleware);
  return client;
}

/** The Idempotency-Key header of a write: a new key, or the key of the request being retried. */
export const idempotent = (key: string = crypto.randomUUID()) => ({ 'Idempotency-Key': key });
