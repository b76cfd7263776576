// The per-address limit comes before anything that costs: body parsing, /readyz, /metrics, the reference
// and authentication; only the liveness probe is answered first. It keys IPv6 clients by their /64, keeps
// a bounded number of addresses in memory (no database round trip per unauthenticated request), and keys
// on the client's address through TRUST_PROXY_HOPS proxies.
import type { AddressInfo, Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../db/client.js';
import { createApp } from '../../api/app.js';
import { addressKey, createAddressLimiter } from '../../api/address-limit.js';
import { cachedReadiness } from '../../api/probes.js';
import { type ConnectedClient, connectClient, temporalSettings } from '../../worker/connection.js';
import { shared } from '../support/context.js';

const METRICS_TOKEN = 'metrics-token-for-tests';
let db: Db;
let temporal: ConnectedClient;
const servers: Server[] = [];

beforeAll(async () => {
  db = createDb(shared('databaseUrl'));
  temporal = await connectClient(temporalSettings({ TEMPORAL_ADDRESS: shared('temporalAddress'), HOME: '/nonexistent' }));
});
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  await temporal?.connection.close();
  await db?.$disconnect();
});

/** An API with a small address limit; `hops` proxies in front. */
async function api(perMinute: number, hops = 0): Promise<(path: string, init?: RequestInit & { from?: string }) => Promise<Response>> {
  const server = createApp({ db, temporal: temporal.client, log: () => {}, rateLimitPerAddressPerMinute: perMinute, trustProxyHops: hops,
    metricsToken: METRICS_TOKEN }).listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return (path, init = {}) => {
    const headers = new Headers(init.headers);
    if (init.from) headers.set('x-forwarded-for', init.from);
    return fetch(`${base}${path}`, { ...init, headers });
  };
}

describe('limits before work', () => {
  it('an address over its limit is refused before its body is parsed and before /readyz, /metrics, /openapi.json and /docs; /healthz still answers', async () => {
    const call = await api(3);
    for (let i = 0; i < 3; i++) expect((await call('/openapi.json')).status).toBe(200);

    const malformed = await call('/contracts', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"not json' });
    const after = await Promise.all(['/readyz', '/metrics', '/openapi.json', '/docs', '/contracts'].map((p) =>
      call(p, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })));
    const health = await call('/healthz');

    expect(malformed.status).toBe(429);
    expect(((await malformed.json()) as { code: string }).code).toBe('RATE_LIMITED');
    expect(malformed.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(after.map((r) => r.status)).toEqual([429, 429, 429, 429, 429]);
    expect(health.status).toBe(200);
  });

  it('TRUST_PROXY_HOPS=1 keys on the client X-Forwarded-For names; 0 ignores the header (every client is the proxy)', async () => {
    const behindProxy = await api(2, 1);
    const direct = await api(2, 0);

    const a = [await behindProxy('/openapi.json', { from: '203.0.113.7' }), await behindProxy('/openapi.json', { from: '203.0.113.7' }),
      await behindProxy('/openapi.json', { from: '203.0.113.7' })];
    const b = await behindProxy('/openapi.json', { from: '198.51.100.9' });
    // A client cannot pick its bucket: with one proxy, only the address it appended counts.
    const spoofed = await behindProxy('/openapi.json', { from: '192.0.2.1, 203.0.113.7' });
    const d = [await direct('/openapi.json', { from: '203.0.113.7' }), await direct('/openapi.json', { from: '198.51.100.9' }),
      await direct('/openapi.json', { from: '192.0.2.55' })];

    expect(a.map((r) => r.status)).toEqual([200, 200, 429]);
    expect(b.status).toBe(200);
    expect(spoofed.status).toBe(429);
    expect(d.map((r) => r.status)).toEqual([200, 200, 429]);
  });

  it('IPv6 clients are keyed by their /64: fresh addresses in one /64 share a bucket, another /64 has its own', async () => {
    const call = await api(2, 1);

    const same = [await call('/openapi.json', { from: '2001:db8:1:2::1' }), await call('/openapi.json', { from: '2001:db8:1:2:ffff::9' }),
      await call('/openapi.json', { from: '2001:db8:1:2:dead:beef:0:1' })];
    const other = await call('/openapi.json', { from: '2001:db8:1:3::1' });

    expect(same.map((r) => r.status)).toEqual([200, 200, 429]);
    expect(other.status).toBe(200);
    expect(addressKey('2001:db8:1:2:dead:beef:0:1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
  });

  it('the address limiter keeps a bounded number of addresses in memory, forgetting the oldest window first', () => {
    const l = createAddressLimiter(1, 3);

    for (let i = 0; i < 10; i++) l.hit(`198.51.100.${i}`, 1_000 + i);
    const newest = l.hit('198.51.100.9', 1_020);

    expect(l.size).toBe(3);
    expect(newest).not.toBeNull(); // its window was kept: it is over its limit of one
    expect(l.hit('198.51.100.0', 1_030)).toBeNull(); // forgotten: a fresh window
  });

  it('/readyz checks PostgreSQL and Temporal at most once per cache period however often it is asked', async () => {
    let queries = 0;
    const counting = { $queryRaw: (...args: Parameters<Db['$queryRaw']>) => (queries++, db.$queryRaw(...args)) } as unknown as Db;
    const ready = cachedReadiness(counting, temporal.client, 60_000);

    const answers = await Promise.all(Array.from({ length: 50 }, () => ready()));
    await ready();

    expect(answers.every((a) => a.status === 'ok')).toBe(true);
    expect(queries).toBe(1);
  });

  it('/metrics answers only its token', async () => {
    const call = await api(100);
    const open = createApp({ db, temporal: temporal.client, log: () => {} }).listen(0, '127.0.0.1');
    servers.push(open);
    await new Promise((resolve) => open.once('listening', resolve));

    const none = await call('/metrics');
    const wrong = await call('/metrics', { headers: { authorization: 'Bearer not-the-token-at-all' } });
    const right = await call('/metrics', { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    const unconfigured = await fetch(`http://127.0.0.1:${(open.address() as AddressInfo).port}/metrics`);

    expect(none.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(right.status).toBe(200);
    expect(await right.text()).toContain('http_requests_total');
    expect(unconfigured.status).toBe(404);
  });
});
