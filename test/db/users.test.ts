// Issuing users on real PostgreSQL: test files (and `npm run user:create`) may issue the same fixed
// user at the same moment; each gets that one user, none fails on a duplicate key.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../db/client.js';
import { issueUser } from '../../api/users.js';
import { shared } from '../support/context.js';

let dbs: Db[];
beforeAll(() => {
  // Separate pools, as two test files (two processes) have.
  dbs = [1, 2, 3, 4].map(() => createDb(shared('databaseUrl')));
});
afterAll(async () => {
  await Promise.all(dbs.map((db) => db.$disconnect()));
});

describe('issuing users', () => {
  it('the same user issued concurrently from several connections is created once and issued to each', async () => {
    const id = `demo-${randomUUID()}`;
    const token = `mc_${randomUUID()}`;

    const issued = await Promise.all(dbs.flatMap((db) => [1, 2].map(() => issueUser(db, { id, email: `${id}@example.test`, name: 'Demo', token }))));

    expect(new Set(issued.map((u) => u.id))).toEqual(new Set([id]));
    expect(await dbs[0]!.user.count({ where: { id } })).toBe(1);
    expect(await dbs[0]!.apiToken.count({ where: { userId: id } })).toBe(1);
  });
});
