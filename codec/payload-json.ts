// The codec-server protocol's body: Temporal's Payloads message in protobuf's JSON mapping
// (`{"payloads":[{"metadata":{"encoding":"<base64>"},"data":"<base64>"}]}`), converted by protobufjs's
// own fromObject/toObject, which implement that mapping for bytes and maps. Shapes are checked first, so
// a malformed body is a 400 that says which field, never a 500.
import type { Payload } from '@temporalio/common';
import proto from '@temporalio/proto';
import { z } from 'zod';

// A CommonJS module: Node's ESM loader sees only its default export.
const { temporal } = proto;

const { Payloads } = temporal.api.common.v1;
const bytes = z.base64('base64, as protobuf JSON encodes bytes');

export const payloadsBody = z.object({
  payloads: z.array(z.object({
    metadata: z.record(z.string(), bytes).optional(),
    data: bytes.optional(),
    // Payloads a UI or CLI could send but this codec never writes; refused rather than silently dropped.
  }).strict()),
}).strict();

export type PayloadsJson = z.output<typeof payloadsBody>;

export function fromJson(body: PayloadsJson): Payload[] {
  return Payloads.fromObject(body).payloads;
}

export function toJson(payloads: Payload[]): PayloadsJson {
  return Payloads.toObject(Payloads.create({ payloads }), { bytes: String, defaults: false }) as PayloadsJson;
}
