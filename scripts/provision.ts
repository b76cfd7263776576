// Idempotent provisioning: Temporal binaries into .tools/bin and the generated Prisma client.
// Quiet when there is nothing to do; every failure says what failed.
import { temporalBinary } from './lib/tools.js';
import { generatePrismaClient } from './lib/prisma.js';

try {
  temporalBinary('temporal');
  temporalBinary('temporal-test-server');
  generatePrismaClient();
} catch (err) {
  console.error(`provision failed: ${(err as Error).message}`);
  process.exit(1);
}
