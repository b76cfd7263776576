// `npm run test:fuzz [-- --quick]`: schemathesis against the running API (docs/testing.md, "Fuzzing"). Starts its
// own throwaway PostgreSQL, Temporal dev server, worker and API (rate limits in PostgreSQL, as deployed),
// seeds a contract (an offer the freelancer accepted) with a funded milestone and a pending change request, then runs every check as the
// client and as the freelancer, then as an operator on a second contract with an open dispute (R28), so
// the operator routes are fuzzed past their role check. Exits non-zero on any failure. --quick is CI's
// bounded run.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { createApiClient, idempotent } from '../api/client/index.js';
import { createApp } from '../api/app.js';
import { issueUser } from '../api/users.js';
import { createPlatform, createPlatformKey } from '../api/platform-keys.js';
import type { PlatformKeyScope } from '../domain/identity-schemas.js';
import { createDb, createPool } from '../db/client.js';
import { CHANGE_REQUEST_FLAG } from '../domain/names.js';
import { createWorker } from '../worker/create-worker.js';
import { allSearchAttributes } from '../workflows/search-attributes.js';
import { freePort } from '../test/support/ports.js';
import { startEmbeddedPostgres } from './lib/postgres.js';
import { migrateDeploy } from './lib/prisma.js';
import { schemathesis } from './lib/schemathesis.js';
import { devServerDynamicConfig } from './lib/temporal-dev.js';
import { root, temporalBinary } from './lib/tools.js';
import { dataConverter } from '../codec/data-converter.js';

const quick = process.argv.includes('--quick');
/** Test cases per operation and phase; the quick run also fixes the seed so CI's run is repeatable. */
type Role = 'client' | 'freelancer' | 'operator' | 'key-users-write' | 'key-users-read' | 'key-contracts-act' | 'key-operator';
const ALL = 'examples,coverage,fuzzing,stateful';
const only = (regex: string) => ['--include-path-regex', regex];
const profile: { examples: number; seed: string[]; phases: Record<Role, string>; only: Record<Role, string[]> } = quick
  ? { examples: 5, seed: ['--seed', '1'],
    phases: { client: 'examples,coverage,fuzzing', freelancer: 'examples,fuzzing', operator: 'examples,coverage,fuzzing',
      'key-users-write': 'examples,coverage,fuzzing', 'key-users-read': 'examples,fuzzing', 'key-contracts-act': 'examples,fuzzing',
      'key-operator': 'examples,fuzzing' },
    only: { client: [], freelancer: [], operator: only('^/(operator|platforms|users)'), 'key-users-write': only('^/users'),
      'key-users-read': only('^/users'), 'key-contracts-act': [], 'key-operator': only('^/operator/') } }
  : { examples: 100, seed: process.env.FUZZ_SEED ? ['--seed', process.env.FUZZ_SEED] : [],
    phases: { client: ALL, freelancer: ALL, operator: ALL, 'key-users-write': ALL, 'key-users-read': ALL, 'key-contracts-act': ALL, 'key-operator': ALL },
    only: { client: [], freelancer: [], operator: [], 'key-users-write': [], 'key-users-read': [], 'key-contracts-act': [], 'key-operator': [] } };
// The quick run's coverage phase (boundary and malformed values of every field, most of its time) runs as
// the client only: fields are validated before the caller's role is looked at, so the freelancer's
// coverage cases would repeat the client's answers. The operator's quick run covers the operator routes
// (every phase: their fields are checked only once the caller is an operator); every other route answers
// an operator 404 before its fields, as the authorization tests already prove. Platform keys run too, one per
// scope: users:write and users:read on the users routes (acting for nobody), contracts:act on every route
// acting for the client (as the freelancer's run, examples and fuzzing), operator on the operator routes
// acting for the platform's operator; the authorization sweep test covers every other route × key.

const st = schemathesis();
Runtime.install({ logger: new DefaultLogger('ERROR') });
const dir = mkdtempSync(join(tmpdir(), 'fuzz-pg-'));
const [pg, env] = await Promise.all([
  (async () => {
    const pg = await startEmbeddedPostgres({ dataDir: dir, port: await freePort(), database: 'fuzz', persistent: false });
    migrateDeploy(pg.url);
    return pg;
  })(),
  TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'existing-path', path: temporalBinary('temporal') }, searchAttributes: allSearchAttributes, extraArgs: devServerDynamicConfig },
    client: { dataConverter: dataConverter() },
  }),
]);
const db = createDb(pg.url);
const store = createPool(pg.url, { max: 4 });
const taskQueue = `fuzz-${randomUUID()}`;
const worker = await createWorker({ connection: env.nativeConnection, db, taskQueue });
const running = worker.run();
const temporal = new Client({ connection: env.connection, dataConverter: dataConverter() });
// Limits high enough for the fuzzer's pace; their code paths (the PostgreSQL store) still run on every request.
const server = createApp({ db, temporal, taskQueue, rateLimitStore: store, rateLimitPerMinute: 1e6, rateLimitPerAddressPerMinute: 1e6,
  log: () => {} }).listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

let failed = false;
try {
  // Both parties belong to one platform, whose keys then act for them.
  const platform = await createPlatform(db, 'Fuzz marketplace');
  const member = async (name: string, role: 'member' | 'operator' = 'member') => {
    const user = await issueUser(db, { email: `${name.toLowerCase().replace(/\W/g, '-')}-${randomUUID()}@fuzz.test`, name, role });
    await db.user.update({ where: { id: user.id }, data: { platformId: platform.id } });
    return user;
  };
  const client = await member('Fuzz Client');
  const freelancer = await member('Fuzz Freelancer');
  const platformOperator = await member('Fuzz Platform Operator', 'operator');
  const subject = await member('Fuzz Subject');
  const key = async (scope: PlatformKeyScope) => (await createPlatformKey(db, { platformId: platform.id, scopes: [scope], createdBy: 'fuzz' })).key;
  await db.featureFlag.create({ data: { userId: client.id, name: CHANGE_REQUEST_FLAG, enabled: true } });
  const operator = await issueUser(db, { email: `operator-${randomUUID()}@fuzz.test`, name: 'Fuzz Operator', role: 'operator' });
  const contractId = await seed(client.token, freelancer);
  const disputed = await seedDispute(client.token, freelancer);
  const runs: [Role, string, string, string?][] = [
    ['client', client.token, contractId], ['freelancer', freelancer.token, contractId], ['operator', operator.token, disputed.contractId],
    ['key-users-write', await key('users:write'), contractId], ['key-users-read', await key('users:read'), contractId],
    ['key-contracts-act', await key('contracts:act'), contractId, client.id], ['key-operator', await key('operator'), disputed.contractId, platformOperator.id],
  ];

  const reports = join(root, '.data', 'fuzz');
  mkdirSync(reports, { recursive: true });
  for (const [role, token, id, onBehalfOf] of runs) {
    console.log(`fuzz: schemathesis ${quick ? 'quick' : 'long'} run as the ${role}`);
    // Asynchronous: the API under test runs in this process and must keep answering. Its report goes to a
    // file (CI's log keeps the verdict and, on failure, the findings).
    const log = join(reports, `${role}.log`);
    const out = openSync(log, 'w');
    const child = spawn(st, [
      '--config-file', join(root, 'scripts', 'fuzz', 'schemathesis.toml'),
      'run', `${baseUrl}/openapi.json`, '--url', baseUrl,
      '--checks', 'all', '--phases', profile.phases[role], '--max-examples', String(profile.examples), ...profile.seed, ...profile.only[role],
      '-H', `Authorization: Bearer ${token}`, ...(onBehalfOf ? ['-H', `On-Behalf-Of: ${onBehalfOf}`] : []), '--request-timeout', '30',
      '--report', 'junit', '--report-junit-path', join(reports, `${role}.xml`),
    ], {
      stdio: ['ignore', out, out],
      // Bounded: the quick run takes minutes; a stuck run must not hold CI for its whole budget.
      timeout: quick ? 15 * 60_000 : 120 * 60_000,
      env: { ...process.env, SCHEMATHESIS_HOOKS: 'hooks', PYTHONPATH: join(root, 'scripts', 'fuzz'), FUZZ_CONTRACT_ID: id, FUZZ_DISPUTE_ID: disputed.disputeId,
        FUZZ_USER_ID: subject.id, FUZZ_PLATFORM_ID: platform.id },
    });
    const [code, signal] = await once(child, 'exit');
    closeSync(out);
    const report = readFileSync(log, 'utf8');
    const cases = /(\d+) generated/.exec(report)?.[1] ?? '?';
    if (code !== 0) {
      failed = true;
      console.error(report.slice(report.indexOf('FAILURES') === -1 ? -4000 : report.indexOf('FAILURES') - 40));
      console.error(`fuzz: schemathesis as the ${role} exited ${code ?? signal} after ${cases} test cases (${log})`);
    } else {
      console.log(`fuzz: ${cases} test cases as the ${role}, every check, no failure (${log})`);
    }
  }
} finally {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  worker.shutdown();
  await running;
  await Promise.all([db.$disconnect(), store.end()]);
  await env.teardown();
  await pg.stop();
  rmSync(dir, { recursive: true, force: true });
}
console.log(failed ? 'fuzz: failures found (see above and .data/fuzz/)'
  : 'fuzz: schemathesis found no failures, as the client, the freelancer, an operator and a platform key per scope');
process.exit(failed ? 1 : 0);

/**
 * R30: an offer of these milestones (the first deposited) sent by the client and accepted by the
 * freelancer: the contract open, its first milestone funded. Its id.
 */
async function openContract(token: string, freelancer: { id: string; token: string }, title: string, amounts: number[]): Promise<string> {
  const api = createApiClient({ baseUrl, token });
  const milestones = amounts.map((amountCents, i) => ({ title: `M${i + 1}`, amountCents }));
  const { data: contract, error } = await api.POST('/contracts', { params: { header: idempotent() }, body: { title, freelancerId: freelancer.id, milestones } });
  if (!contract) throw new Error(`fuzz: seeding the offer failed: ${JSON.stringify(error)}`);
  const accepted = await createApiClient({ baseUrl, token: freelancer.token }).POST('/contracts/{id}/offer/accept', {
    params: { path: { id: contract.id }, header: idempotent() }, body: { version: contract.offer!.version },
  });
  if (!accepted.data) throw new Error(`fuzz: accepting the offer failed: ${JSON.stringify(accepted.error)}`);
  return contract.id;
}

/** A contract with three milestones, the first funded and under a pending change request. */
async function seed(token: string, freelancer: { id: string; token: string }): Promise<string> {
  const api = createApiClient({ baseUrl, token });
  const id = await openContract(token, freelancer, 'Fuzzed contract', [500_00, 800_00, 300_00]);
  const path = () => ({ params: { path: { id }, header: idempotent() } });
  const cr = await api.POST('/contracts/{id}/change-requests', { ...path(), body: { milestoneId: 'm1', changes: { title: 'Sketches, revised' } } });
  if (cr.response.status !== 200) throw new Error(`fuzz: seeding failed: ${JSON.stringify(cr.error)}`);
  return id;
}

/** R28: a contract whose first milestone is funded and under a dispute the operator may resolve. */
async function seedDispute(token: string, freelancer: { id: string; token: string }): Promise<{ contractId: string; disputeId: string }> {
  const api = createApiClient({ baseUrl, token });
  const id = await openContract(token, freelancer, 'Disputed contract', [600_00]);
  const opened = await api.POST('/contracts/{id}/milestones/{milestoneId}/disputes', {
    params: { path: { id, milestoneId: 'm1' }, header: idempotent() }, body: { reason: 'Not what was agreed' },
  });
  const disputeId = (opened.data as { requestId?: string } | undefined)?.requestId;
  if (!disputeId) throw new Error(`fuzz: seeding the dispute failed: ${JSON.stringify(opened.error)}`);
  return { contractId: id, disputeId };
}
