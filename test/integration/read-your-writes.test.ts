// Read-your-writes over the projection: a contract's commands are answered first and stored just behind,
// so every answer names the `seq` it includes (Contract-Seq) and a read that names one (Contract-Min-Seq or
// ?minSeq=) waits for it, bounded; the typed client sends back what it was answered. Real stack.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idempotent } from '../../api/client/index.js';
import { api, http } from '../support/http.js';
import { newParties, startStack, type Stack } from '../support/stack.js';

let stack: Stack;
let call: ReturnType<typeof http>;
beforeAll(async () => {
  stack = await startStack();
  call = http(stack.baseUrl);
});
afterAll(async () => {
  await stack?.stop();
});

describe('read your own writes', () => {
  it('every answer about a contract carries Contract-Seq, and the contract it returns includes that seq', async () => {
    const p = await newParties(stack);
    const offer = { title: 'Logo', freelancerId: p.freelancer.id, milestones: [{ title: 'Sketches', amountCents: 5000 }] };
    const created = await call('POST', '/contracts', { token: p.client.token, body: offer }); // an offer, its first milestone deposited (R30)
    const id = created.body.id as string;
    const accepted = await call('POST', `/contracts/${id}/offer/accept`, { token: p.freelancer.token, body: { version: 1 } });
    const planned = await call('POST', `/contracts/${id}/milestones/batch`, { token: p.client.token, body: { ops: [{ op: 'add', title: 'Final', amountCents: 5000 }] } });
    // The answer does not wait for the projection: a read names the seq it must include.
    const seen = { 'contract-min-seq': planned.headers.get('contract-seq')! };
    const read = await call('GET', `/contracts/${id}`, { token: p.freelancer.token, headers: seen });
    const history = await call('GET', `/contracts/${id}/history`, { token: p.freelancer.token, headers: seen });

    expect([created.status, accepted.status, planned.status]).toEqual([201, 200, 200]);
    expect([created, accepted, planned, read, history].map((r) => r.headers.get('contract-seq'))).toEqual(['1', '2', '3', '3', '3']);
    expect(accepted.body.contract.milestones[0]).toMatchObject({ title: 'Sketches', state: 'active', fundedCents: 5000 });
    expect(history.body.data.map((e: { seq: number }) => e.seq)).toEqual([1, 2, 3]);
  });

  it('a read that names a seq the contract does not have yet waits, bounded, then answers 503 PROJECTION_BEHIND with Retry-After; a malformed one is 400', async () => {
    const p = await newParties(stack);
    const offer = { title: 'Logo', freelancerId: p.freelancer.id, milestones: [{ title: 'Sketches', amountCents: 5000 }] };
    const id = (await call('POST', '/contracts', { token: p.client.token, body: offer })).body.id as string;

    const at = await call('GET', `/contracts/${id}`, { token: p.client.token, headers: { 'contract-min-seq': '1' } });
    const started = performance.now();
    const ahead = await call('GET', `/contracts/${id}?minSeq=2`, { token: p.client.token });
    const waitedMs = performance.now() - started;
    const bothNamed = await call('GET', `/contracts/${id}/history?minSeq=1`, { token: p.client.token, headers: { 'contract-min-seq': '2' } });
    const malformed = await call('GET', `/contracts/${id}`, { token: p.client.token, headers: { 'contract-min-seq': 'soon' } });
    const stranger = await call('GET', `/contracts/${id}?minSeq=2`, { token: (await stack.newUser('Stranger')).token });

    expect(at.status).toBe(200);
    expect([ahead.status, ahead.body.code]).toEqual([503, 'PROJECTION_BEHIND']);
    expect(ahead.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(waitedMs).toBeGreaterThanOrEqual(4_500); // it waited its bound (5 s) for the seq…
    expect(waitedMs).toBeLessThan(10_000); // …and no longer
    expect(bothNamed.status).toBe(503); // the higher of the two counts
    expect([malformed.status, malformed.body.code]).toEqual([400, 'INVALID_REQUEST']);
    expect(stranger.status).toBe(404); // not a party: answered at once, whatever the seq
  }, 30_000);

  it('the typed client remembers the seq each contract answered and sends it back on that contract\'s reads', async () => {
    const p = await newParties(stack);
    const sent: (string | null)[] = [];
    const client = api(stack.baseUrl, p.client.token);
    client.use({ onRequest({ request }) { if (request.method === 'GET') sent.push(request.headers.get('contract-min-seq')); return request; } });
    // An offer (R30): the create is the contract's first command, its answer names seq 1.
    const id = (await client.POST('/contracts', {
      params: { header: idempotent() }, body: { title: 'Logo', freelancerId: p.freelancer.id, milestones: [{ title: 'A', amountCents: 5000 }] },
    })).data!.id;
    const read = await client.GET('/contracts/{id}', { params: { path: { id } } });
    const other = await client.GET('/contracts', { params: { query: {} } });

    expect(read.data!.milestones.map((m) => m.title)).toEqual(['A']);
    expect(other.response.status).toBe(200);
    expect(sent).toEqual(['1', null]); // the list names no one contract
  });
});
