import { fileURLToPath } from 'node:url';
import { defineConfig } from 'prisma/config';

// Offline schema engine (see prisma/offline-engine/README.md). When the native
// schema-engine binary cannot be downloaded, PRISMA_OFFLINE_ENGINE=1 (set for you by
// `node prisma/offline-engine/prisma.mjs ...`) points the CLI at a stand-in that runs
// Prisma's Wasm schema engine over @prisma/adapter-pg. Without it: stock Prisma.
if (process.env.PRISMA_OFFLINE_ENGINE === '1' && !process.env.PRISMA_SCHEMA_ENGINE_BINARY) {
  process.env.PRISMA_SCHEMA_ENGINE_BINARY = fileURLToPath(
    new URL('./prisma/offline-engine/schema-engine.mjs', import.meta.url),
  );
}

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: {
    // Optional at `prisma generate` time; required by migrate / db commands.
    url: process.env.DATABASE_URL,
    // Optional. Unset: `migrate dev` / `migrate diff --from-migrations` create and drop
    // a temporary database (needs CREATEDB). Set it where that privilege is missing.
    shadowDatabaseUrl: process.env.SHADOW_DATABASE_URL,
  },
});
