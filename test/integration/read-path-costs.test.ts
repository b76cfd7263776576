// What an authenticated request costs PostgreSQL: the per-token limit is shared by every API process
// through leases (a request writes nothing until its process's lease is spent), and a valid token's
// user is remembered for AUTH_CACHE_MS, so a revoked token stops working within that bound.
import type { AddressInfo, Server } from 'node:net';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pool } from 'pg';
import { createDb, createPool, type Db } from '../../db/client.js';
import { createApp, type AppDeps } from '../../api/app.js';
import { leaseBatch } from '../../api/leased-limit.js';
import { issueUser } from '../../api/users.js';
import { type ConnectedClient, connectClient, temporalSettings } from '../../worker/connection.js';
import { shared } from '../support/context.js';

let db: Db;
let store: Pool;
let temporal: ConnectedClient;
const servers: Server[] = [];

beforeAll(async () => {
  db = createDb(shared('databaseUrl'));
  store = createPool(shared('databaseUrl'), { max: 2 });
  temporal = await connectClient(temporalSettings({ TEMPORAL_ADDRESS: shared('temporalAddress'), HOME: '/nonexistent' }));
});
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  await temporal?.connection.close();
  await store?.end();
  await db?.$disconnect();
});

async function replica(opts: Partial<AppDeps>): Promise<(token: string) => Promise<number>> {
  const server = createApp({ db, temporal: temporal.client, log: () => {}, rateLimitPerAddressPerMinute: 1_000_000, ...opts }).listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return async (token) => {
    const res = await fetch(`${base}/messages`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000) });
    await res.arrayBuffer();
    return res.status;
  };
}

const newUser = () => issueUser(db, { email: `${randomUUID()}@read-path.test`, name: 'Reader' });
const points = async (key: string) => (await db.rateLimit.findUnique({ where: { key } }))?.points ?? 0;

describe('the read path', () => {
  it('takes the per-token limit in leases: ten requests write one lease of a twentieth of the limit, not ten rows', async () => {
    const prefix = `t${randomUUID()}-`;
    const get = await replica({ rateLimitStore: store, rateLimitPrefix: prefix, rateLimitPerMinute: 600 });
    const user = await newUser();

    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push(await get(user.token));

    expect(statuses).toEqual(Array(10).fill(200));
    expect(leaseBatch(600)).toBe(30);
    expect(await points(`${prefix}user:${user.id}`)).toBe(30);
  });

  it('never lets a token past its limit across processes, leases or not', async () => {
    const prefix = `t${randomUUID()}-`;
    // 40 a minute: leases of 2 points; two processes share one count.
    const shared = { rateLimitStore: store, rateLimitPrefix: prefix, rateLimitPerMinute: 40 };
    const [a, b] = [await replica(shared), await replica(shared)];
    const user = await newUser();

    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push(await a(user.token), await b(user.token));

    const allowed = statuses.filter((s) => s === 200).length;
    expect(statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);
    // At most the limit; at least the limit less what the other process may hold unspent (batch − 1).
    expect(allowed).toBeLessThanOrEqual(40);
    expect(allowed).toBeGreaterThanOrEqual(40 - (leaseBatch(40) - 1));
  });

  it('honours a revoked token within AUTH_CACHE_MS, and at once with the cache off', async () => {
    const cached = await replica({ authCacheMs: 500 });
    const uncached = await replica({ authCacheMs: 0 });
    const [one, two] = [await newUser(), await newUser()];
    expect([await cached(one.token), await uncached(two.token)]).toEqual([200, 200]);

    const revokedAt = Date.now();
    await db.apiToken.updateMany({ where: { userId: { in: [one.id, two.id] } }, data: { revokedAt: new Date() } });

    expect(await uncached(two.token)).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, revokedAt + 600 - Date.now())));
    expect(await cached(one.token)).toBe(401);
  });
});
