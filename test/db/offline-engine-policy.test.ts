// The offline schema engine (prisma/offline-engine) is for development and tests: with NODE_ENV=production
// and no native engine, the Prisma wrapper refuses to fall back to it unless PRISMA_OFFLINE_ENGINE=1 says so.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { root } from '../../scripts/lib/tools.js';
import { freePort } from '../support/ports.js';

// A machine that has the native engine never reaches the fallback this file is about.
const requireFromPrisma = createRequire(join(root, 'node_modules', 'prisma', 'build', 'index.js'));
const nativeEngine = readdirSync(dirname(requireFromPrisma.resolve('@prisma/engines/package.json'))).some((f) => f.startsWith('schema-engine-'));

async function wrapper(env: Record<string, string>) {
  // A mirror nobody listens on: the native engine cannot be downloaded.
  const mirror = `http://127.0.0.1:${await freePort()}`;
  return spawnSync(process.execPath, [join(root, 'prisma', 'offline-engine', 'prisma.mjs'), '--version'], {
    cwd: root, encoding: 'utf8', timeout: 60_000,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PRISMA_ENGINES_MIRROR: mirror, PRISMA_HIDE_UPDATE_MESSAGE: '1', ...env },
  });
}

describe.skipIf(nativeEngine)('the offline Prisma engine outside development', () => {
  it('a deployment (NODE_ENV=production) without the native engine fails and says how to proceed', async () => {
    const run = await wrapper({ NODE_ENV: 'production' });

    expect(run.status).toBe(1);
    expect(run.stderr).toContain('A deployment does not fall back to the offline Wasm engine');
    expect(run.stderr).toContain('PRISMA_OFFLINE_ENGINE=1');
  });

  // Development (NODE_ENV unset) takes the fallback in every test run: global-setup migrates through it.
  it('runs when told to use the offline engine', async () => {
    const told = await wrapper({ NODE_ENV: 'production', PRISMA_OFFLINE_ENGINE: '1' });

    expect(told.status, told.stderr).toBe(0);
    expect(told.stdout).toContain('prisma');
  });
});
