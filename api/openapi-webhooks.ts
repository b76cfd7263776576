// The event payloads of R29 as OpenAPI 3.1 `webhooks` (what we POST to a receiver), with the Standard
// Webhooks headers. The schemas mirror domain/webhook-events.ts; a test validates delivered bodies with them.
import type { oas31, ZodOpenApiPathsObject } from 'zod-openapi';
import { LEDGER_KINDS, WEBHOOK_EVENT_TYPES } from '../domain/webhook-events.js';

type Schema = oas31.SchemaObject;

const nullable = (type: 'string' | 'integer', extra: Schema = {}): Schema => ({ type: [type, 'null'], ...extra });
const cents: Schema = { type: 'integer', description: 'Integer cents (USD).' };

const balances: Schema = {
  type: 'object',
  required: ['depositsCents', 'feesCents', 'releasesCents', 'refundsCents', 'escrowCents', 'projectFundsCents'],
  properties: Object.fromEntries(
    ['depositsCents', 'feesCents', 'releasesCents', 'refundsCents', 'escrowCents', 'projectFundsCents'].map((k) => [
      k,
      cents,
    ]),
  ),
  description: 'R10: deposits = fees + releases + refunds + escrow + project funds.',
};

const contract: Schema = {
  type: 'object',
  required: ['id', 'title', 'status', 'clientId', 'freelancerId', 'balances'],
  properties: {
    id: { type: 'string' },
    title: { type: 'string' },
    status: { enum: ['offered', 'open', 'ended'] },
    clientId: { type: 'string' },
    freelancerId: { type: 'string' },
    balances: { $ref: '#/components/schemas/WebhookBalances' },
  },
  description: 'The contract as it stands after the transition that caused the event.',
};

const noticeData: Schema = {
  type: 'object',
  required: [
    'contract',
    'actorId',
    'notified',
    'milestoneId',
    'milestoneTitle',
    'changes',
    'diff',
    'amountCents',
    'version',
    'decidedBy',
    'reason',
  ],
  properties: {
    contract: { $ref: '#/components/schemas/WebhookContract' },
    actorId: { type: 'string', description: 'Who sent the command (a party, operator:<id>, or system).' },
    via: { type: 'string', description: 'Present when a platform key sent the command for the party: `platform:<keyId> for <userId>`.' },
    expiresAt: { type: 'string', format: 'date-time', description: 'R30: on offer events, when the offer expires unless the freelancer answers.' },
    notified: {
      type: 'array',
      items: { enum: ['client', 'freelancer'] },
      description: 'The parties notified of it (R24).',
    },
    milestoneId: nullable('string'),
    milestoneTitle: nullable('string'),
    changes: {
      type: 'array',
      items: {
        type: 'object',
        required: ['field', 'old', 'new'],
        properties: { field: { type: 'string' }, old: {}, new: {} },
      },
      description: 'Field by field, old → new (R24).',
    },
    diff: {
      type: ['object', 'null'],
      description: 'A plan change: added, edited, deleted, moved milestones (R11, R20).',
    },
    amountCents: nullable('integer'),
    version: nullable('integer', { description: "The request's version (R16)." }),
    decidedBy: nullable('string'),
    reason: nullable('string'),
  },
};

const moneyData: Schema = {
  type: 'object',
  required: ['contract', 'actorId', 'kind', 'amountCents', 'milestoneId', 'ledgerKey'],
  properties: {
    contract: { $ref: '#/components/schemas/WebhookContract' },
    actorId: { type: 'string' },
    kind: { enum: Object.keys(LEDGER_KINDS) },
    amountCents: cents,
    milestoneId: nullable('string'),
    ledgerKey: { type: 'string', description: "The ledger entry's idempotency key (R10)." },
  },
};

const event: Schema = {
  type: 'object',
  required: ['id', 'type', 'timestamp', 'contractId', 'seq', 'index', 'data'],
  properties: {
    id: {
      type: 'string',
      pattern: '^evt_',
      description: 'Stable: the same as the webhook-id header; drop a delivery whose id you have seen.',
    },
    type: { enum: Object.keys(WEBHOOK_EVENT_TYPES) },
    timestamp: {
      type: 'string',
      format: 'date-time',
      description: 'When the transition happened (not when this delivery was sent).',
    },
    contractId: { type: 'string' },
    seq: {
      type: 'integer',
      minimum: 1,
      description: "The contract's sequence number: order a contract's events by (seq, index).",
    },
    index: { type: 'integer', minimum: 0 },
    data: {
      oneOf: [{ $ref: '#/components/schemas/WebhookNoticeData' }, { $ref: '#/components/schemas/WebhookMoneyData' }],
    },
  },
};

export const webhookSchemas: Record<string, Schema> = {
  WebhookBalances: balances,
  WebhookContract: contract,
  WebhookNoticeData: noticeData,
  WebhookMoneyData: moneyData,
  WebhookEvent: event,
};

const header = (description: string) => ({ required: true, schema: { type: 'string' } satisfies Schema, description });

/** One `webhooks` entry per event type: the POST a receiver gets, and what its answer means. */
export function webhooksDocument(): ZodOpenApiPathsObject {
  return Object.fromEntries(
    Object.entries(WEBHOOK_EVENT_TYPES).map(([type, summary]) => [
      type,
      {
        post: {
          summary,
          description:
            'Signed per Standard Webhooks (HMAC-SHA256 over `id.timestamp.body`). Answer 2xx within 10 s. ' +
            '408, 429, 5xx, timeouts and network errors are retried for 72 h (5 s, then ×3 up to hourly); any other answer is final.',
          tags: ['Webhooks'],
          parameters: [
            { name: 'webhook-id', in: 'header', ...header('The event id: the same on every retry and redelivery.') },
            { name: 'webhook-timestamp', in: 'header', ...header('Unix seconds when this attempt was signed.') },
            {
              name: 'webhook-signature',
              in: 'header',
              ...header('Space-separated v1,<base64> signatures: two during a secret rotation.'),
            },
          ],
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  allOf: [{ $ref: '#/components/schemas/WebhookEvent' }, { properties: { type: { const: type } } }],
                },
              },
            },
          },
          responses: { '2XX': { description: 'Received (deliver idempotently: dedupe by webhook-id).' } },
        },
      },
    ]),
  );
}
