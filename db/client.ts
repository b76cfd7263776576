// The Prisma client over node-postgres (Prisma's Rust-free client: no engine binary at run time).
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../generated/prisma/client.js';

export type Db = PrismaClient;

/** Every wait on PostgreSQL is bounded, so neither a request nor an activity attempt hangs on it. */
export const POOL_TIMEOUTS = {
  // A server that does not accept a connection within this is down: fail, and let the caller retry.
  connectionTimeoutMillis: 3_000,
  // Server-side: our statements take milliseconds; one that runs this long is stuck (a lock wait).
  statement_timeout: 4_000,
  // Client-side: covers a server that stopped answering on an open connection.
  query_timeout: 5_000,
  // A transaction left open by a dead client releases its row locks after this.
  idle_in_transaction_session_timeout: 10_000,
};

/** `max` bounds the pool (node-postgres' default is 10): a side of the process that must not take them all. */
export function createDb(connectionString = requireDatabaseUrl(), opts: { max?: number } = {}): Db {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString, ...POOL_TIMEOUTS, ...opts }) });
}

export function requireDatabaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set (npm run up sets it for the embedded PostgreSQL)');
  return url;
}

/** A plain node-postgres pool with the same bounds, for libraries that take one (the API's rate limits). */
export function createPool(connectionString: string, opts: { max?: number } = {}): pg.Pool {
  const pool = new pg.Pool({ connectionString, ...POOL_TIMEOUTS, ...opts });
  // An idle connection that PostgreSQL closed (a restart, a failover) is reported here and dropped by the
  // pool; the next query opens a new one. Unheard, this 'error' event would end the process.
  pool.on('error', () => {});
  return pool;
}
