// A key belongs to its first request for good, on the real stack: past its 24 hours the same key is
// refused (never a 200 that did nothing), another request under it is refused as ever, and the
// answer sweep's Schedule deletes the stored answers past their life while keeping the keys.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Prisma } from '../../generated/prisma/client.js';
import { ANSWER_POLICY } from '../../domain/answer-policy.js';
import { ensureAnswerSweepSchedule } from '../../worker/answer-sweep-schedule.js';
import type { AnswerSweepResult } from '../../workflows/answer-sweep.js';
import { createContract, http } from '../support/http.js';
import { newParties, type Stack } from '../support/stack.js';
import { stackPerFile } from '../support/file-stack.js';

let stack: Stack;
let call: ReturnType<typeof http>;
stackPerFile((s, c) => {
  [stack, call] = [s, c];
}, { cleanup: (s) => s.client.schedule.getHandle(`answer-sweep-${s.taskQueue}`).delete() });

const DAY_AND_HOUR_MS = 25 * 3_600_000;
/** Makes a key look as if its first request came 25 hours ago. */
const age = (userId: string, key: string) =>
  stack.db.idempotencyKey.updateMany({ where: { userId, key }, data: { createdAt: new Date(Date.now() - DAY_AND_HOUR_MS) } });

describe('Idempotency-Keys bound for good', () => {
  it('funding again with a key past its 24 hours is refused with IDEMPOTENCY_KEY_EXPIRED, and nothing moves', async () => {
    const p = await newParties(stack);
    const id = await createContract(stack.baseUrl, p.client.token, p.freelancer, [1000, 2000, 3000]);
    const key = randomUUID();
    const fund = () => call('POST', `/contracts/${id}/fund`, { token: p.client.token, body: {}, key });
    expect((await call('POST', `/contracts/${id}/milestones/m1/release`, { token: p.client.token, body: {} })).status).toBe(200);
    expect((await fund()).status).toBe(200);
    const released = await call('POST', `/contracts/${id}/milestones/m2/release`, { token: p.client.token, body: {} });
    expect(released.status).toBe(200);
    const before = (await call('GET', `/contracts/${id}`, { token: p.client.token, headers: { 'contract-min-seq': released.headers.get('contract-seq')! } })).body;
    await age(p.client.id, key);

    const again = await fund();

    expect(again).toMatchObject({ status: 422, body: { code: 'IDEMPOTENCY_KEY_EXPIRED' } });
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    const after = (await call('GET', `/contracts/${id}`, { token: p.client.token })).body;
    expect(after.balances).toEqual(before.balances);
    expect(after.milestones[2]).toMatchObject({ id: 'm3', state: 'pending', fundedCents: 0 });
  });

  it('R1: creating again with a key past its 24 hours never returns the old contract, with the same body or another freelancer', async () => {
    const p = await newParties(stack);
    const other = await stack.newUser('Other Freelancer');
    const key = randomUUID();
    const create = (freelancerId: string) => call('POST', '/contracts', {
      token: p.client.token, body: { title: 'Site', freelancerId, milestones: [{ title: 'A', amountCents: 500 }] }, key,
    });
    const first = await create(p.freelancer.id);
    await age(p.client.id, key);

    const sameBody = await create(p.freelancer.id);
    const otherFreelancer = await create(other.id);

    expect(first.status).toBe(201);
    expect(sameBody).toMatchObject({ status: 422, body: { code: 'IDEMPOTENCY_KEY_EXPIRED' } });
    expect(otherFreelancer).toMatchObject({ status: 422, body: { code: 'IDEMPOTENCY_KEY_REUSED' } });
    expect(sameBody.headers.get('location')).toBeNull();
    expect(await stack.db.contract.count({ where: { clientId: p.client.id } })).toBe(1);
    expect(await stack.db.contract.count({ where: { freelancerId: other.id } })).toBe(0);
  });

  it('a key whose request met an outage stays bound to it: the same request runs again, another is refused', async () => {
    const p = await newParties(stack);
    const id = await createContract(stack.baseUrl, p.client.token, p.freelancer, [1000, 2000]);
    const key = randomUUID();
    const release = await call('POST', `/contracts/${id}/milestones/m2/release`, { token: p.client.token, body: {}, key });
    expect(release.status).toBe(409); // stored; now make it look like an answer lost to an outage
    await stack.db.idempotencyKey.updateMany({
      where: { userId: p.client.id, key }, data: { state: 'retry', responseStatus: null, responseBody: Prisma.DbNull },
    });

    const other = await call('POST', `/contracts/${id}/fund`, { token: p.client.token, body: {}, key });
    const same = await call('POST', `/contracts/${id}/milestones/m2/release`, { token: p.client.token, body: {}, key });

    expect(other).toMatchObject({ status: 422, body: { code: 'IDEMPOTENCY_KEY_REUSED' } });
    expect(same).toMatchObject({ status: 409, body: { code: 'MILESTONE_NOT_FUNDED' } });
    expect(same.headers.get('idempotent-replayed')).toBeNull();
  });

  it('the answer sweep Schedule deletes stored answers past 24 hours in bounded batches and keeps every key', async () => {
    const p = await newParties(stack);
    const [old, fresh] = [randomUUID(), randomUUID()];
    for (const key of [old, fresh]) {
      const r = await call('POST', '/contracts', { token: p.client.token, body: { title: 'Site', freelancerId: p.freelancer.id, milestones: [{ title: 'Kick-off', amountCents: 5000 }] }, key });
      expect(r.status).toBe(201);
    }
    await age(p.client.id, old);

    const scheduleId = await ensureAnswerSweepSchedule(stack.client, stack.taskQueue);
    expect(await ensureAnswerSweepSchedule(stack.client, stack.taskQueue)).toBe(scheduleId); // a restarted worker updates it
    const schedule = stack.client.schedule.getHandle(scheduleId);
    expect((await schedule.describe()).spec.intervals).toMatchObject([{ every: ANSWER_POLICY.sweepEveryMs }]);
    await schedule.trigger();
    let workflowId: string | undefined;
    await expect.poll(async () => (workflowId = (await schedule.describe()).info.recentActions[0]?.action.workflow.workflowId)).toBeDefined();
    const result = await stack.client.workflow.getHandle(workflowId!).result() as AnswerSweepResult;

    expect(result.deleted).toBeGreaterThanOrEqual(1);
    const rows = await stack.db.idempotencyKey.findMany({ where: { userId: p.client.id } });
    const byKey = new Map(rows.map((r) => [r.key, r]));
    expect(byKey.get(old)).toMatchObject({ state: 'expired', responseStatus: null, responseBody: null });
    expect(byKey.get(fresh)).toMatchObject({ state: 'done', responseStatus: 201 });
    const again = await call('POST', '/contracts', { token: p.client.token, body: { title: 'Site', freelancerId: p.freelancer.id, milestones: [{ title: 'Kick-off', amountCents: 5000 }] }, key: old });
    expect(again).toMatchObject({ status: 422, body: { code: 'IDEMPOTENCY_KEY_EXPIRED' } });
  });
});
