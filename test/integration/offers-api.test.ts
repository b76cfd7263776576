// R30 over HTTP against the real stack: a contract starts as an offer; the freelancer accepts the version
// they saw or declines; the client edits or withdraws; nothing else happens before acceptance; both parties
// are told at every step, the books balance, and the history names who accepted when.
import { describe, expect, it } from 'vitest';
import { idempotent } from '../../api/client/index.js';
import { api, sendOffer } from '../support/http.js';
import { expectBooksBalanced } from '../support/ledger.js';
import { newPlatform } from '../support/platform.js';
import { newParties, type Parties, type Stack } from '../support/stack.js';
import { stackPerFile } from '../support/file-stack.js';
import type { http } from '../support/http.js';

let stack: Stack;
let call: ReturnType<typeof http>;
stackPerFile((s, c) => {
  [stack, call] = [s, c];
});

const offerTo = (p: Parties, amounts = [5000, 8000], opts: { expiresInDays?: number } = {}) =>
  sendOffer(stack.baseUrl, p.client.token, p.freelancer.id, amounts, opts);
const inbox = async (token: string) => (await call('GET', '/messages?limit=100', { token })).body.data.map((m: { subject: string }) => m.subject);

describe('offers over HTTP', () => {
  it('R30, R7, R9, R24: an offer deposits its first milestone and fee; nothing else happens until the freelancer accepts the version they saw', async () => {
    const p = await newParties(stack);
    const id = await offerTo(p);
    const c = (path: string, body: unknown = {}, token = p.client.token) => call('POST', `/contracts/${id}${path}`, { token, body });

    const seen = await call('GET', `/contracts/${id}`, { token: p.freelancer.token });
    expect(seen.body).toMatchObject({ status: 'offered', offer: { version: 1, state: 'pending', decidedAt: null } });
    expect(seen.body.balances).toMatchObject({ depositsCents: 5495, feesCents: 495, escrowCents: 5000 });
    const early = await c('/milestones/m1/submit', {}, p.freelancer.token);
    expect([early.status, early.body.code, early.body.rule]).toEqual([409, 'OFFER_NOT_ACCEPTED', 'R30']);
    expect(early.headers.get('content-type')).toContain('application/problem+json');
    expect((await c('/fund')).body.code).toBe('OFFER_NOT_ACCEPTED');

    const edited = await c('/offer', { milestones: [{ title: 'Design', amountCents: 6000 }, { title: 'Build', amountCents: 8000 }], expiresInDays: 3 });
    expect(edited.body.contract.offer.version).toBe(2);
    expect(edited.body.contract.balances).toMatchObject({ depositsCents: 6495, escrowCents: 6000 });
    const stale = await c('/offer/accept', { version: 1 }, p.freelancer.token);
    expect([stale.status, stale.body.code, stale.body.currentVersion]).toEqual([409, 'OFFER_CHANGED', 2]);
    const byClient = await c('/offer/accept', { version: 2 });
    expect([byClient.status, byClient.body.code]).toEqual([403, 'FORBIDDEN_FOR_ROLE']);
    const stranger = await c('/offer/accept', { version: 2 }, p.stranger.token);
    expect(stranger.status).toBe(404);
    const accepted = await c('/offer/accept', { version: 2 }, p.freelancer.token);

    expect(accepted.status).toBe(200);
    expect(accepted.body.contract).toMatchObject({ status: 'open', offer: { state: 'accepted', decidedBy: p.freelancer.id } });
    expect(accepted.body.contract.milestones[0]).toMatchObject({ title: 'Design', state: 'active', fundedCents: 6000 });
    const submitted = await c(`/milestones/${accepted.body.contract.milestones[0].id}/submit`, {}, p.freelancer.token);
    expect(submitted.status).toBe(200);
    // The answer does not wait for the projection: the read names the seq it must include.
    const history = await call('GET', `/contracts/${id}/history`, { token: p.client.token, headers: { 'contract-min-seq': submitted.headers.get('contract-seq')! } });
    expect(history.body.data.map((e: { command: string; actor: string }) => [e.command, e.actor])).toEqual([
      ['sendOffer', p.client.id], ['editOffer', p.client.id], ['acceptOffer', p.freelancer.id], ['submitWork', p.freelancer.id],
    ]);
    expect(history.body.data[2].at).toBe(accepted.body.contract.offer.decidedAt);
    for (const token of [p.client.token, p.freelancer.token]) {
      await expect.poll(() => inbox(token)).toEqual(expect.arrayContaining([
        expect.stringContaining('An offer was sent'), expect.stringContaining('The offer was edited'), expect.stringContaining('The offer was accepted'),
      ]));
    }
    await expectBooksBalanced(stack.db, id);
  });

  it('R30, R10: a decline and a withdrawal each return everything deposited, fee included; the books balance', async () => {
    const p = await newParties(stack);
    const declinedId = await offerTo(p);
    const withdrawnId = await offerTo(p, [700]);

    const declined = await call('POST', `/contracts/${declinedId}/offer/decline`, { token: p.freelancer.token, body: { version: 1 } });
    const withdrawn = await call('POST', `/contracts/${withdrawnId}/offer/withdraw`, { token: p.client.token, body: {} });
    const byFreelancer = await call('POST', `/contracts/${declinedId}/offer/withdraw`, { token: p.freelancer.token, body: {} });

    expect(declined.body.contract).toMatchObject({ status: 'ended', offer: { state: 'declined' }, balances: { refundsCents: 5495, feesCents: 0, escrowCents: 0 } });
    expect(withdrawn.body.contract).toMatchObject({ status: 'ended', offer: { state: 'withdrawn' }, balances: { refundsCents: 1195, feesCents: 0 } });
    expect([byFreelancer.status, byFreelancer.body.code, byFreelancer.body.offerState]).toEqual([409, 'OFFER_CLOSED', 'declined']);
    const late = await call('POST', `/contracts/${withdrawnId}/offer/accept`, { token: p.freelancer.token, body: { version: 1 } });
    expect([late.status, late.body.code, late.body.rule, late.body.offerState]).toEqual([409, 'OFFER_CLOSED', 'R30', 'withdrawn']);
    expect((await expectBooksBalanced(stack.db, declinedId)).refunds).toBe(5495);
    expect((await expectBooksBalanced(stack.db, withdrawnId)).refunds).toBe(1195);
    await expect.poll(() => inbox(p.client.token)).toEqual(expect.arrayContaining([
      expect.stringContaining('The offer was declined'), expect.stringContaining('The offer was withdrawn'),
    ]));
    await expect.poll(() => inbox(p.freelancer.token)).toEqual(expect.arrayContaining([expect.stringContaining('The offer was withdrawn')]));
  });

  it('R30: an offer\'s expiry is 1 to 30 days, refused by the rule at the boundary; an offer names its milestones', async () => {
    const p = await newParties(stack);
    const send = (body: object) => call('POST', '/contracts', { token: p.client.token, body: { title: 'Site', freelancerId: p.freelancer.id, ...body } });

    const tooLong = await send({ milestones: [{ title: 'A', amountCents: 500 }], expiresInDays: 31 });
    const none = await send({});
    const ok = await send({ milestones: [{ title: 'A', amountCents: 500 }], expiresInDays: 30 });

    expect([tooLong.status, tooLong.body.code, tooLong.body.rule]).toEqual([422, 'INVALID_OFFER_EXPIRY', 'R30']);
    expect(none.status).toBe(400);
    expect(ok.status).toBe(201);
    expect(Date.parse(ok.body.offer.expiresAt) - Date.parse(ok.body.offer.sentAt)).toBe(30 * 24 * 3600 * 1000);
  });

  it('R30: a platform key acts for each party: the client\'s offer and the freelancer\'s acceptance, each named in the history', async () => {
    const platform = await newPlatform(stack.db);
    const [client, freelancer, k] = await Promise.all([platform.member('Client'), platform.member('Freelancer'), platform.key(['contracts:act'])]);
    const asClient = api(stack.baseUrl, k.key, client.id);
    const asFreelancer = api(stack.baseUrl, k.key, freelancer.id);

    const sent = await asClient.POST('/contracts', {
      params: { header: idempotent() }, body: { title: 'Typed', freelancerId: freelancer.id, milestones: [{ title: 'Logo', amountCents: 900 }] },
    });
    const id = sent.data!.id;
    const refused = await asClient.POST('/contracts/{id}/offer/accept', { params: { path: { id }, header: idempotent() }, body: { version: 1 } });
    const accepted = await asFreelancer.POST('/contracts/{id}/offer/accept', { params: { path: { id }, header: idempotent() }, body: { version: 1 } });

    expect(refused.response.status).toBe(403);
    expect(accepted.data?.contract.status).toBe('open');
    const history = await asFreelancer.GET('/contracts/{id}/history', { params: { path: { id } } });
    expect(history.data?.data.map((e) => e.actor)).toEqual([`platform:${k.id} for ${client.id}`, `platform:${k.id} for ${freelancer.id}`]);
  });
});
