// recordRefusal on real PostgreSQL: a refused signal is written beside the audit trail once,
// however often the activity is retried.
import { randomUUID } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../db/client.js';
import { createPersistence } from '../../activities/persistence.js';
import type { RefusalRecord } from '../../activities/types.js';
import { shared } from '../support/context.js';
import { DirectContract } from '../support/direct-contract.js';

let db: Db;
beforeAll(() => {
  db = createDb(shared('databaseUrl'));
});
afterAll(async () => {
  await db?.$disconnect();
});

describe('refused signals', () => {
  it('R16: a refused signal is stored once with its code, rule, sender and payload, however often it is retried', async () => {
    const c = await DirectContract.create(db);
    const refusal: RefusalRecord = {
      id: randomUUID(), contractId: c.id, signal: 'approve', actorId: 'operator:ops-jane', code: 'VERSION_REQUIRED', rule: 'R16',
      message: 'name the version of the request you answer', payload: '{"operatorId":"ops-jane"}', at: '2026-11-27T08:00:00.000Z',
    };
    const { recordRefusal } = createPersistence(db);

    await new MockActivityEnvironment().run(recordRefusal, refusal);
    await new MockActivityEnvironment().run(recordRefusal, refusal); // a retry whose first answer was lost

    const rows = await db.refusedSignal.findMany({ where: { contractId: c.id } });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ ...refusal, at: new Date(refusal.at) });
  });
});
