// R29's transactional outbox against real PostgreSQL: a transition's events and deliveries are written in
// its own transaction, only for subscribed endpoints of the contract's parties, and never twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../db/client.js';
import { webhookEventId } from '../../domain/webhook-events.js';
import { shared } from '../support/context.js';
import { DirectContract } from '../support/direct-contract.js';

describe('the outbox in the transition transaction (R29)', () => {
  let db: Db;
  beforeAll(() => {
    db = createDb(shared('databaseUrl'));
  });
  afterAll(async () => {
    await db?.$disconnect();
  });

  it('R29: events and deliveries are written with the transition; a retried persistence writes none twice', async () => {
    const c = await DirectContract.create(db);
    const endpoint = (id: string, owner: string, more: object) =>
      db.webhookEndpoint.create({
        data: { id, ownerId: owner, url: 'https://example.com/h', secret: 'sealed-in-production', eventTypes: ['*'], ...more },
      });
    const tag = c.id.slice(0, 8);
    await endpoint(`we-a-${tag}`, c.client.id, { contractId: c.id });
    await endpoint(`we-b-${tag}`, c.freelancer.id, { eventTypes: ['money.fee'] });
    await endpoint(`we-c-${tag}`, c.client.id, { contractId: c.id, status: 'disabled' });
    await endpoint(`we-d-${tag}`, 'someone-else', {});

    await c.send({ type: 'savePlan', ops: [{ op: 'add', title: 'A', amountCents: 1000 }] });
    await c.send({ type: 'fundMilestone' });
    await c.persist(c.records.at(-1)!); // the activity retried after its commit

    const events = await db.webhookEvent.findMany({
      where: { contractId: c.id },
      orderBy: [{ seq: 'asc' }, { index: 'asc' }],
    });
    const rows = await db.webhookDelivery.findMany({ where: { event: { contractId: c.id } } });
    const ledger = await db.ledgerEntry.count({ where: { contractId: c.id } });
    expect(events.map((e) => e.id)).toEqual(events.map((e) => webhookEventId(c.id, e.seq, e.index)));
    expect(events.filter((e) => e.type.startsWith('money.'))).toHaveLength(ledger);
    const by = (id: string) => rows.filter((r) => r.endpointId === id).length;
    expect([by(`we-a-${tag}`), by(`we-b-${tag}`), by(`we-c-${tag}`), by(`we-d-${tag}`)]).toEqual([
      events.length,
      1,
      0,
      0,
    ]);
  });
});
