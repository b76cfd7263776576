#!/usr/bin/env node
// Runs the real Prisma CLI (node_modules/prisma), switching to the offline Wasm schema
// engine only when the native schema-engine binary is unavailable.
//
//   node prisma/offline-engine/prisma.mjs <any prisma args>
//
// PRISMA_OFFLINE_ENGINE=1  force the offline engine
// PRISMA_OFFLINE_ENGINE=0  force stock Prisma (native binary, downloaded on first use)
// unset                    stock Prisma if PRISMA_SCHEMA_ENGINE_BINARY is set, if the
//                          native binary is already in @prisma/engines, or if the binary
//                          host (PRISMA_ENGINES_MIRROR or binaries.prisma.sh) answers;
//                          otherwise the offline engine in development and tests, and a
//                          clear failure in a deployment (NODE_ENV=production).
/* global fetch, AbortSignal */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const prismaDir = path.dirname(require.resolve('prisma/package.json'));
const prismaCli = path.join(prismaDir, 'build', 'index.js');

function nativeBinaryPresent() {
  try {
    const enginesDir = path.dirname(createRequire(prismaCli).resolve('@prisma/engines/package.json'));
    return fs.readdirSync(enginesDir).some((f) => f.startsWith('schema-engine-'));
  } catch {
    return false;
  }
}

async function binaryHostReachable() {
  const host = process.env.PRISMA_ENGINES_MIRROR || 'https://binaries.prisma.sh';
  try {
    await fetch(host, { method: 'HEAD', signal: AbortSignal.timeout(3000) });
    return true; // any HTTP answer means downloads can work
  } catch {
    return false;
  }
}

async function useOffline() {
  const flag = process.env.PRISMA_OFFLINE_ENGINE;
  if (flag === '1') return true;
  if (flag === '0') return false;
  if (process.env.PRISMA_SCHEMA_ENGINE_BINARY) return false;
  if (nativeBinaryPresent()) return false;
  return !(await binaryHostReachable());
}

const env = { ...process.env };
const offline = await useOffline();
// The offline engine is a development and test workaround: a deployment never falls back to it silently.
if (offline && process.env.PRISMA_OFFLINE_ENGINE !== '1' && process.env.NODE_ENV === 'production') {
  console.error(
    'prisma: the native schema engine is unavailable (not in @prisma/engines, and ' +
    `${process.env.PRISMA_ENGINES_MIRROR || 'https://binaries.prisma.sh'} did not answer), and NODE_ENV=production.\n` +
    'A deployment does not fall back to the offline Wasm engine (prisma/offline-engine) on its own: make the native\n' +
    'engine available (network access, PRISMA_ENGINES_MIRROR or PRISMA_SCHEMA_ENGINE_BINARY), or set\n' +
    'PRISMA_OFFLINE_ENGINE=1 to use the offline engine knowingly.',
  );
  process.exit(1);
}
if (offline) {
  env.PRISMA_OFFLINE_ENGINE = '1';
  env.PRISMA_SCHEMA_ENGINE_BINARY = path.join(here, 'schema-engine.mjs');
  // The stand-in is a `#!/usr/bin/env node` script: make it run on this same node.
  env.PATH = `${path.dirname(process.execPath)}${path.delimiter}${env.PATH ?? ''}`;
} else {
  env.PRISMA_OFFLINE_ENGINE = '0';
}

const child = spawn(process.execPath, [prismaCli, ...process.argv.slice(2)], { stdio: 'inherit', env });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => {
  if (signal) process.kill(process.pid, signal);
  else process.exit(code ?? 1);
});
