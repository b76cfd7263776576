// Which prebuilt artifacts fit the machine: the Temporal binaries come from PyPI wheels built per
// operating system and CPU, PostgreSQL from the embedded-postgres package built for the same pairs. Pure
// (the host is an argument), so a unit test can check every platform's choice on any machine.
/** The platforms both artifacts exist for, named as embedded-postgres names its packages. */
export const PLATFORMS = ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64'] as const;
export type Platform = (typeof PLATFORMS)[number];

export interface Host {
  os: NodeJS.Platform;
  arch: string;
  /** Whether the C library is glibc: the test server's Linux binary links against it (musl cannot run it). */
  glibc: boolean;
}

/**
 * The tag `pip download --platform` takes to fetch a platform's wheel. The Linux wheels are tagged
 * manylinux2014 (glibc 2.17 or later); the macOS ones name the oldest macOS they run on.
 */
export const PIP_PLATFORM: Record<Platform, string> = {
  'linux-x64': 'manylinux2014_x86_64',
  'linux-arm64': 'manylinux2014_aarch64',
  'darwin-x64': 'macosx_10_9_x86_64',
  'darwin-arm64': 'macosx_11_0_arm64',
};

export class UnsupportedPlatformError extends Error {}

export function currentHost(): Host {
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return { os: process.platform, arch: process.arch, glibc: Boolean(header?.glibcVersionRuntime) };
}

const describe = (host: Host) => `${host.os} ${host.arch}${host.os === 'linux' && !host.glibc ? ' (musl)' : ''}`;

/** The platform whose artifacts run on `host`, or an error that says what to install instead. */
export function platformOf(host: Host): Platform {
  const name = `${host.os}-${host.arch}`;
  const known = (PLATFORMS as readonly string[]).includes(name);
  if (known && (host.os !== 'linux' || host.glibc)) return name as Platform;
  throw new UnsupportedPlatformError(
    `no prebuilt Temporal binaries for ${describe(host)} (they exist for Linux x64 and arm64 with glibc, ` +
      'macOS x64 and arm64). Install the Temporal CLI (https://docs.temporal.io/cli) and put `temporal` on ' +
      'PATH or set TEMPORAL_CLI_PATH, and for the tests set TEMPORAL_TEST_SERVER_PATH to a temporal-test-server ' +
      'binary; or point TEMPORAL_ADDRESS at a Temporal server you run.',
  );
}

/** The npm package with PostgreSQL's binaries for a platform (installed by npm as an optional dependency). */
export const embeddedPostgresPackage = (platform: Platform): string => `@embedded-postgres/${platform}`;
