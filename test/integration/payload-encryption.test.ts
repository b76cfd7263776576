// Payload encryption on a real dev server: what Temporal stores is ciphertext (read back by a client
// without the codec), the product's codec reads it, a key rotated mid-contract leaves both generations
// readable, a history replays with the keys and not without them, and a missing key fails by name.
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { ApplicationFailure, type Payload, defaultPayloadConverter } from '@temporalio/common';
import { decodeOptionalFailureToOptionalError, loadDataConverter } from '@temporalio/common/lib/internal-non-workflow/index.js';
import proto, { type temporal as api } from '@temporalio/proto';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataConverter } from '../../codec/data-converter.js';
import { newPayloadKeyEntry, parsePayloadKeys, type PayloadKeys } from '../../codec/keys.js';
import { ENCRYPTED_ENCODING, EncryptionCodec, KEY_ID_METADATA, PayloadDecryptionError } from '../../codec/payload-codec.js';
import { shared } from '../support/context.js';
import { ContractDriver } from '../support/contract-driver.js';
import { createRecorder } from '../support/recording-activities.js';
import { quietRuntime } from '../support/runtime.js';
import { withNoticeWorker } from '../support/workers.js';

// A CommonJS module: Node's ESM loader sees only its default export.
const { temporal } = proto;
type History = api.api.history.v1.IHistory;

const entryA = newPayloadKeyEntry().replace(/^[^:]+/, `old-${randomUUID().slice(0, 8)}`);
const entryB = newPayloadKeyEntry().replace(/^[^:]+/, `new-${randomUUID().slice(0, 8)}`);
const onlyA = parsePayloadKeys(entryA, 'key A');
const rotated = parsePayloadKeys(`${entryB},${entryA}`, 'keys B, A');
const onlyB = parsePayloadKeys(entryB, 'key B');
const [idA, idB] = [onlyA.currentId, onlyB.currentId];
const FIRST_TITLE = 'Confidential: logo for Ada Lovelace';
const SECOND_TITLE = 'Confidential: website for Grace Hopper';

let native: NativeConnection;
let connection: Connection;
let raw: Client;
const taskQueue = `codec-${randomUUID()}`;

beforeAll(async () => {
  quietRuntime();
  native = await NativeConnection.connect({ address: shared('temporalAddress') });
  connection = await Connection.connect({ address: shared('temporalAddress') });
  // What anyone with access to the Temporal server (its database, its UI without a codec) sees.
  raw = new Client({ connection });
});
afterAll(async () => {
  await connection?.close();
  await native?.close();
});

/** Runs `fn` with a worker and a client on these keys, as a deployment configured with them would. */
async function withKeys<T>(keys: PayloadKeys, fn: (client: Client) => Promise<T>, failFirstWrite = false): Promise<T> {
  const activities = createRecorder().activities;
  // A failure's message is customer data too when it quotes a title: the projection's first batch fails
  // with it (shown in the contract's details too), and the workflow writes the batch again.
  if (failFirstWrite) {
    const project = activities.projectTransitions;
    let failed = false;
    activities.projectTransitions = async (records) => {
      if (failed) return project(records);
      failed = true;
      throw ApplicationFailure.nonRetryable(`could not store "${FIRST_TITLE}"`, 'TEST_FAILURE');
    };
  }
  const main = await Worker.create({
    connection: native, taskQueue, dataConverter: dataConverter(keys), activities,
    workflowBundle: { codePath: shared('workflowBundlePath') },
  });
  const group = await withNoticeWorker(main, native, activities);
  return group.runUntil(() => fn(new Client({ connection, dataConverter: dataConverter(keys) })));
}

/**
 * Every payload in a history with where it sits. Two kinds stay readable by design, and are left out:
 * search attributes (the server indexes them; they hold ids and states, never titles or amounts) and
 * the SDK's patch markers (a patch's name).
 */
function located(history: History): { path: string; payload: Payload }[] {
  const found: { path: string; payload: Payload }[] = [];
  const walk = (value: unknown, path: string): void => {
    if (!value || typeof value !== 'object' || ArrayBuffer.isView(value)) return;
    const o = value as Record<string, unknown>;
    const metadata = o.metadata as Record<string, unknown> | null | undefined;
    if (metadata && typeof metadata === 'object' && 'encoding' in metadata) found.push({ path, payload: o as Payload });
    else Object.entries(o).forEach(([k, v]) => walk(v, `${path}.${k}`));
  };
  walk(history, '');
  return found;
}
const readableByDesign = /\.searchAttributes\.indexedFields\.|\.markerRecordedEventAttributes\.details\.patch-data\./;
const payloadsOf = (history: History): Payload[] =>
  located(history).filter((l) => !readableByDesign.test(l.path)).map((l) => l.payload);

const keyIdOf = (p: Payload) => Buffer.from(p.metadata![KEY_ID_METADATA] ?? new Uint8Array()).toString();
const encodingOf = (p: Payload) => Buffer.from(p.metadata!.encoding!).toString();
const historyBytes = (h: History) => Buffer.from(temporal.api.history.v1.History.encode(h).finish());

describe('payload encryption on the dev server', () => {
  const contractId = randomUUID();
  let history: History;

  beforeAll(async () => {
    await withKeys(onlyA, async (client) => {
      const c = new ContractDriver(client, taskQueue, contractId);
      await c.create({ milestones: [{ title: FIRST_TITLE, amountCents: 1000 }] }); // an offer (R30)
      // Bounded: the batch's one attempt fails within seconds on a busy machine.
      for (let i = 0; !(await c.handle.fetchHistory()).events?.some((e) => e.activityTaskFailedEventAttributes); i++) {
        if (i >= 150) throw new Error('the failing projection was not recorded within 15 s');
        await new Promise((r) => setTimeout(r, 100));
      }
    }, true);
    // Rotation: a new key first, the old one kept for what it encrypted.
    await withKeys(rotated, async (client) => {
      const c = new ContractDriver(client, taskQueue, contractId);
      await c.accept();
      await c.add(SECOND_TITLE, 1200);
      // The workflow's state names texts by reference; the titles travel in the commands and the activities.
      expect((await c.state()).milestones).toHaveLength(2);
      // Bounded: the projection writes just behind the answer; its retried batch completes within seconds.
      for (let i = 0; !(await c.handle.fetchHistory()).events?.some((e) => e.activityTaskCompletedEventAttributes); i++) {
        if (i >= 300) throw new Error('the projection did not complete within 30 s');
        await new Promise((r) => setTimeout(r, 100));
      }
    });
    history = await raw.workflow.getHandle(`contract-${contractId}`).fetchHistory();
  });

  it('stores only ciphertext: no payload in the history is readable without the codec', () => {
    const payloads = payloadsOf(history);

    const kinds = new Set(located(history).filter((l) => !readableByDesign.test(l.path))
      .map((l) => l.path.replace(/^\.events\.\d+\./, '').replace(/\.\d+$/, '')));

    expect(payloads.length).toBeGreaterThan(5);
    expect(new Set(payloads.map(encodingOf))).toEqual(new Set([ENCRYPTED_ENCODING]));
    expect([...kinds].sort()).toEqual(expect.arrayContaining([
      'userMetadata.summary', 'workflowExecutionStartedEventAttributes.input.payloads',
      'workflowExecutionUpdateAcceptedEventAttributes.acceptedRequest.input.args.payloads',
      'workflowExecutionUpdateCompletedEventAttributes.outcome.success.payloads',
      'activityTaskScheduledEventAttributes.input.payloads', 'activityTaskCompletedEventAttributes.result.payloads',
    ]));
    for (const text of [FIRST_TITLE, SECOND_TITLE, 'Ada Lovelace', 'Brand identity', '"amountCents"']) {
      expect(historyBytes(history).includes(text), text).toBe(false);
    }
  });

  it('decrypts with the codec: the same history read through it holds the titles', async () => {
    const decoded = await new EncryptionCodec(rotated).decode(payloadsOf(history));

    const values = JSON.stringify(decoded.map((p) => defaultPayloadConverter.fromPayload(p)));
    expect(values).toContain(FIRST_TITLE);
    expect(values).toContain(SECOND_TITLE);
  });

  it('rotates: payloads before the rotation carry the old key id, those after it the new one', () => {
    const ids = payloadsOf(history).map(keyIdOf);

    expect(ids.indexOf(idB)).toBeGreaterThan(ids.lastIndexOf(idA));
    expect(new Set(ids)).toEqual(new Set([idA, idB]));
  });

  it('fails by name when a key still needed was dropped from the list', async () => {
    const err = await new EncryptionCodec(onlyB).decode(payloadsOf(history)).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(PayloadDecryptionError);
    expect((err as PayloadDecryptionError).code).toBe('PAYLOAD_KEY_UNKNOWN');
    expect((err as Error).message).toContain(`"${idA}"`);
  });

  it('encrypts a failure\'s message and stack with the payloads, and restores them with the keys', async () => {
    const failure = history.events!.find((e) => e.activityTaskFailedEventAttributes)!.activityTaskFailedEventAttributes!.failure!;

    expect(failure.message).toBe('Encoded failure');
    expect(encodingOf(failure.encodedAttributes!)).toBe(ENCRYPTED_ENCODING);
    const restored = await decodeOptionalFailureToOptionalError(loadDataConverter(dataConverter(rotated)), failure);
    expect(restored?.message).toBe(`could not store "${FIRST_TITLE}"`);
  });

  it('replays with the keys, and cannot replay without them', async () => {
    const replay = (keys?: PayloadKeys) => Worker.runReplayHistory({
      workflowBundle: { codePath: shared('workflowBundlePath') }, ...(keys ? { dataConverter: dataConverter(keys) } : {}),
    }, history, `contract-${contractId}`);

    await expect(replay(rotated)).resolves.toBeUndefined();
    await expect(replay()).rejects.toThrow();
  });
});
