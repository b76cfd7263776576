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
}

export function createApiClient({ baseUrl, token, onBehalfOf, middleware = [] }: ApiClientOptions): ApiClient {
  const client = createClient<paths>({ baseUrl });
  client.use({
    onRequest({ request }) {
      if (token && !request.headers.has('authorization')) request.headers.set('authorization', `Bearer ${token}`);
      if (onBehalfOf && !request.headers.has('on-behalf-of')) request.headers.set('on-behalf-of', onBehalfOf);
      return request;
    },
  }, ...middleware);
  return client;
}

/** The Idempotency-Key header of a write: a new key, or the key of the request being retried. */
export const idempotent = (key: string = crypto.randomUUID()) => ({ 'Idempotency-Key': key });
