// Texts by reference against real PostgreSQL: the workflow sends references and the texts a command brings
// in; persistence stores each text once and writes milestones, requests and notices with the texts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../db/client.js';
import { decide } from '../../domain/commands.js';
import { textRef } from '../../domain/texts.js';
import { transitionRecord } from '../../workflows/records.js';
import { shared } from '../support/context.js';
import { DirectContract } from '../support/direct-contract.js';

let db: Db;
beforeAll(() => {
  db = createDb(shared('databaseUrl'));
});
afterAll(async () => {
  await db?.$disconnect();
});

const payloadOf = async (contractId: string, event: string) =>
  (await db.notification.findFirstOrThrow({ where: { contractId, event }, orderBy: { createdAt: 'desc' } })).payload as Record<string, unknown>;

describe('texts by reference', () => {
  it('R24: milestones, requests and notices are stored with their texts, old → new, though the workflow sent references', async () => {
    const c = await DirectContract.create(db);
    await c.send({ type: 'savePlan', ops: [{ op: 'add', title: 'Logo 😀', description: 'Vector files', amountCents: 1000 }] });
    await c.send({ type: 'fundMilestone' });
    const t = await c.send({ type: 'requestChange', milestoneId: 'm1', patch: { title: 'Logo + icon' }, featureEnabled: true });
    await c.resolve(t.requestId!, 'approved');

    expect(c.state.milestones[0]!.title).toBe(textRef('Logo + icon'));
    expect(await db.milestone.findFirstOrThrow({ where: { contractId: c.id } })).toMatchObject({ title: 'Logo + icon', description: 'Vector files' });
    const request = await db.changeRequest.findUniqueOrThrow({ where: { id: t.requestId! } });
    expect(request.changes).toEqual([{ field: 'title', old: 'Logo 😀', new: 'Logo + icon' }]);
    expect(await payloadOf(c.id, 'change_request_approved')).toMatchObject({
      milestoneTitle: 'Logo + icon', changes: [{ field: 'title', old: 'Logo 😀', new: 'Logo + icon' }],
    });
    expect(await db.contractText.count({ where: { contractId: c.id } })).toBe(3); // each text once
  });

  it('R26: a message shaped like a text reference is stored as written, never as the text of the contract it names', async () => {
    const c = await DirectContract.create(db);
    await c.send({ type: 'savePlan', ops: [{ op: 'add', title: 'Secret draft', amountCents: 1000 }] });
    await c.send({ type: 'fundMilestone' });
    await c.send({ type: 'submitWork', milestoneId: 'm1' }, 'freelancer');
    // Decided as sent, as a history recorded before such messages were refused would have it.
    const posing = textRef('Secret draft');
    const t = decide(c.state, { type: 'requestRevisions', milestoneId: 'm1', message: posing }, { actorId: c.client.id, now: c.now() });
    await c.persist(transitionRecord(t, 'requestRevisions', c.client.id, c.now(), c.state));

    expect(await payloadOf(c.id, 'revisions_requested')).toMatchObject({ message: posing, milestoneTitle: 'Secret draft' });
  });
});
