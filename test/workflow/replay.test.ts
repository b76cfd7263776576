// Determinism: every committed history in test/replay/ replays against today's workflow code. A change
// that alters the commands of running workflows fails here until it is guarded with patched().
// Fixtures are frozen: `npm run replay:record -- --tag <name>` adds new ones and never rewrites old ones.
// BASELINE names the commit the release baseline's fixtures were recorded from.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { shared } from '../support/context.js';
import { quietRuntime } from '../support/runtime.js';
import { replayFixtureKeys } from '../support/replay-keys.js';
import { dataConverter } from '../../codec/data-converter.js';

const dir = join(import.meta.dirname, '..', 'replay');
const fixtures = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

describe('replay', () => {
  it('finds the baseline: every scenario the recorder knows, and the commit it was recorded from', () => {
    const scenarios = [
      'contract-lifecycle', 'change-request-approved', 'proposal-accepted', 'contract-requests-closed-from-outside', 'contract-signals',
      'change-request-approved-by-signal', 'change-request-expired', 'contract-with-expired-request', 'contract-review-refund-dispute',
      'webhook-delivered', 'webhook-rejected', 'webhook-given-up',
    ];
    expect(fixtures).toEqual(expect.arrayContaining(scenarios.map((s) => `${s}-baseline.json`)));
    expect(readFileSync(join(dir, 'BASELINE'), 'utf8')).toMatch(/^commit [0-9a-f]{40}$/m);
  });

  it('R19, R24: committed histories of a full lifecycle and of an expiry replay without nondeterminism', async () => {
    quietRuntime();
    const histories = fixtures.map((f) => ({ workflowId: f.replace(/\.json$/, ''), history: historyFromJSON(JSON.parse(readFileSync(join(dir, f), 'utf8'))) }));

    const results = [];
    for await (const r of Worker.runReplayHistories({
      workflowBundle: { codePath: shared('workflowBundlePath') }, dataConverter: dataConverter(replayFixtureKeys),
    }, histories)) results.push(r);

    expect(results.map((r) => [r.workflowId, r.error ? String(r.error) : null])).toEqual(histories.map((h) => [h.workflowId, null]));
  });
});
