// The walking skeleton over HTTP: API → contract workflow (real dev server) → Prisma activity → PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractWorkflowId } from '../../domain/names.js';
import { startStack, type Stack } from '../support/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

const call = (path: string, init: { token?: string; method?: string; body?: unknown; key?: string } = {}) =>
  fetch(`${stack.baseUrl}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: {
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(init.key ? { 'idempotency-key': init.key } : {}),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });

describe('walking skeleton', () => {
  it('answers /healthz and /readyz', async () => {
    expect((await call('/healthz')).status).toBe(200);
    const ready = await call('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ok', postgres: 'ok', temporal: 'ok' });
  });

  it('R1: POST /contracts starts contract-<id>, persists it, and GET reads it back from PostgreSQL', async () => {
    const client = await stack.newUser('Client');
    const freelancer = await stack.newUser('Freelancer');

    const created = await call('/contracts', { token: client.token, body: { title: 'Logo design', freelancerId: freelancer.id } });

    expect(created.status).toBe(201);
    const contract = (await created.json()) as { id: string; status: string };
    expect(contract.status).toBe('open');
    const row = await stack.db.contract.findUniqueOrThrow({ where: { id: contract.id } });
    expect(row).toMatchObject({ clientId: client.id, freelancerId: freelancer.id, title: 'Logo design', status: 'open' });
    const description = await stack.client.workflow.getHandle(contractWorkflowId(contract.id)).describe();
    expect(description.type).toBe('contractWorkflow');
    for (const token of [client.token, freelancer.token]) {
      const read = await call(`/contracts/${contract.id}`, { token });
      expect(read.status).toBe(200);
      expect(await read.json()).toMatchObject({ id: contract.id, title: 'Logo design' });
    }
  });

  it('R1: a contract whose client and freelancer are the same party is refused with the rule', async () => {
    const client = await stack.newUser();

    const res = await call('/contracts', { token: client.token, body: { title: 'Self deal', freelancerId: client.id } });

    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(await res.json()).toMatchObject({ code: 'SAME_PARTY', rule: 'R1', status: 422 });
  });

  it('hides a contract from anyone who is not a party (404), and refuses missing or bad tokens (401)', async () => {
    const [client, freelancer, stranger] = await Promise.all([stack.newUser(), stack.newUser(), stack.newUser()]);
    const created = await call('/contracts', { token: client.token, body: { title: 'Private', freelancerId: freelancer.id } });
    const { id } = (await created.json()) as { id: string };

    expect((await call(`/contracts/${id}`, { token: stranger.token })).status).toBe(404);
    expect((await call(`/contracts/${id}`)).status).toBe(401);
    expect((await call(`/contracts/${id}`, { token: 'mc_not_a_token' })).status).toBe(401);
  });

  it('rejects a malformed body with field errors and persists nothing', async () => {
    const client = await stack.newUser();
    const before = await stack.db.contract.count({ where: { clientId: client.id } });

    const res = await call('/contracts', { token: client.token, body: { title: '', freelancerId: 'x', extra: 1 } });

    expect(res.status).toBe(400);
    const problem = (await res.json()) as { code: string; errors: { path: string }[] };
    expect(problem.code).toBe('INVALID_REQUEST');
    expect(problem.errors.map((e) => e.path)).toEqual(expect.arrayContaining(['title']));
    expect(await stack.db.contract.count({ where: { clientId: client.id } })).toBe(before);
  });
});
