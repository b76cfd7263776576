// The project's Prisma operations, through prisma/offline-engine/prisma.mjs (the real Prisma CLI; it
// switches to the offline Wasm schema engine only where the native engine cannot be downloaded).
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './tools.js';

const wrapper = join(root, 'prisma', 'offline-engine', 'prisma.mjs');

function prisma(args: string[], env: Record<string, string> = {}): string {
  try {
    return execFileSync(process.execPath, [wrapper, ...args], {
      cwd: root,
      env: { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
    });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    const out = `${err.stdout ?? ''}${err.stderr ?? ''}`.trim();
    throw new Error(`prisma ${args.join(' ')} failed${out ? `:\n${out}` : ''}`);
  }
}

/** Generates the client into generated/prisma unless it is newer than the schema. */
export function generatePrismaClient(): void {
  const schema = join(root, 'prisma', 'schema.prisma');
  const client = join(root, 'generated', 'prisma', 'client.ts');
  if (existsSync(client) && statSync(client).mtimeMs >= statSync(schema).mtimeMs) return;
  prisma(['generate']);
}

/** Applies every pending migration in prisma/migrations to the database at `url`. */
export function migrateDeploy(url: string): void {
  prisma(['migrate', 'deploy'], { DATABASE_URL: url });
}

/** The drift check: no drift when the migrations produce exactly schema.prisma (exit 2 means they differ). */
export function migrationDrift(url: string): { drift: boolean; diff: string } {
  try {
    prisma(['migrate', 'diff', '--from-migrations', 'prisma/migrations', '--to-schema', 'prisma/schema.prisma', '--exit-code'],
      { DATABASE_URL: url });
    return { drift: false, diff: '' };
  } catch (err) {
    return { drift: true, diff: (err as Error).message };
  }
}
