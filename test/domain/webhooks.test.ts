// R29's pure parts and the SSRF guard: event derivation, target and address checks, the DNS check in the
// socket's lookup (against a real local server), and the delivery schedule's arithmetic.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson } from '../../webhooks/http.js';
import { addressRefusal, guardedLookup, targetRefusal } from '../../webhooks/target.js';
import { webhookEvents, webhookEventId } from '../../domain/webhook-events.js';
import { DELIVERY_SCHEDULE, retryDelayMs } from '../../domain/webhook-schedule.js';
import { webhookDeliveryFromWorkflowId, webhookDeliveryWorkflowId } from '../../domain/names.js';
import type { Notice } from '../../domain/events.js';

const contract = {
  id: 'c1',
  title: 'Site',
  status: 'open' as const,
  clientId: 'u1',
  freelancerId: 'u2',
  balances: {
    depositsCents: 0,
    feesCents: 0,
    releasesCents: 0,
    refundsCents: 0,
    escrowCents: 0,
    projectFundsCents: 0,
  },
};
const notice = (role: 'client' | 'freelancer', n: number): Notice => ({
  key: `c1:7:notice:${n}`,
  recipientId: role === 'client' ? 'u1' : 'u2',
  recipientRole: role,
  event: 'contract_ended',
  contractId: 'c1',
  contractTitle: 'Site',
  milestoneId: null,
  milestoneTitle: null,
  changes: [],
  diff: null,
  amountCents: null,
});

describe('webhook events (R29)', () => {
  it('R29: ids come from contract, seq and index; money first; a notice to both parties is one event naming both', () => {
    const src = {
      contractId: 'c1',
      seq: 7,
      actorId: 'u1',
      at: '2026-01-01T00:00:00.000Z',
      contract,
      ledger: [{ key: 'c1:7:refund:-', kind: 'refund' as const, amountCents: 500, milestoneId: null }],
      notices: [notice('client', 0), notice('freelancer', 1)],
    };

    const events = webhookEvents(src);

    expect(events.map((e) => [e.id, e.type])).toEqual([
      ['evt_c1_7_0', 'money.refund'],
      ['evt_c1_7_1', 'contract.contract_ended'],
    ]);
    expect(events[1]!.data).toMatchObject({ notified: ['client', 'freelancer'], actorId: 'u1' });
    expect(events[1]!.data).not.toHaveProperty('via');
    expect(webhookEvents(src)).toEqual(events); // a retry derives the same events
    expect(webhookEventId('c1', 7, 1)).toBe(events[1]!.id);
    const workflowId = webhookDeliveryWorkflowId('we_1b2c-3d', 'evt_my-contract_7_1');
    expect(webhookDeliveryFromWorkflowId(workflowId)).toEqual({ endpointId: 'we_1b2c-3d', eventId: 'evt_my-contract_7_1' });
  });

  it('R29, R30: an event names the platform key that sent its command for the party, and an offer\'s expiry', () => {
    const viaKey = { via: 'platform:pk_1 for u1', expiresAt: '2026-01-08T00:00:00.000Z' };
    const src = {
      contractId: 'c1', seq: 1, actorId: 'u1', at: '2026-01-01T00:00:00.000Z', contract, ledger: [],
      notices: [{ ...notice('client', 0), event: 'offer_sent' as const, ...viaKey }, { ...notice('freelancer', 1), event: 'offer_sent' as const, ...viaKey }],
    };

    const [event] = webhookEvents(src);

    expect(event).toMatchObject({ type: 'contract.offer_sent', data: { notified: ['client', 'freelancer'], ...viaKey } });
  });
});

describe('the SSRF guard (R29)', () => {
  it.each([
    ['https://10.1.2.3/x', true],
    ['https://172.31.0.1/x', true],
    ['https://192.168.0.1/x', true],
    ['https://169.254.169.254/x', true],
    ['https://100.64.0.1/x', true],
    ['https://[fe80::1]/x', true],
    ['https://[fc00::1]/x', true],
    ['https://[::ffff:10.0.0.1]/x', true],
    ['https://127.0.0.1/x', true],
    ['https://localhost/x', true],
    ['http://93.184.216.34/x', true],
    ['ftp://example.com/x', true],
    ['https://93.184.216.34/x', false],
    ['https://example.com/hooks', false],
  ])('R29: %s refused without the development setting: %s', (url, refused) => {
    expect(targetRefusal(url, false) !== null).toBe(refused);
  });

  it('R29: the development setting allows loopback (http too), never private or link-local addresses', () => {
    expect(targetRefusal('http://127.0.0.1:8080/x', true)).toBeNull();
    expect(targetRefusal('http://localhost:8080/x', true)).toBeNull();
    expect(targetRefusal('https://[::1]/x', true)).toBeNull();
    expect(targetRefusal('http://example.com/x', true)).toMatch(/not allowed/);
    expect(addressRefusal('10.0.0.1', true)).toMatch(/private/);
    expect(addressRefusal('169.254.1.1', true)).toMatch(/linkLocal/);
  });

  it('R29: a name is refused when any of its addresses is private (every address is checked)', async () => {
    const lookup = guardedLookup(false, (_host, cb) =>
      cb(null, [
        { address: '93.184.216.34', family: 4 },
        { address: '10.0.0.7', family: 4 },
      ]),
    );
    const err = await new Promise<Error | null>((resolve) => lookup('mixed.example', { all: true }, (e) => resolve(e)));
    expect(err?.message).toMatch(/mixed\.example resolves to 10\.0\.0\.7 is a private address/);

    const ok = guardedLookup(false, (_host, cb) => cb(null, [{ address: '93.184.216.34', family: 4 }]));
    const got = await new Promise<unknown>((resolve) =>
      ok('public.example', { all: false }, (_e, address) => resolve(address)),
    );
    expect(got).toBe('93.184.216.34');
  });

  describe('at delivery time, against a real local server', () => {
    let server: http.Server;
    let hits = 0;
    beforeAll(async () => {
      server = http.createServer((_req, res) => {
        hits += 1;
        res.writeHead(204).end();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('R29: a name resolving to loopback is refused in the socket lookup and the server never sees a request', async () => {
      const url = `http://localhost:${(server.address() as AddressInfo).port}/hooks`;

      const refused = await postJson(url, '{}', {}, { timeoutMs: 2000, allowLoopback: false });
      const allowed = await postJson(url, '{}', {}, { timeoutMs: 2000, allowLoopback: true });

      expect(refused.kind).toBe('refused');
      expect(allowed).toEqual({ kind: 'answered', status: 204, retryAfterMs: null });
      expect(hits).toBe(1);
    });
  });
});

describe('the delivery schedule (R29)', () => {
  it('R29: 5 s, then ×3 up to hourly, for 72 hours: about 75 attempts', () => {
    const s = DELIVERY_SCHEDULE;
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => retryDelayMs(s, n) / 1000)).toEqual([
      5, 15, 45, 135, 405, 1215, 3600, 3600,
    ]);
    let elapsed = 0;
    let attempts = 1;
    while (elapsed + retryDelayMs(s, attempts) <= s.giveUpAfterMs) elapsed += retryDelayMs(s, attempts++);
    expect(attempts).toBeGreaterThan(70);
    expect(attempts).toBeLessThan(80);
  });
});
