// Idempotent provisioning of what a command needs, and nothing more:
//   (default)      the tests: both Temporal binaries, stripe-mock (the payment tests' Stripe), PostgreSQL's binaries where its user can reach them
//                  (only when the clone is closed to it: scripts/lib/postgres-home.ts), the Prisma client;
//   --for up       the Temporal CLI only when up will start the dev server (no TEMPORAL_ADDRESS or profile);
//   --for client   the generated Prisma client only (typecheck: it needs types, not servers).
// Quiet when there is nothing to do; every failure says what failed.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { root, temporalBinary } from './lib/tools.js';
import { stripeMockBinary } from './lib/stripe-mock.js';
import { generatePrismaClient } from './lib/prisma.js';
import { relocatePostgresBinaries } from './lib/postgres-home.js';
import { currentHost, embeddedPostgresPackage, platformOf, UnsupportedPlatformError } from './lib/platform.js';

const { values } = parseArgs({ options: { for: { type: 'string', default: 'tests' } } });
const target = values.for;
if (!['tests', 'up', 'client'].includes(target!)) {
  console.error(`provision: --for ${target}? (tests, up or client)`);
  process.exit(2);
}

/** Says so when npm installed no PostgreSQL binaries for this machine: only DATABASE_URL can help then. */
function checkEmbeddedPostgres(): void {
  let pkg: string;
  try {
    pkg = embeddedPostgresPackage(platformOf(currentHost()));
  } catch (err) {
    if (!(err instanceof UnsupportedPlatformError)) throw err;
    pkg = '';
  }
  if (!pkg || !existsSync(join(root, 'node_modules', pkg, 'package.json'))) {
    process.stderr.write(`provision: no embedded PostgreSQL for ${process.platform} ${process.arch}` +
      `${pkg ? ` (${pkg} is not installed: run npm ci)` : ''}; set DATABASE_URL to a PostgreSQL 17 you run\n`);
  }
}

try {
  const temporalConfigured = Boolean(process.env.TEMPORAL_ADDRESS || process.env.TEMPORAL_PROFILE);
  if (target === 'tests' || (target === 'up' && !temporalConfigured)) temporalBinary('temporal');
  if (target === 'tests') temporalBinary('temporal-test-server');
  if (target === 'tests') stripeMockBinary();
  if (target !== 'client' && !(target === 'up' && process.env.DATABASE_URL)) {
    checkEmbeddedPostgres();
    relocatePostgresBinaries();
  }
  generatePrismaClient();
} catch (err) {
  console.error(`provision failed: ${(err as Error).message}`);
  process.exit(1);
}
