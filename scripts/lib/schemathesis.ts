// Schemathesis, pinned, in a project-local virtualenv (.tools/schemathesis) installed with pip from PyPI
// on first use: the fuzz run needs nothing installed by hand.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './tools.js';

export const SCHEMATHESIS_VERSION = '4.32.5';
const venv = join(root, '.tools', 'schemathesis');
const bin = join(venv, 'bin', 'schemathesis');

/** The schemathesis executable at the pinned version, installing it first if needed. */
export function schemathesis(): string {
  const version = existsSync(bin) ? spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 60_000 }).stdout : '';
  if (!version.includes(SCHEMATHESIS_VERSION)) {
    console.log(`fuzz: installing schemathesis ${SCHEMATHESIS_VERSION} into .tools/schemathesis (pip)`);
    const python = process.env.PYTHON ?? 'python3';
    // 10 minutes: a cold pip install of schemathesis and its dependencies on a slow mirror.
    const opts = { stdio: 'inherit' as const, timeout: 600_000 };
    if (!existsSync(join(venv, 'bin', 'pip'))) execFileSync(python, ['-m', 'venv', venv], opts);
    execFileSync(join(venv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', `schemathesis==${SCHEMATHESIS_VERSION}`], opts);
  }
  return bin;
}
