// A connection the server ends in the middle of a transaction (PostgreSQL restarted, the session
// terminated) is a failure that heals: persistence retries it and the API answers 503, never a final
// PERSISTENCE_FAILED. Found by the fault suite: after a restart, node-postgres refuses a
// query on the dead connection with a message that has no SQLSTATE.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../db/client.js';
import { classifyPgError } from '../../db/pg-errors.js';
import { shared } from '../support/context.js';

let db: Db;
let admin: pg.Client;
beforeAll(async () => {
  db = createDb(shared('databaseUrl'));
  admin = new pg.Client({ connectionString: shared('databaseUrl') });
  await admin.connect();
});
afterAll(async () => {
  await admin?.end();
  await db?.$disconnect();
});

describe('a connection lost mid-transaction', () => {
  it('the next statement on it fails as retryable (connection lost), not as PERSISTENCE_FAILED', async () => {
    const failure = await db.$transaction(async (tx) => {
      const [session] = await tx.$queryRaw<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
      await admin.query('SELECT pg_terminate_backend($1)', [session!.pid]);
      // Let the client see its connection end before the next statement, as it does across a restart.
      await new Promise((resolve) => setTimeout(resolve, 300));
      await tx.$queryRaw`SELECT 1`;
    }).then(() => undefined, (err: unknown) => err);

    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toMatch(/not queryable|terminated/i);
    expect(classifyPgError(failure)).toMatchObject({ retryable: true });
  });
});
