// `npm run up` on a fresh clone: install exactly the lockfile's packages when node_modules is missing or
// older than the lockfile; otherwise do nothing (quiet). Dev dependencies too, whatever NODE_ENV says: the
// embedded PostgreSQL that up starts is one (production images never run it).
import { execSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const marker = join(root, 'node_modules', '.package-lock.json');
const lock = join(root, 'package-lock.json');
if (!existsSync(marker) || statSync(marker).mtimeMs < statSync(lock).mtimeMs) {
  console.error('up: installing dependencies (npm ci)...');
  execSync('npm ci --include=dev --no-audit --no-fund', { cwd: root, stdio: 'inherit' });
}
