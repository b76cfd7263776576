// Locates (and on first use installs) stripe-mock, the server the payment tests talk to: Stripe's API as
// its published OpenAPI describes it. In order: STRIPE_MOCK_PATH, `stripe-mock` on PATH, .tools/bin, a
// released binary from GitHub (checked against the release's checksums), then `go install` through the Go
// module proxy (verified by Go's checksum database); otherwise it says what is missing.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { toolsBin } from './tools.js';

export const STRIPE_MOCK_VERSION = '0.203.0';
const MODULE = 'github.com/stripe/stripe-mock';
const RELEASES = `https://github.com/stripe/stripe-mock/releases/download/v${STRIPE_MOCK_VERSION}`;
/** Seconds for each download; an unreachable host fails fast instead of holding the test command. */
const DOWNLOAD_SECONDS = 60;
/** A cold `go install` takes about a minute on two cores; this bounds a stuck proxy. */
const GO_INSTALL_MS = 10 * 60_000;

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

function goBinary(): string | undefined {
  return onPath('go') ?? ['/usr/local/go/bin/go', '/usr/lib/go/bin/go'].find((p) => existsSync(p));
}

/** goreleaser's archive name for this machine, or undefined where stripe-mock publishes none. */
function releaseArchive(): string | undefined {
  const os = { linux: 'linux', darwin: 'darwin' }[process.platform as string];
  const arch = { x64: 'amd64', arm64: 'arm64' }[process.arch as string];
  return os && arch ? `stripe-mock_${STRIPE_MOCK_VERSION}_${os}_${arch}.tar.gz` : undefined;
}

function download(url: string, to: string): void {
  execFileSync('curl', ['-fsSL', '--max-time', String(DOWNLOAD_SECONDS), '-o', to, url], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** The released binary, when GitHub's download host is reachable; why not, otherwise. */
function fromRelease(target: string): string | undefined {
  const archive = releaseArchive();
  if (!archive) return `no released binary for ${process.platform} ${process.arch}`;
  if (!onPath('curl') || !onPath('tar')) return 'curl and tar are needed to download a release';
  const work = mkdtempSync(join(tmpdir(), 'stripe-mock-'));
  try {
    download(`${RELEASES}/checksums.txt`, join(work, 'checksums.txt'));
    download(`${RELEASES}/${archive}`, join(work, archive));
    const want = readFileSync(join(work, 'checksums.txt'), 'utf8').split('\n').find((l) => l.trim().endsWith(` ${archive}`))?.split(/\s+/)[0];
    const got = createHash('sha256').update(readFileSync(join(work, archive))).digest('hex');
    if (!want || want !== got) return `${archive}: sha256 ${got} is not the release's ${want ?? '(none listed)'}`;
    execFileSync('tar', ['-xzf', join(work, archive), '-C', work, 'stripe-mock']);
    mkdirSync(toolsBin, { recursive: true });
    execFileSync('install', ['-m755', join(work, 'stripe-mock'), target]);
    return undefined;
  } catch (err) {
    return `GitHub's release download failed (${firstLine(err)})`;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function fromSource(go: string): void {
  process.stderr.write(`provision: building stripe-mock ${STRIPE_MOCK_VERSION} with go install (about a minute)...\n`);
  mkdirSync(toolsBin, { recursive: true });
  execFileSync(go, ['install', `${MODULE}@v${STRIPE_MOCK_VERSION}`], {
    env: { ...process.env, GOBIN: toolsBin, GOFLAGS: '-mod=mod' },
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: GO_INSTALL_MS,
  });
}

const firstLine = (err: unknown) => String((err as { stderr?: Buffer }).stderr ?? (err as Error).message).trim().split('\n')[0];

/** Path of stripe-mock: the override, PATH, .tools/bin, else installed from a release or from source. */
export function stripeMockBinary(): string {
  const override = process.env.STRIPE_MOCK_PATH;
  if (override) {
    if (!existsSync(override)) throw new Error(`STRIPE_MOCK_PATH=${override} does not exist`);
    return override;
  }
  const fromPath = onPath('stripe-mock');
  if (fromPath) return fromPath;
  const target = join(toolsBin, 'stripe-mock');
  if (existsSync(target)) return target;
  process.stderr.write(`provision: downloading stripe-mock ${STRIPE_MOCK_VERSION} from GitHub...\n`);
  const whyNot = fromRelease(target);
  if (!whyNot) {
    process.stderr.write(`provision: installed ${target}\n`);
    return target;
  }
  const go = goBinary();
  if (!go) {
    throw new Error(`stripe-mock is missing: ${whyNot}, and Go is not installed to build it ` +
      `(install Go 1.21+ and run again, or put stripe-mock ${STRIPE_MOCK_VERSION} on PATH, or set STRIPE_MOCK_PATH)`);
  }
  process.stderr.write(`provision: ${whyNot}\n`);
  try {
    fromSource(go);
  } catch (err) {
    throw new Error(`stripe-mock could not be built with ${go} install ${MODULE}@v${STRIPE_MOCK_VERSION}: ${firstLine(err)} ` +
      '(the Go module proxy must be reachable, or set GOPROXY)');
  }
  if (!existsSync(target)) throw new Error(`go install finished but ${target} is not there`);
  process.stderr.write(`provision: installed ${target}\n`);
  return target;
}
