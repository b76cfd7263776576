// The one data converter every Temporal client and worker of the product uses (API, worker, scripts,
// tests, bench, fault suite): the SDK's JSON payloads, encrypted by the payload codec, and failures whose
// message and stack travel encoded too. A process loads its keys once; a caller that needs other keys (a
// test of rotation, a replay of old fixtures) passes them. Code that bundles workflows itself passes
// `failureConverterPath` to bundleWorkflowCode, so the workflow sandbox encodes failures the same way.
import { resolve } from 'node:path';
import type { DataConverter } from '@temporalio/common';
import { type PayloadKeys, payloadKeysFromEnv } from './keys.js';
import { EncryptionCodec } from './payload-codec.js';

export const failureConverterPath = resolve(import.meta.dirname, 'failure-converter.cjs');

let configured: PayloadKeys | undefined;

/** The keys this process was configured with (the environment, or the development key file). */
export function configuredPayloadKeys(): PayloadKeys {
  configured ??= payloadKeysFromEnv();
  return configured;
}

export function dataConverter(keys: PayloadKeys = configuredPayloadKeys()): DataConverter {
  return { payloadCodecs: [new EncryptionCodec(keys)], failureConverterPath };
}

/** A log-safe line about the keys: where they came from and their ids, the current one first. */
export function describePayloadKeys(keys: PayloadKeys = configuredPayloadKeys()): Record<string, unknown> {
  return { payloadKeys: keys.source, currentPayloadKey: keys.currentId, payloadKeyIds: [...keys.keys.keys()] };
}
