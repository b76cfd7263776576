// R29's signing secrets at rest: sealed in webhook_endpoints (AES-256-GCM under a configured key), never in
// a stored idempotent answer, yet every delivery is signed with them and a replayed registration or
// rotation answers the same secret. A dump of every table holds no `whsec_`.
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecretBox, parseKeys, secretBoxFromEnv } from '../../webhooks/secret-box.js';
import { resealSecrets } from '../../webhooks/reseal.js';
import { ContractDriver } from '../support/contract-driver.js';
import { http } from '../support/http.js';
import { newParties, startStack, type Stack } from '../support/stack.js';
import { type Receiver, startReceiver } from '../support/webhook-receiver.js';

let stack: Stack;
let call: ReturnType<typeof http>;
let r: Receiver;
beforeAll(async () => {
  stack = await startStack({
    webhooks: { allowLoopback: true, schedule: { firstRetryMs: 200, backoff: 2, maxRetryMs: 1_000, giveUpAfterMs: 60_000, attemptTimeoutMs: 2_000 } },
  });
  call = http(stack.baseUrl);
  r = await startReceiver();
});
afterAll(async () => {
  await r?.close();
  await stack?.stop();
});

/** Every row of every table in the schema, as text: what a dump or a replica would hand an attacker. */
async function dumpEveryTable(): Promise<string> {
  const tables = await stack.db.$queryRaw<{ name: string }[]>`
    SELECT quote_ident(table_name) AS name FROM information_schema.tables
    WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`;
  expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['webhook_endpoints', 'idempotency_keys']));
  const parts: string[] = [];
  for (const { name } of tables) {
    const rows = await stack.db.$queryRawUnsafe<{ row: string }[]>(`SELECT t::text AS row FROM ${name} t`);
    parts.push(...rows.map((x) => `${name}: ${x.row}`));
  }
  return parts.join('\n');
}

describe('webhook secrets at rest (R29)', () => {
  it('R29: no table holds a signing secret in the clear; deliveries are signed and replays answer the same secret', async () => {
    const p = await newParties(stack);
    const c = new ContractDriver(stack.client, stack.taskQueue, undefined, { clientId: p.client.id, freelancerId: p.freelancer.id });
    await c.open([{ title: 'Kick-off', amountCents: 1000 }]); // an accepted offer (R30)
    const registerKey = randomUUID();
    const body = { url: r.url, eventTypes: ['*'], contractId: c.id };
    const registered = await call('POST', '/webhook-endpoints', { token: p.client.token, body, key: registerKey });
    expect(registered.status).toBe(201);
    const rotateKey = randomUUID();
    const rotated = await call('POST', `/webhook-endpoints/${registered.body.id}/rotate-secret`,
      { token: p.client.token, body: { overlapMinutes: 60 }, key: rotateKey });
    expect(rotated.status).toBe(200);
    r.setSecrets([rotated.body.secret]);

    const replayedRegistration = await call('POST', '/webhook-endpoints', { token: p.client.token, body, key: registerKey });
    const replayedRotation = await call('POST', `/webhook-endpoints/${registered.body.id}/rotate-secret`,
      { token: p.client.token, body: { overlapMinutes: 60 }, key: rotateKey });
    await c.add('Design', 5000);
    await expect.poll(() => r.received.length, { timeout: 30_000 }).toBeGreaterThan(0);
    const dump = await dumpEveryTable();

    expect(replayedRegistration).toMatchObject({ status: 201, body: { secret: registered.body.secret } });
    expect(replayedRegistration.headers.get('idempotent-replayed')).toBe('true');
    expect(replayedRotation).toMatchObject({ status: 200, body: { secret: rotated.body.secret } });
    // Signed with both secrets in force (the overlap), each opened from its sealed value.
    expect(r.received[0]!.signature.split(' ')).toHaveLength(2);
    expect(r.received[0]!.verifiedWith).toEqual([rotated.body.secret]);
    expect(dump).toContain(registered.body.id);
    expect(dump).not.toMatch(/whsec_/);
    expect(dump).not.toContain(registered.body.secret.slice('whsec_'.length));
  }, 120_000);

  it('R29: a replayed rotation whose secret has since been replaced and whose overlap ended is 409, never an expired secret', async () => {
    const p = await newParties(stack);
    const registered = await call('POST', '/webhook-endpoints', { token: p.client.token, body: { url: r.url, eventTypes: ['*'] } });
    const rotate = (key: string, overlapMinutes: number) => call('POST', `/webhook-endpoints/${registered.body.id}/rotate-secret`,
      { token: p.client.token, body: { overlapMinutes }, key });
    const [first, second] = [randomUUID(), randomUUID()];
    expect((await rotate(first, 60)).status).toBe(200);
    expect((await rotate(second, 0)).status).toBe(200); // the first rotation's secret signs no more
    const during = await rotate(second, 0);

    const replay = await rotate(first, 60);

    expect(during.status).toBe(200); // the current secret is still answered
    expect(replay).toMatchObject({ status: 409, body: { code: 'IDEMPOTENT_SECRET_GONE', rule: 'R29' } });
    expect(replay.body.secret).toBeUndefined();
  });

  it('R29: secrets stored before sealing are sealed at worker start, and stored answers that held one keep a digest', async () => {
    const p = await newParties(stack);
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const id = `we_${randomUUID()}`;
    const key = randomUUID();
    await stack.db.webhookEndpoint.create({ data: { id, ownerId: p.client.id, url: r.url, eventTypes: ['*'], secret } });
    const view = (await call('GET', `/webhook-endpoints/${id}`, { token: p.client.token })).body;
    // The answer as the API stored it before: the secret inside, and the request's hash.
    const answer = { ...view, secret };
    const hash = (await import('../../api/idempotency.js')).requestHash(
      { method: 'POST', baseUrl: '', path: '/webhook-endpoints' } as never, { url: r.url, eventTypes: ['*'], description: '' });
    await stack.db.idempotencyKey.create({
      data: { userId: p.client.id, key, requestHash: hash, state: 'done', responseStatus: 201, responseBody: answer },
    });

    const migration = readFileSync(new URL('../../prisma/migrations/20261203091000_webhook_secrets_sealed/migration.sql', import.meta.url), 'utf8');
    await stack.db.$executeRawUnsafe(migration);
    await resealSecrets(stack.db, secretBoxFromEnv());
    const replay = await call('POST', '/webhook-endpoints', { token: p.client.token, body: { url: r.url, eventTypes: ['*'] }, key });
    const dump = await dumpEveryTable();

    expect(replay).toMatchObject({ status: 201, body: { id, secret } });
    expect(dump).toContain(id);
    expect(dump).not.toMatch(/whsec_/);
  }, 60_000);

  it('R29: keys rotate: a value sealed under an older key opens, is sealed again under the new one, and a wrong key fails', () => {
    const key = () => randomBytes(32).toString('base64');
    const [k1, k2] = [key(), key()];
    const old = createSecretBox(parseKeys(`k1:${k1}`));
    const rotated = createSecretBox(parseKeys(`k2:${k2},k1:${k1}`));
    const sealed = old.seal('whsec_abc');

    expect(sealed).toMatch(/^wsk1:k1:/);
    expect(rotated.stale(sealed)).toBe(true);
    expect(rotated.open(sealed)).toBe('whsec_abc');
    expect(rotated.seal('whsec_abc')).toMatch(/^wsk1:k2:/);
    expect(() => createSecretBox(parseKeys(`k1:${key()}`)).open(sealed)).toThrow();
    expect(() => parseKeys(`k1:${k1.slice(4)}`)).toThrow(/key "k1" is not 32 bytes/);
    expect(() => parseKeys(`k1:${k1.slice(4)}`)).not.toThrow(new RegExp(k1.slice(4, 20).replace(/[+/=]/g, '.')));
    expect(() => secretBoxFromEnv({ NODE_ENV: 'production' })).toThrow(/WEBHOOK_SECRET_KEYS is required in production/);
  });
});
