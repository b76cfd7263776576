// What every time-skipping file does first: issue the two fixed parties its contracts reference.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDb, type Db } from '../../../db/client.js';
import { issueUser } from '../../../api/users.js';
import { shared } from '../context.js';
import { CLIENT, FREELANCER } from '../contract-driver.js';

export function issuesTheDemoUsers(): void {
  let db: Db;
  beforeAll(() => {
    db = createDb(shared('databaseUrl'));
  });
  afterAll(() => db?.$disconnect());
  it('issues the demo users', async () => {
    const users = await Promise.all([CLIENT, FREELANCER].map((id) => issueUser(db, { id, email: `${id}@example.test`, name: id })));
    expect(users.map((u) => u.id)).toEqual([CLIENT, FREELANCER]);
  });
}
