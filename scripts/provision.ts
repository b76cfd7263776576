// Idempotent provisioning: Temporal binaries into .tools/bin, PostgreSQL's binaries where its user can
// reach them (only when the clone is closed to it: scripts/lib/postgres-home.ts), the generated Prisma client.
// Quiet when there is nothing to do; every failure says what failed.
import { temporalBinary } from './lib/tools.js';
import { generatePrismaClient } from './lib/prisma.js';
import { relocatePostgresBinaries } from './lib/postgres-home.js';

try {
  temporalBinary('temporal');
  temporalBinary('temporal-test-server');
  relocatePostgresBinaries();
  generatePrismaClient();
} catch (err) {
  console.error(`provision failed: ${(err as Error).message}`);
  process.exit(1);
}
