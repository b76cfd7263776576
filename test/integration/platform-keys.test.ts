// A marketplace's backend with platform keys: made by an operator over the API (shown once, stored as a
// hash), acting for its own users with On-Behalf-Of (never for another platform's), named in the contract's
// history and notices as `platform:<key> for <user>`, rotated with an overlap, revoked, listed with last use.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../api/auth.js';
import { LAST_USE_RESOLUTION_MS, LastUse } from '../../api/last-use.js';
import { idempotent } from '../../api/client/index.js';
import { api, http } from '../support/http.js';
import { newOperator, newPlatform, type TestPlatform } from '../support/platform.js';
import { startStack, type Stack } from '../support/stack.js';

let stack: Stack;
let call: ReturnType<typeof http>;
let operatorToken: string;
beforeAll(async () => {
  stack = await startStack();
  call = http(stack.baseUrl);
  operatorToken = (await newOperator(stack.db)).token;
});
afterAll(async () => {
  await stack?.stop();
});

const as = (key: string, userId?: string) => ({ token: key, ...(userId ? { headers: { 'on-behalf-of': userId } } : {}) });

async function platformWithKey(scopes: string[]): Promise<{ platformId: string; key: string; keyId: string }> {
  const platform = await call('POST', '/platforms', { token: operatorToken, body: { name: 'Gigs Inc.' } });
  expect(platform.status).toBe(201);
  const key = await call('POST', `/platforms/${platform.body.id}/keys`, { token: operatorToken, body: { scopes, label: 'backend' }, key: null });
  expect(key.status).toBe(201);
  return { platformId: platform.body.id, key: key.body.key, keyId: key.body.id };
}

async function createUser(key: string, name: string): Promise<string> {
  const res = await call('POST', '/users', { ...as(key), body: { email: `${crypto.randomUUID()}@gigs.test`, name } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id;
}

describe('platform keys', () => {
  it('are made by an operator, shown once and stored only as a hash', async () => {
    const { platformId, key, keyId } = await platformWithKey(['users:write']);
    expect(key).toMatch(/^mcpk_[\w-]{43}$/);
    const row = await stack.db.platformKey.findUniqueOrThrow({ where: { id: keyId } });
    expect(row.keyHash).toBe(hashToken(key));
    expect(JSON.stringify(row)).not.toContain(key.slice(5));
    const listed = await call('GET', `/platforms/${platformId}/keys`, { token: operatorToken });
    expect(listed.body.data.map((k: { id: string }) => k.id)).toEqual([keyId]);
    expect(JSON.stringify(listed.body)).not.toContain(key.slice(5));
  });

  it('are refused to anyone but an operator, and a key never makes keys', async () => {
    const { platformId, key } = await platformWithKey(['users:write', 'contracts:act', 'operator']);
    const member = (await stack.newUser()).token;
    for (const token of [member, key]) {
      const res = await call('POST', `/platforms/${platformId}/keys`, { token, body: { scopes: ['operator'] }, key: null });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('OPERATOR_ONLY');
    }
  });

  it('act for their own platform\'s users: the history and notices name platform:<key> for <user>', async () => {
    const { key, keyId } = await platformWithKey(['users:write', 'contracts:act']);
    const client = await createUser(key, 'Cleo Client');
    const freelancer = await createUser(key, 'Fred Freelancer');
    const created = await call('POST', '/contracts', { ...as(key, client), body: { title: 'Logo', freelancerId: freelancer, milestones: [{ title: 'Kick-off', amountCents: 5000 }] } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.id;
    expect(created.body.clientId).toBe(client);
    const accepted = await call('POST', `/contracts/${id}/offer/accept`, { ...as(key, freelancer), body: { version: 1 } });
    expect(accepted.status).toBe(200);
    const planned = await call('POST', `/contracts/${id}/milestones/batch`, { ...as(key, client), body: { ops: [{ op: 'add', title: 'Sketch', amountCents: 5000 }] } });
    expect(planned.status).toBe(200);
    const seen = as(key, client);
    const history = await call('GET', `/contracts/${id}/history`, { ...seen, headers: { ...seen.headers, 'contract-min-seq': planned.headers.get('contract-seq')! } });
    expect(history.body.data.map((e: { actor: string }) => e.actor))
      .toEqual([`platform:${keyId} for ${client}`, `platform:${keyId} for ${freelancer}`, `platform:${keyId} for ${client}`]);
    expect(history.body.data[0].actorId).toBe(client);
    // The freelancer's notice of the plan names who sent it.
    await expect.poll(async () => (await stack.db.notification.findMany({ where: { contractId: id, recipientId: freelancer } }))
      .map((n) => (n.payload as { via?: string }).via)).toContain(`platform:${keyId} for ${client}`);
    // The in-app message is written by the notice pump, just after the notice is stored.
    await expect.poll(() => stack.db.inAppMessage.count({ where: { contractId: id, recipientId: freelancer } })).toBeGreaterThan(0);
    const message = await stack.db.inAppMessage.findFirst({ where: { contractId: id, recipientId: freelancer } });
    expect(message?.body).toContain(`Sent by: platform:${keyId} for ${client}`);
  });

  it('cannot act for a user outside their platform: the same 403 as for an id that names nobody', async () => {
    const { key } = await platformWithKey(['contracts:act']);
    const other = await newPlatform(stack.db);
    const outsider = await other.member();
    const direct = await stack.newUser();
    const answers = [];
    for (const id of [outsider.id, direct.id, crypto.randomUUID()]) {
      const res = await call('GET', '/contracts', as(key, id));
      answers.push({ status: res.status, code: res.body.code, title: res.body.title, detail: res.body.detail });
    }
    expect(answers[0]).toEqual({ status: 403, code: 'ON_BEHALF_OF_UNKNOWN', title: expect.any(String), detail: expect.any(String) });
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
  });

  it('without On-Behalf-Of reach only their users; On-Behalf-Of with a user token is refused', async () => {
    const { key } = await platformWithKey(['contracts:act', 'users:read']);
    const res = await call('GET', '/contracts', as(key));
    expect([res.status, res.body.code]).toEqual([403, 'ON_BEHALF_OF_REQUIRED']);
    const member = await stack.newUser();
    const named = await call('GET', '/contracts', { token: member.token, headers: { 'on-behalf-of': member.id } });
    expect([named.status, named.body.code]).toEqual([400, 'ON_BEHALF_OF_NOT_ALLOWED']);
  });

  it('rotate with an overlap: both keys work until the old one expires; overlap 0 stops it at once', async () => {
    const { platformId, key, keyId } = await platformWithKey(['users:read']);
    const rotated = await call('POST', `/platforms/${platformId}/keys/${keyId}/rotate`, { token: operatorToken, body: { overlapSeconds: 3600 }, key: null });
    expect(rotated.status).toBe(201);
    expect(rotated.body.rotatedFrom).toBe(keyId);
    expect(rotated.body.scopes).toEqual(['users:read']);
    const probe = (k: string) => call('GET', `/users/${crypto.randomUUID()}`, as(k)).then((r) => r.status);
    expect([await probe(key), await probe(rotated.body.key)]).toEqual([404, 404]); // both authenticated
    const old = await stack.db.platformKey.findUniqueOrThrow({ where: { id: keyId } });
    expect(old.expiresAt!.getTime() - Date.now()).toBeGreaterThan(3500_000);
    // A second rotation of the old key never lengthens its overlap; with 0 it stops now.
    const again = await call('POST', `/platforms/${platformId}/keys/${keyId}/rotate`, { token: operatorToken, body: { overlapSeconds: 0 }, key: null });
    expect(again.status).toBe(201);
    expect(await probe(key)).toBe(401);
    expect(await probe(rotated.body.key)).toBe(404);
    const third = await call('POST', `/platforms/${platformId}/keys/${keyId}/rotate`, { token: operatorToken, body: {}, key: null });
    expect([third.status, third.body.code]).toEqual([409, 'KEY_NOT_ACTIVE']);
  });

  it('revoked, stop at once; listed with their last use', async () => {
    const { platformId, key, keyId } = await platformWithKey(['users:read']);
    expect((await call('GET', `/users/${crypto.randomUUID()}`, as(key))).status).toBe(404);
    await expect.poll(async () => (await call('GET', `/platforms/${platformId}/keys`, { token: operatorToken })).body.data[0].lastUsedAt).not.toBeNull();
    const revoked = await call('DELETE', `/platforms/${platformId}/keys/${keyId}`, { token: operatorToken });
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).not.toBeNull();
    expect((await call('GET', `/users/${crypto.randomUUID()}`, as(key))).status).toBe(401);
  });

  it('record their last use at most once a minute per process, never a write per request', async () => {
    const p: TestPlatform = await newPlatform(stack.db);
    const k = await p.key(['users:read']);
    let now = Date.parse('2026-12-01T10:00:00Z');
    const lastUse = new LastUse(stack.db, () => now);
    const read = async () => (await stack.db.platformKey.findUniqueOrThrow({ where: { id: k.id } })).lastUsedAt?.getTime();
    lastUse.touch('platformKey', k.id);
    await expect.poll(read).toBe(now);
    const first = now;
    now += LAST_USE_RESOLUTION_MS - 1;
    lastUse.touch('platformKey', k.id);
    // Within the minute nothing is sent at all, so nothing can land later: a bounded wait proves no write.
    await new Promise((r) => setTimeout(r, 300));
    expect(await read()).toBe(first);
    now += 2;
    lastUse.touch('platformKey', k.id);
    await expect.poll(read).toBe(now);
  });
});

describe('the typed client with a platform key', () => {
  it('acts for the user it is made for: every request carries On-Behalf-Of', async () => {
    const p = await newPlatform(stack.db);
    const [client, freelancer, k] = await Promise.all([p.member('Client'), p.member('Freelancer'), p.key(['contracts:act'])]);
    const asClient = api(stack.baseUrl, k.key, client.id);
    const created = await asClient.POST('/contracts', { params: { header: idempotent() }, body: { title: 'Typed', freelancerId: freelancer.id, milestones: [{ title: 'Logo', amountCents: 900 }] } });
    expect(created.data?.clientId).toBe(client.id);
    const history = await asClient.GET('/contracts/{id}/history', { params: { path: { id: created.data!.id } } });
    expect(history.data?.data[0]?.actor).toBe(`platform:${k.id} for ${client.id}`);
  });
});

describe('On-Behalf-Of with a bad credential', () => {
  it('is 401 for the credential first: the header is judged only once the caller is known', async () => {
    const res = await call('GET', '/contracts', { token: 'mc_not-a-token', headers: { 'on-behalf-of': crypto.randomUUID() } });
    expect([res.status, res.body.code]).toEqual([401, 'UNAUTHENTICATED']);
  });
});
