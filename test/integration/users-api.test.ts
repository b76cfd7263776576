// Users over the API, as a marketplace's backend manages them with a platform key: create, read, update
// (payment provider ids included), deactivate; tokens issued with an expiry, listed, revoked. What a
// deactivated party's open contract does, and what refusals tell each caller.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContract, http } from '../support/http.js';
import { newOperator, newPlatform, type TestPlatform } from '../support/platform.js';
import { startStack, type Stack } from '../support/stack.js';

let stack: Stack;
let call: ReturnType<typeof http>;
let platform: TestPlatform;
let writer: string;
beforeAll(async () => {
  stack = await startStack();
  call = http(stack.baseUrl);
  platform = await newPlatform(stack.db);
  writer = (await platform.key(['users:write'])).key;
});
afterAll(async () => {
  await stack?.stop();
});

const email = () => `${crypto.randomUUID()}@users.test`;
const newUser = async (body: Record<string, unknown> = {}) => {
  const res = await call('POST', '/users', { token: writer, body: { email: email(), name: 'Ursula', ...body } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
};
const issueToken = async (userId: string, body: Record<string, unknown> = {}) =>
  call('POST', `/users/${userId}/tokens`, { token: writer, body, key: null });

describe('users over the API', () => {
  it('are created in the key\'s platform, read, and updated (payment provider ids too)', async () => {
    const user = await newUser({ externalId: 'auth0|42', paymentMethodId: 'pm_123' });
    expect(user).toMatchObject({ object: 'user', platformId: platform.id, externalId: 'auth0|42', paymentMethodId: 'pm_123', payoutAccountId: null, status: 'active' });
    const read = await call('GET', `/users/${user.id}`, { token: writer });
    expect(read.body).toEqual(user);
    const updated = await call('POST', `/users/${user.id}`, { token: writer, body: { name: 'Ursula K.', payoutAccountId: 'acct_9', paymentMethodId: null }, key: null });
    expect(updated.body).toMatchObject({ name: 'Ursula K.', payoutAccountId: 'acct_9', paymentMethodId: null, externalId: 'auth0|42' });
  });

  it('are created once per Idempotency-Key, and an email or externalId in use is 409 USER_EXISTS', async () => {
    const body = { email: email(), name: 'Ida', externalId: `sub-${crypto.randomUUID()}` };
    const first = await call('POST', '/users', { token: writer, body, key: 'create-ida' });
    const again = await call('POST', '/users', { token: writer, body, key: 'create-ida' });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.id).toBe(first.body.id);
    const sameEmail = await call('POST', '/users', { token: writer, body: { ...body, externalId: undefined } });
    expect([sameEmail.status, sameEmail.body.code]).toEqual([409, 'USER_EXISTS']);
    const sameSubject = await call('POST', '/users', { token: writer, body: { ...body, email: email() } });
    expect([sameSubject.status, sameSubject.body.code]).toEqual([409, 'USER_EXISTS']);
  });

  it('refuse an email no mail server would take (a local part over 64 characters)', async () => {
    const res = await call('POST', '/users', { token: writer, body: { email: `${'a'.repeat(65)}@users.test`, name: 'Long' } });
    expect([res.status, res.body.code]).toEqual([400, 'INVALID_REQUEST']);
    expect((await call('POST', '/users', { token: writer, body: { email: `${'a'.repeat(64)}@${crypto.randomUUID()}.test`, name: 'Fits' } })).status).toBe(201);
  });

  it('get tokens that expire (30 days unless asked, 90 at most), listed without the token, revoked at once', async () => {
    const user = await newUser();
    const issued = await issueToken(user.id, { label: 'mobile', expiresInDays: 7 });
    expect(issued.status).toBe(201);
    expect(Date.parse(issued.body.expiresAt) - Date.now()).toBeGreaterThan(7 * 86400_000 - 60_000);
    expect(Date.parse(issued.body.expiresAt) - Date.now()).toBeLessThanOrEqual(7 * 86400_000);
    const byDefault = await issueToken(user.id);
    expect(Math.round((Date.parse(byDefault.body.expiresAt) - Date.now()) / 86400_000)).toBe(30);
    expect((await issueToken(user.id, { expiresInDays: 91 })).status).toBe(400);
    expect((await call('GET', '/contracts', { token: issued.body.token })).status).toBe(200);
    const listed = await call('GET', `/users/${user.id}/tokens`, { token: writer });
    expect(listed.body.data.map((t: { id: string }) => t.id).sort()).toEqual([issued.body.id, byDefault.body.id].sort());
    expect(JSON.stringify(listed.body)).not.toContain(issued.body.token);
    const revoked = await call('DELETE', `/users/${user.id}/tokens/${issued.body.id}`, { token: writer });
    expect(revoked.body.revokedAt).not.toBeNull();
    expect((await call('GET', '/contracts', { token: issued.body.token })).status).toBe(401);
  });

  it('refuse an expired token', async () => {
    const user = await newUser();
    const issued = await issueToken(user.id);
    await stack.db.apiToken.update({ where: { id: issued.body.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await call('GET', '/contracts', { token: issued.body.token })).status).toBe(401);
  });

  it('deactivated: their tokens stop, nobody acts for them, no new contract names them; their open contract runs on', async () => {
    const actor = (await platform.key(['contracts:act'])).key;
    const client = await newUser();
    const freelancer = await newUser();
    const [clientToken, freelancerToken] = await Promise.all([issueToken(client.id), issueToken(freelancer.id)]).then((r) => r.map((x) => x.body.token));
    const id = await createContract(stack.baseUrl, clientToken!, { id: freelancer.id, token: freelancerToken! }, [5000, 6000]);
    const off = await call('POST', `/users/${freelancer.id}/deactivate`, { token: writer });
    expect(off.body).toMatchObject({ status: 'deactivated', deactivatedAt: expect.any(String) });
    // Their own token, and a key acting for them, are refused.
    expect((await call('GET', '/contracts', { token: freelancerToken })).status).toBe(401);
    const forThem = await call('GET', '/contracts', { token: actor, headers: { 'on-behalf-of': freelancer.id } });
    expect([forThem.status, forThem.body.code]).toEqual([403, 'USER_DEACTIVATED']);
    expect((await issueToken(freelancer.id)).body.code).toBe('USER_DEACTIVATED');
    // The client can still act on the open contract: the funded milestone is released to the deactivated freelancer.
    const milestoneId = (await call('GET', `/contracts/${id}`, { token: clientToken })).body.milestones[0].id;
    const released = await call('POST', `/contracts/${id}/milestones/${milestoneId}/release`, { token: clientToken, body: {} });
    expect(released.status, JSON.stringify(released.body)).toBe(200);
    // No new contract can name them: the same answer as for an id that names nobody.
    const named = await call('POST', '/contracts', { token: clientToken, body: { title: 'Again', freelancerId: freelancer.id, milestones: [{ title: 'Kick-off', amountCents: 5000 }] } });
    const nobody = await call('POST', '/contracts', { token: clientToken, body: { title: 'Again', freelancerId: crypto.randomUUID(), milestones: [{ title: 'Kick-off', amountCents: 5000 }] } });
    expect([named.status, named.body.code, named.body.detail]).toEqual([422, 'FREELANCER_NOT_FOUND', nobody.body.detail]);
  });
});

describe('listing and reactivating users', () => {
  it('a key lists its own platform\'s users, newest first, page by page; another platform\'s key sees none of them', async () => {
    const other = await newPlatform(stack.db);
    const ours = [await newUser(), await newUser(), await newUser()];
    const page = async (token: string, q: string) => (await call('GET', `/users?${q}`, { token })).body;

    const first = await page(writer, 'limit=2');
    const second = await page(writer, `limit=2&startingAfter=${first.nextCursor}`);
    const theirs = await page((await other.key(['users:read'])).key, 'limit=100');

    expect(first.data.map((u: { id: string }) => u.id)).toEqual([ours[2].id, ours[1].id]);
    expect(second.data[0].id).toBe(ours[0].id);
    expect(first.hasMore).toBe(true);
    expect(theirs.data.map((u: { id: string }) => u.id)).not.toContain(ours[0].id);
    expect((await call('GET', `/users?startingAfter=${ours[0].id}`, { token: (await other.key(['users:read'])).key })).status).toBe(404);
  });

  it('a reactivated user may act again, with new tokens only: those issued before the deactivation stay refused', async () => {
    const user = await newUser();
    const before = (await issueToken(user.id)).body.token;
    await call('POST', `/users/${user.id}/deactivate`, { token: writer, body: {} });
    const listed = (await call('GET', '/users?status=deactivated&limit=100', { token: writer })).body.data.map((u: { id: string }) => u.id);

    const back = await call('POST', `/users/${user.id}/reactivate`, { token: writer, body: {} });
    const after = (await issueToken(user.id)).body.token;

    expect(listed).toContain(user.id);
    expect(back.body).toMatchObject({ id: user.id, status: 'active' });
    expect((await call('GET', '/contracts', { token: before })).status).toBe(401);
    expect((await call('GET', '/contracts', { token: after })).status).toBe(200);
  });
});

describe('refusals tell a caller nothing it may not know', () => {
  it('a key reading another platform\'s user gets the 404 of an id that names nobody', async () => {
    const other = await newPlatform(stack.db);
    const outsider = await other.member();
    const theirs = await call('GET', `/users/${outsider.id}`, { token: writer });
    const nobody = await call('GET', `/users/${crypto.randomUUID()}`, { token: writer });
    expect([theirs.status, theirs.body.code, theirs.body.title]).toEqual([404, 'NOT_FOUND', nobody.body.title]);
    for (const [method, path] of [['POST', `/users/${outsider.id}/deactivate`], ['POST', `/users/${outsider.id}/tokens`], ['GET', `/users/${outsider.id}/tokens`]]) {
      expect((await call(method!, path!, { token: writer, ...(method === 'POST' ? { body: {} } : {}), key: null })).status).toBe(404);
    }
    expect((await stack.db.user.findUniqueOrThrow({ where: { id: outsider.id } })).deactivatedAt).toBeNull();
  });

  it('a client naming a freelancer gets one answer for nobody, an operator, a deactivated user and another platform\'s user', async () => {
    const client = await platform.member('Client');
    const other = await newPlatform(stack.db);
    const [outsider, operator, gone] = await Promise.all([other.member(), newOperator(stack.db), platform.member('Gone')]);
    await stack.db.user.update({ where: { id: gone.id }, data: { deactivatedAt: new Date() } });
    const answers = [];
    for (const freelancerId of [crypto.randomUUID(), operator.id, gone.id, outsider.id]) {
      const res = await call('POST', '/contracts', { token: client.token, body: { title: 'Probe', freelancerId, milestones: [{ title: 'Kick-off', amountCents: 5000 }] } });
      answers.push([res.status, res.body.code, res.body.title, res.body.detail]);
    }
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    expect(answers[0]!.slice(0, 2)).toEqual([422, 'FREELANCER_NOT_FOUND']);
  });

  it('a member calling the users API is told only that it is an operator\'s (or a key\'s) route', async () => {
    const member = await platform.member();
    const res = await call('GET', `/users/${member.id}`, { token: member.token });
    expect([res.status, res.body.code]).toEqual([403, 'OPERATOR_ONLY']);
  });
});
