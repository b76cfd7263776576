// The codec server over HTTP, as the Temporal UI and CLI call it: decode and encode by the protocol,
// operators only, CORS for the UI's origin only, nothing secret in its logs; and the real Temporal CLI
// reading a contract's history through it.
import { execFile } from 'node:child_process';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defaultPayloadConverter } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueUser, type IssuedUser } from '../../api/users.js';
import { configuredPayloadKeys } from '../../codec/data-converter.js';
import { newPayloadKeyEntry, parsePayloadKeys } from '../../codec/keys.js';
import { EncryptionCodec, KEY_ID_METADATA } from '../../codec/payload-codec.js';
import { toJson } from '../../codec/payload-json.js';
import { boundServer, createCodecServer } from '../../codec/server.js';
import { createDb, type Db } from '../../db/client.js';
import { temporalBinary } from '../../scripts/lib/tools.js';
import { shared } from '../support/context.js';
import { ContractDriver } from '../support/contract-driver.js';
import { startRecordingWorker, type RecordingWorker } from '../support/recording-worker.js';

const UI = 'http://localhost:8233';
const codec = new EncryptionCodec(configuredPayloadKeys());
const logs: Record<string, unknown>[] = [];
let db: Db;
let server: Server;
let base: string;
let operator: IssuedUser;
let member: IssuedUser;
let revoked: IssuedUser;

beforeAll(async () => {
  db = createDb(shared('databaseUrl'));
  const suffix = `${Date.now()}-${Math.random().toString(36).slice(2)}`;
  [operator, member, revoked] = await Promise.all([
    issueUser(db, { email: `op-${suffix}@codec.test`, name: 'Operator', role: 'operator' }),
    issueUser(db, { email: `member-${suffix}@codec.test`, name: 'Member' }),
    issueUser(db, { email: `gone-${suffix}@codec.test`, name: 'Former operator', role: 'operator' }),
  ]);
  await db.apiToken.updateMany({ where: { userId: revoked.id }, data: { revokedAt: new Date() } });
  server = boundServer(createCodecServer({ db, codec, corsOrigins: [UI], log: (l) => logs.push(l) }).listen(0, '127.0.0.1'));
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await db?.$disconnect();
});

const value = { title: 'Logo for Ada Lovelace', amountCents: 150_000 };
const post = (path: string, body: unknown, headers: Record<string, string> = {}) => fetch(`${base}${path}`, {
  method: 'POST', headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...headers },
  body: JSON.stringify(body), signal: AbortSignal.timeout(10_000),
});
const bearer = (u: IssuedUser) => ({ authorization: `Bearer ${u.token}` });
const encrypted = async () => toJson(await codec.encode([defaultPayloadConverter.toPayload(value)!]));
const b64 = (s: string) => Buffer.from(s).toString('base64');

/** The CLI's JSON history with every payload's data decoded from base64, joined. */
function payloadTexts(json: string): string {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (!v || typeof v !== 'object') return;
    const o = v as Record<string, unknown>;
    if (o.metadata && typeof o.data === 'string') out.push(Buffer.from(o.data, 'base64').toString());
    Object.values(o).forEach(walk);
  };
  walk(JSON.parse(json));
  return out.join('\n');
}

describe('codec server protocol', () => {
  it('decodes: an operator gets the payload as it was before encryption', async () => {
    const res = await post('/decode', await encrypted(), bearer(operator));

    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const { payloads } = await res.json() as { payloads: { metadata: Record<string, string>; data: string }[] };
    expect(payloads).toHaveLength(1);
    expect(payloads[0]!.metadata.encoding).toBe(b64('json/plain'));
    expect(JSON.parse(Buffer.from(payloads[0]!.data, 'base64').toString())).toEqual(value);
  });

  it('encodes: what the UI sends (a signal\'s input) comes back encrypted under the current key', async () => {
    const plain = { payloads: [{ metadata: { encoding: b64('json/plain') }, data: b64(JSON.stringify(value)) }] };

    const res = await post('/encode', plain, bearer(operator));

    expect(res.status).toBe(200);
    const body = await res.json() as { payloads: { metadata: Record<string, string>; data: string }[] };
    expect(Buffer.from(body.payloads[0]!.metadata[KEY_ID_METADATA]!, 'base64').toString()).toBe(configuredPayloadKeys().currentId);
    expect(Buffer.from(body.payloads[0]!.data, 'base64').includes('Ada')).toBe(false);
    const back = await post('/decode', body, bearer(operator));
    expect(((await back.json()) as typeof plain).payloads).toEqual(plain.payloads);
  });

  it('takes the token from the path (/ui/<token>/decode) for a UI that cannot send a header', async () => {
    const res = await post(`/ui/${operator.token}/decode?preserveStorageRefs=true`, await encrypted());

    expect(res.status).toBe(200);
  });

  it('refuses without a token, with an unknown or revoked one (401), and a non-operator (403)', async () => {
    const body = await encrypted();

    const answers = await Promise.all([
      post('/decode', body), post('/decode', body, { authorization: 'Bearer mc_nobody' }), post('/decode', body, bearer(revoked)),
      post('/ui/mc_nobody/decode', body), post('/decode', body, bearer(member)), post('/encode', body, bearer(member)),
    ]);

    expect(answers.map((r) => r.status)).toEqual([401, 401, 401, 401, 403, 403]);
    expect(answers[0]!.headers.get('www-authenticate')).toBe('Bearer realm="codec"');
    for (const r of answers) expect(await r.text()).not.toContain('Ada');
  });

  it('answers a payload under a key it does not have with 400 naming the key id, and malformed bodies with 400', async () => {
    const other = new EncryptionCodec(parsePayloadKeys(newPayloadKeyEntry().replace(/^[^:]+/, 'retired-key'), 'test'));
    const foreign = toJson(await other.encode([defaultPayloadConverter.toPayload(value)!]));

    const [unknown, notBase64, notPayloads, notJson] = await Promise.all([
      post('/decode', foreign, bearer(operator)),
      post('/decode', { payloads: [{ data: '***' }] }, bearer(operator)),
      post('/decode', { items: [] }, bearer(operator)),
      fetch(`${base}/decode`, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(operator) }, body: '{' }),
    ]);

    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ code: 'PAYLOAD_KEY_UNKNOWN', title: expect.stringContaining('"retired-key"') });
    expect([notBase64.status, notPayloads.status, notJson.status]).toEqual([400, 400, 400]);
    expect((await notBase64.json() as { code: string }).code).toBe('INVALID_PAYLOADS');
  });

  it('logs one line per request with the operator and the count, never a token or a payload', async () => {
    logs.length = 0;

    await post(`/ui/${operator.token}/decode`, await encrypted());
    await post('/decode', await encrypted(), bearer(member));

    expect(logs).toEqual([
      expect.objectContaining({ op: 'decode', status: 200, payloads: 1, operator: operator.id, namespace: 'default' }),
      expect.objectContaining({ op: 'decode', status: 403, payloads: 0 }),
    ]);
    const text = JSON.stringify(logs);
    const material = [...configuredPayloadKeys().keys.values()].map((k) => k.export().toString('base64'));
    for (const secret of [operator.token, member.token, 'Ada', ...material]) expect(text).not.toContain(secret);
  });
});

describe('CORS', () => {
  const preflight = (origin: string) => fetch(`${base}/decode`, {
    method: 'OPTIONS', signal: AbortSignal.timeout(10_000),
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace,authorization' },
  });

  it('lets the UI\'s origin call it from a browser, with the headers the UI sends', async () => {
    const res = await preflight(UI);

    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(UI);
    expect(res.headers.get('access-control-allow-methods')).toBe('POST');
    expect(res.headers.get('access-control-allow-headers')).toBe('content-type,x-namespace,authorization');
    const call = await post('/decode', await encrypted(), { origin: UI, ...bearer(operator) });
    expect(call.headers.get('access-control-allow-origin')).toBe(UI);
  });

  it('gives any other origin no CORS grant, so a browser on another site cannot read the answer', async () => {
    const res = await preflight('https://evil.example');
    const call = await post('/decode', await encrypted(), { origin: 'https://evil.example', ...bearer(operator) });

    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(call.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('the Temporal CLI through the codec server', () => {
  let recording: RecordingWorker;
  let contract: ContractDriver;

  beforeAll(async () => {
    recording = await startRecordingWorker();
    contract = new ContractDriver(recording.client, recording.taskQueue);
    await contract.open([{ title: 'Kick-off', amountCents: 1000 }]); // an accepted offer (R30)
    await contract.add('Milestone the CLI decrypts', 1000);
  });
  afterAll(() => recording?.stop());

  // Asynchronous: the codec server it calls runs in this process and must keep answering.
  const show = (...codecArgs: string[]) => new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const args = ['workflow', 'show', '--address', shared('temporalAddress'), '--workflow-id', contract.workflowId, '--output', 'json', ...codecArgs];
    execFile(temporalBinary('temporal'), args, { encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ status: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });

  it('shows ciphertext without the codec server, and the contract\'s titles with it', async () => {
    const plain = await show();
    const decoded = await show('--codec-endpoint', base, '--codec-auth', `Bearer ${operator.token}`);
    const refused = await show('--codec-endpoint', base, '--codec-auth', `Bearer ${member.token}`);

    expect(plain.status, plain.stderr).toBe(0);
    expect(plain.stdout).toContain(b64('binary/encrypted'));
    expect(payloadTexts(plain.stdout)).not.toContain('Milestone the CLI decrypts');
    expect(decoded.status, decoded.stderr).toBe(0);
    expect(decoded.stdout).not.toContain(b64('binary/encrypted'));
    expect(payloadTexts(decoded.stdout)).toContain('Milestone the CLI decrypts');
    expect(refused.status).not.toBe(0);
  });
});
