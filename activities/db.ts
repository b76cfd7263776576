// The Prisma client over node-postgres (Prisma's Rust-free client: no engine binary at run time).
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client.js';

export type Db = PrismaClient;

export function createDb(connectionString = requireDatabaseUrl()): Db {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString }) });
}

export function requireDatabaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set (npm run up sets it for the embedded PostgreSQL)');
  return url;
}
