// A command's answer is built from its Update's result and the rows at the seq it started from, not read
// after the projection's write: it must be, byte for byte, the contract a read returns once the read model
// holds the answer's seq. One contract through every kind of command in the story, each answer compared
// with the GET (Contract-Min-Seq) that follows it. Real stack.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueUser, type IssuedUser } from '../../api/users.js';
import { newParties, startStack, type Stack } from '../support/stack.js';

let stack: Stack;
let operator: IssuedUser;
beforeAll(async () => {
  stack = await startStack();
  operator = await issueUser(stack.db, { email: `${randomUUID()}@example.test`, name: 'Olga Operator', role: 'operator' });
});
afterAll(async () => {
  await stack?.stop();
});

interface Raw {
  status: number;
  seq: string | null;
  text: string;
}

/** The raw bytes of an answer: a comparison of parsed bodies would hide a difference in key order. */
async function raw(method: 'GET' | 'POST', path: string, token: string, body?: unknown, headers: Record<string, string> = {}): Promise<Raw> {
  const res = await fetch(`${stack.baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`, ...headers,
      ...(method === 'POST' ? { 'content-type': 'application/json', 'idempotency-key': randomUUID() } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(20_000),
  });
  return { status: res.status, seq: res.headers.get('contract-seq'), text: await res.text() };
}

describe('a command answered from its Update', () => {
  it('every command of the story answers exactly the contract a read at its seq returns', async () => {
    const p = await newParties(stack);
    const compared: string[] = [];
    let id = '';
    /** Sends a command and reads the contract at the answer's seq; the answer's contract must be the read's bytes. */
    const step = async (name: string, path: string, body: unknown, who: IssuedUser = p.client, read: (seq: string) => Promise<Raw> = (seq) =>
      raw('GET', `/contracts/${id}`, who.token, undefined, { 'contract-min-seq': seq })) => {
      const answer = await raw('POST', path, who.token, body);
      expect(answer.status, `${name}: ${answer.text}`).toBeLessThan(300);
      const after = await read(answer.seq!);
      expect(after.status).toBe(200);
      expect(after.seq, name).toBe(answer.seq);
      // The answer is {"contract":<the contract>, …}: the contract's bytes are the read's.
      const contract = answer.text.slice('{"contract":'.length, '{"contract":'.length + after.text.length);
      expect(answer.text.startsWith('{"contract":'), name).toBe(true);
      expect(contract, name).toBe(after.text);
      expect(['}', ','], name).toContain(answer.text['{"contract":'.length + after.text.length]);
      compared.push(name);
      return JSON.parse(answer.text) as {
        contract: { balances: { escrowCents: number }; pendingChangeRequest: { version: number } | null };
        requestId?: string;
      };
    };
    const c = (path: string) => `/contracts/${id}${path}`;

    // R30: an offer of its first milestone, deposited at the create; accepting it is the first command compared.
    const created = await raw('POST', '/contracts', p.client.token, { title: 'Brand "refresh" — ünïcode', freelancerId: p.freelancer.id,
      milestones: [{ title: 'Logo', description: 'Three **sketches**\nand a mark', dueDate: '2031-02-03', amountCents: 1000 }] });
    expect(created.status).toBe(201);
    id = (JSON.parse(created.text) as { id: string }).id;

    await step('accept offer', c('/offer/accept'), { version: 1 }, p.freelancer);
    await step('add', c('/milestones/batch'), { ops: [
      { op: 'add', title: 'Site', amountCents: 2000 },
      { op: 'add', title: 'Print', description: 'Cards', amountCents: 3000 },
    ] });
    await step('edit', c('/milestones/batch'), { ops: [{ op: 'edit', milestoneId: 'm2', patch: { title: 'Website', description: 'Five pages', dueDate: null } }] });
    await step('reorder', c('/milestones/batch'), { ops: [{ op: 'reorder', order: ['m3', 'm2'] }, { op: 'delete', milestoneId: 'm2' },
      { op: 'add', ref: 'x', title: 'Extra', amountCents: 500 }] });
    const cr = await step('request change', c('/change-requests'), { milestoneId: 'm1', changes: { title: 'Logo run', amountCents: 3500 } });
    const edited = await step('edit change', c(`/change-requests/${cr.requestId}`), { changes: { title: 'Logo run 2', amountCents: 3400 } });
    await step('approve', c(`/change-requests/${cr.requestId}/approve`), { version: edited.contract.pendingChangeRequest!.version }, p.freelancer);
    await step('fund (top-up)', c('/fund'), {});
    const cr2 = await step('request change 2', c('/change-requests'), { milestoneId: 'm1', changes: { description: 'Matte' } });
    await step('reject', c(`/change-requests/${cr2.requestId}/reject`), { version: 0 }, p.freelancer);
    await step('submit', c('/milestones/m1/submit'), {}, p.freelancer);
    await step('revisions', c('/milestones/m1/request-revisions'), { message: 'Darker blue' });
    await step('release (partial)', c('/milestones/m1/release'), { amountCents: 1200 });
    const proposal = await step('propose', c('/proposals'), { ops: [{ op: 'add', title: 'Stickers', description: 'Round', amountCents: 700 },
      { op: 'edit', milestoneId: 'm3', patch: { title: 'Print v2' } }] }, p.freelancer);
    await step('accept proposal', c(`/proposals/${proposal.requestId}/accept`), { version: 0 });
    await step('fund (next)', c('/fund'), {});
    const refund = await step('refund request', c('/milestones/m3/refund-requests'), { amountCents: 300, reason: 'Scope cut' });
    await step('refund consent', c(`/milestones/m3/refund-requests/${refund.requestId}/accept`), {}, p.freelancer);
    await step('submit (next)', c('/milestones/m3/submit'), {}, p.freelancer);
    const dispute = await step('dispute', c('/milestones/m3/disputes'), { reason: 'Half of it was delivered' }, p.freelancer);
    await step('resolve dispute (operator)', `/operator/contracts/${id}/milestones/m3/disputes/${dispute.requestId}/resolve`,
      { outcome: 'split', releaseCents: 200, refundCents: dispute.contract.balances.escrowCents - 200, reason: 'Most of the scope' }, operator,
      (seq) => raw('GET', `/operator/contracts/${id}`, operator.token, undefined, { 'contract-min-seq': seq }));
    await step('end', c('/end'), {});

    expect(compared).toHaveLength(22);
  }, 120_000);
});
