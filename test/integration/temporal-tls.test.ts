// Connections from Temporal's standard client configuration (worker/connection.ts) through mTLS.
// What it proves: the worker process (worker/main.ts, configured only by a TOML profile named in
// TEMPORAL_CONFIG_FILE/TEMPORAL_PROFILE) and the API's client (configured only by TEMPORAL_TLS_* variables)
// both complete a contract command through an endpoint that accepts nothing but TLS with a client
// certificate from its CA, verifying the server's certificate against ours. The endpoint is the shared
// dev server behind an mTLS front (test/support/tls.ts: the CLI's dev server has no TLS flags). What it
// does not prove: Temporal Cloud's API-key path (the same loader sets apiKey; no Cloud account here).
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo, Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../db/client.js';
import { createApp } from '../../api/app.js';
import { issueUser } from '../../api/users.js';
import { root } from '../../scripts/lib/tools.js';
import { type ConnectedClient, connectClient, temporalSettings } from '../../worker/connection.js';
import { shared } from '../support/context.js';
import { http } from '../support/http.js';
import { spawnWorker, stopAll } from '../support/processes.js';
import { type MtlsFront, type Pair, certificate, startMtlsFront } from '../support/tls.js';

let dir: string;
let ca: Pair;
let front: MtlsFront;
let db: Db;
const opened: ConnectedClient[] = [];

beforeAll(async () => {
  mkdirSync(join(root, '.data', 'test'), { recursive: true });
  dir = mkdtempSync(join(root, '.data', 'test', 'tls-'));
  ca = certificate(dir, 'test-ca');
  front = await startMtlsFront(shared('temporalAddress'), certificate(dir, 'localhost', ca, 'serverAuth'), ca);
  db = createDb(shared('databaseUrl'));
});
afterAll(async () => {
  await stopAll();
  await Promise.all(opened.map((c) => c.connection.close()));
  await db?.$disconnect();
  await front?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The variables an operator sets for an mTLS cluster (no profile file). */
function tlsVariables(client: Pair, caCert = ca.cert): Record<string, string> {
  return {
    HOME: dir, TEMPORAL_ADDRESS: front.address, TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TLS_CLIENT_CERT_PATH: client.cert, TEMPORAL_TLS_CLIENT_KEY_PATH: client.key, TEMPORAL_TLS_SERVER_CA_CERT_PATH: caCert,
  };
}

async function connect(env: Record<string, string>): Promise<ConnectedClient> {
  const c = await connectClient(temporalSettings(env), { connectTimeoutMs: 5000 });
  opened.push(c);
  return c;
}

describe('Temporal connections through mTLS', () => {
  // A worker process starts here: give it what a loaded two-core machine needs.
  it('a worker configured by a profile and an API client configured by variables complete a command over mTLS', { timeout: 180_000 }, async () => {
    const profile = join(dir, 'temporal.toml');
    const workerPair = certificate(dir, 'worker', ca, 'clientAuth');
    writeFileSync(profile, [
      '[profile.selfhosted]', `address = "${front.address}"`, 'namespace = "default"',
      '[profile.selfhosted.tls]', `client_cert_path = "${workerPair.cert}"`, `client_key_path = "${workerPair.key}"`,
      `server_ca_cert_path = "${ca.cert}"`,
    ].join('\n'));
    const taskQueue = `tls-${randomUUID()}`;
    const worker = spawnWorker({
      databaseUrl: shared('databaseUrl'), temporalAddress: front.address, taskQueue, workflowBundlePath: shared('workflowBundlePath'),
      extra: { TEMPORAL_CONFIG_FILE: profile, TEMPORAL_PROFILE: 'selfhosted' },
    });
    const api = await connect(tlsVariables(certificate(dir, 'api', ca, 'clientAuth')));
    const server: Server = createApp({ db, temporal: api.client, taskQueue, log: () => {} }).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const call = http(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    const [client, freelancer] = await Promise.all(['Client', 'Freelancer'].map((name) => issueUser(db, { email: `${randomUUID()}@tls.test`, name })));
    await worker.ready;

    const created = await call('POST', '/contracts', { token: client!.token, body: { title: 'Over mTLS', freelancerId: freelancer!.id, milestones: [{ title: 'Kick-off', amountCents: 5000 }] } });
    server.close();

    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.status).toBe('offered');
    expect(worker.output()).toContain('"tls":"mTLS"');
    expect(new Set(front.accepted)).toEqual(new Set(['worker', 'api']));
  });

  it('the endpoint refuses a client without a certificate and a client that does not trust its CA', async () => {
    const otherCa = certificate(dir, 'other-ca');
    const refusedBefore = front.refused;

    const noCert = connect({ HOME: dir, TEMPORAL_ADDRESS: front.address, TEMPORAL_TLS_SERVER_CA_CERT_PATH: ca.cert });
    const distrusting = connect(tlsVariables(certificate(dir, 'distrusting', ca, 'clientAuth'), otherCa.cert));

    await expect(noCert).rejects.toThrow();
    await expect(distrusting).rejects.toThrow();
    expect(front.refused).toBeGreaterThan(refusedBefore);
    expect(front.accepted).not.toContain('distrusting');
  });
});
