// zod schemas of the webhook endpoints API (R29), shared by the routes (validation) and OpenAPI.
import { z } from 'zod';
import { isStorableText } from './fields.js';
import { idSchema, limit } from './schemas.js';
import { ALL_EVENTS, WEBHOOK_EVENT_TYPES } from './webhook-events.js';

const eventTypes = Object.keys(WEBHOOK_EVENT_TYPES) as [string, ...string[]];

export const eventTypeSchema = z
  .enum([ALL_EVENTS, ...eventTypes])
  .meta({ description: 'An event type, or "*" for every type (new ones included).' });

export const endpointIdSchema = z.string().regex(/^we_[0-9a-f-]{36}$/, 'a webhook endpoint id (we_…)');

export const createEndpointBody = z
  .object({
    url: z
      .string()
      .max(2048)
      .refine(isStorableText, 'must not contain NUL characters or unpaired UTF-16 surrogates')
      .meta({
        description:
          'https://… (http:// to a loopback address only where WEBHOOKS_ALLOW_LOOPBACK is set). Private and link-local targets are refused.',
      }),
    eventTypes: z
      .array(eventTypeSchema)
      .min(1)
      .max(eventTypes.length + 1),
    contractId: idSchema
      .optional()
      .meta({ description: 'One of your contracts; absent: all your contracts, present and future.' }),
    description: z
      .string()
      .max(200)
      .refine(isStorableText, 'must not contain NUL characters or unpaired UTF-16 surrogates')
      .default(''),
  })
  .strict();

export const rotateSecretBody = z
  .object({
    overlapMinutes: z
      .number()
      .int()
      .min(0)
      .max(7 * 24 * 60)
      .default(24 * 60)
      .meta({
        description:
          'How long the old secret still signs deliveries beside the new one (default 24 h, at most 7 days).',
      }),
  })
  .strict();

export const endpointParams = z.object({ id: endpointIdSchema }).strict();
/** evt_<contract>_<seq>_<index> (domain/webhook-events.ts). */
export const eventIdSchema = z.string().regex(/^evt_[\w.-]{1,100}_\d{1,10}_\d{1,4}$/, 'an event id (evt_…)');
export const deliveryParams = z.object({ id: endpointIdSchema, eventId: eventIdSchema }).strict();
/** Newest first; the cursor is an event id from this log (404 for any other). */
export const deliveriesQuery = z
  .object({
    limit,
    startingAfter: eventIdSchema.optional().meta({ description: "Pass the last page's nextCursor: an event id." }),
    status: z.enum(['pending', 'delivered', 'failed', 'canceled']).optional(),
  })
  .strict();
