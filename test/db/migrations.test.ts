// Every migration applies to an empty database, and the migrations produce exactly schema.prisma.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { migrateDeploy, migrationDrift } from '../../scripts/lib/prisma.js';
import { shared } from '../support/context.js';

function databaseUrl(name: string): string {
  const url = new URL(shared('databaseUrl'));
  url.pathname = `/${name}`;
  return url.toString();
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: shared('databaseUrl') });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

describe('migrations', () => {
  it('apply to an empty database and leave no drift against schema.prisma', async () => {
    const name = `migrate_${randomUUID().replaceAll('-', '')}`;
    await admin((c) => c.query(`CREATE DATABASE ${name}`));
    try {
      migrateDeploy(databaseUrl(name));

      const tables = await admin(async () => {
        const c = new pg.Client({ connectionString: databaseUrl(name) });
        await c.connect();
        const { rows } = await c.query<{ tablename: string }>("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1");
        await c.end();
        return rows.map((r) => r.tablename);
      });
      expect(tables).toEqual(expect.arrayContaining(['_prisma_migrations', 'contracts', 'change_requests', 'users', 'api_tokens']));
      const drift = migrationDrift(databaseUrl(name));
      expect(drift.diff).toBe('');
      expect(drift.drift).toBe(false);
    } finally {
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    }
  });
});
