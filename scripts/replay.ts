// npm run replay -- [--query "<visibility query>"] [--limit 1000] [--minutes 30] [--workflows <file> | --bundle <file>]
// The release gate for workflow changes: downloads the histories the query matches from the Temporal the
// environment names (worker/connection.ts) and replays them against this checkout's workflow code.
// Exits 0 when every history replays, 1 on any nondeterminism or replay failure (each one named), 2 on
// bad usage, 3 when the query matched nothing (a gate that saw no history proved nothing), 4 when it did
// not finish within --minutes (a gate that hangs would hold a rollout for ever).
// The default query is every running workflow: those are the ones a deploy's new code must continue.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DefaultLogger, Runtime, Worker, type ReplayWorkerOptions } from '@temporalio/worker';
import { connectClient, describeTarget, temporalSettings } from '../worker/connection.js';
import { workflowsPath } from '../worker/create-worker.js';
import { dataConverter, describePayloadKeys } from '../codec/data-converter.js';

const USAGE = 'usage: npm run replay -- [--query "<visibility query>"] [--limit <n>] [--minutes <n>] [--workflows <file> | --bundle <file>]';

function usage(problem?: string): never {
  console.error(`${problem ? `${problem}\n` : ''}${USAGE}`);
  process.exit(2);
}
const options = {
  query: { type: 'string', default: "ExecutionStatus = 'Running'" },
  limit: { type: 'string', default: '1000' },
  minutes: { type: 'string', default: '30' },
  workflows: { type: 'string' },
  bundle: { type: 'string' },
} as const;
let args: ReturnType<typeof parseArgs<{ options: typeof options }>>['values'];
try {
  args = parseArgs({ options }).values;
} catch (err) {
  usage((err as Error).message);
}
const limit = Number(args.limit);
if (!Number.isSafeInteger(limit) || limit < 1) usage('--limit is a whole number above 0');
const minutes = Number(args.minutes);
if (!(minutes > 0)) usage('--minutes is a number above 0');
if (args.workflows && args.bundle) usage('give --workflows or --bundle, not both');
setTimeout(() => {
  console.error(`replay: did not finish within ${minutes} min; nothing was proven`);
  process.exit(4);
}, minutes * 60_000).unref();

Runtime.install({ logger: new DefaultLogger('WARN') });
const settings = temporalSettings();
const code: ReplayWorkerOptions = args.bundle
  ? { workflowBundle: { codePath: resolve(args.bundle) } }
  : { workflowsPath: args.workflows ? resolve(args.workflows) : workflowsPath };
console.log(`replay: ${JSON.stringify({ ...describeTarget(settings), ...describePayloadKeys() })} query: ${args.query}`);

const { client, connection } = await connectClient(settings);
let replayed = 0;
const failures: string[] = [];
try {
  // At most `limit` histories: the listing is paged and stops being read once that many were taken.
  async function* histories() {
    let taken = 0;
    for await (const h of client.workflow.list({ query: args.query }).intoHistories()) {
      yield h;
      if (++taken >= limit) return;
    }
  }
  for await (const result of Worker.runReplayHistories({ ...code, dataConverter: dataConverter(), replayName: 'release-gate' }, histories())) {
    replayed++;
    if (result.error) {
      failures.push(`${result.workflowId} (run ${result.runId}): ${result.error.name}: ${result.error.message}`);
    }
  }
} finally {
  await connection.close();
}

for (const failure of failures) console.error(`replay: FAILED ${failure}`);
console.log(`replay: ${replayed} replayed, ${failures.length} failed`);
if (replayed === 0) {
  console.error('replay: the query matched no workflow; nothing was proven');
  process.exit(3);
}
process.exit(failures.length ? 1 : 0);
