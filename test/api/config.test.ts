// The API's configuration: read once through a zod schema; a bad value stops the process at
// start with the variable's name, instead of quietly becoming NaN.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { readEnv } from '../../api/config.js';
import { root } from '../../scripts/lib/tools.js';

const base = { DATABASE_URL: 'postgresql://localhost/db' };

describe('API configuration', () => {
  it('defaults what is unset and parses whole numbers', () => {
    const env = readEnv({ ...base, RATE_LIMIT_PER_MINUTE: '30', CHANGE_REQUESTS_DEFAULT: 'on' });

    expect(env).toMatchObject({ PORT: 3000, RATE_LIMIT_PER_MINUTE: 30, RATE_LIMIT_PER_ADDRESS_PER_MINUTE: 1200, COMMAND_TIMEOUT_MS: 15_000,
      INITIATION_FEE_CENTS: 495, CHANGE_REQUESTS_DEFAULT: 'on' });
  });

  it('R9: refuses every bad value at once, naming each variable', () => {
    const read = () => readEnv({ ...base, RATE_LIMIT_PER_MINUTE: 'abc', COMMAND_TIMEOUT_MS: '0', INITIATION_FEE_CENTS: '4.95', CHANGE_REQUESTS_DEFAULT: 'yes' });

    expect(read).toThrow(/RATE_LIMIT_PER_MINUTE: a whole number/);
    expect(read).toThrow(/COMMAND_TIMEOUT_MS: /);
    expect(read).toThrow(/INITIATION_FEE_CENTS: /);
    expect(read).toThrow(/CHANGE_REQUESTS_DEFAULT: /);
  });

  it('names a bad variable without its value: a malformed DATABASE_URL never carries its password to the logs', () => {
    const read = () => readEnv({ DATABASE_URL: 'mysql://app:hunter2-secret@db.internal/app', METRICS_TOKEN: 'short!' });

    expect(read).toThrow(/DATABASE_URL: a postgresql:\/\/ URL/);
    expect(read).toThrow(/METRICS_TOKEN: 16 to 256/);
    expect(read).not.toThrow(/hunter2/);
    expect(read).not.toThrow(/short!/);
  });

  it('TRUST_PROXY_HOPS is a whole number of proxies, 0 to 10', () => {
    expect(readEnv({ ...base, TRUST_PROXY_HOPS: '2' }).TRUST_PROXY_HOPS).toBe(2);
    expect(readEnv(base).TRUST_PROXY_HOPS).toBe(0);
    expect(() => readEnv({ ...base, TRUST_PROXY_HOPS: 'true' })).toThrow(/TRUST_PROXY_HOPS: a whole number/);
    expect(() => readEnv({ ...base, TRUST_PROXY_HOPS: '11' })).toThrow(/TRUST_PROXY_HOPS: /);
  });

  it('the API process exits at start with the message, before connecting to anything', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'api/main.ts'], {
      cwd: root, encoding: 'utf8', timeout: 30_000, env: { ...process.env, ...base, RATE_LIMIT_PER_MINUTE: 'abc' },
    });

    expect(run.status).toBe(2);
    expect(run.stderr).toContain('invalid API configuration');
    expect(run.stderr).toContain('RATE_LIMIT_PER_MINUTE: a whole number');
    expect(run.stderr).not.toContain('abc');
  });
});
