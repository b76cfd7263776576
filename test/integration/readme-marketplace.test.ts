// The README's walkthrough of a marketplace's backend runs as written: its shell block, taken from the
// README itself, against a real stack (the CLI that makes the key included). The demo users it names are
// replaced by users of this run, and its emails made unique, so the block can run in a shared database.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { root } from '../../scripts/lib/tools.js';
import { shared } from '../support/context.js';
import { startStack, type Stack } from '../support/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

/** The shell block under a README heading. */
function block(heading: string): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf(heading));
  const match = /```sh\n([\s\S]*?)```/.exec(section);
  if (!match?.[1]) throw new Error(`no shell block under ${heading}`);
  return match[1];
}

describe("README: a marketplace's backend acting for its users", () => {
  it('runs as written: the key makes users, acts for the client, and is refused outside its platform', async () => {
    const [demoClient, demoFreelancer] = await Promise.all([stack.newUser('Direct client'), stack.newUser('Direct freelancer')]);
    const setup = block('### The story: a logo in two milestones').split('\n').filter((l) => /^(API=|C=|post\(\))/.test(l)).join('\n');
    const script = block("### A marketplace's backend acting for its users")
      .replaceAll('@gigs.example', `@${crypto.randomUUID()}.example`)
      .replaceAll('demo-freelancer', demoFreelancer.id).replaceAll('demo-client', demoClient.id);
    const { stdout } = await promisify(execFile)('bash', ['-c', `set -e -o pipefail\n${setup}\nAPI=${stack.baseUrl}\n${script.replace(/ \| grep 'Sent by'.*$/m, ' >/dev/null')}`], {
      cwd: root, env: { ...process.env, DATABASE_URL: shared('databaseUrl') }, timeout: 120_000,
    });
    const lines = stdout.trim().split('\n');
    const keyId = (await stack.db.platformKey.findFirstOrThrow({ orderBy: { createdAt: 'desc' }, where: { label: 'default', createdBy: 'cli' } })).id;
    expect(lines.filter((l) => l.startsWith('platform:'))).toEqual([expect.stringMatching(new RegExp(`^platform:${keyId} for `)), expect.stringMatching(/ for /)]);
    expect(lines.slice(-2)).toEqual(['FREELANCER_NOT_FOUND', 'ON_BEHALF_OF_UNKNOWN']);
  });
});
