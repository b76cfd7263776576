// Webhook endpoints (R29): a party registers endpoints for its own contracts, sees each secret once, lists,
// disables, enables, deletes and rotates them, reads an endpoint's delivery log and asks for a redelivery.
// Another user's endpoint, and a contract that is not the caller's, are 404s (nothing is revealed).
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Client } from '@temporalio/client';
import type { Db } from '../../db/client.js';
import { cancelPending } from '../../webhooks/breaker.js';
import { startDelivery } from '../../webhooks/outbox.js';
import type { SecretBox } from '../../webhooks/secret-box.js';
import type { WebhookSettings } from '../../webhooks/settings.js';
import { targetRefusal } from '../../webhooks/target.js';
import {
  createEndpointBody,
  deliveriesQuery,
  deliveryParams,
  endpointParams,
  rotateSecretBody,
} from '../../domain/webhook-schemas.js';
import type { WebhookDelivery, WebhookEndpoint } from '../../generated/prisma/client.js';
import { once, requestHash, requireKey, storeAnswer } from '../idempotency.js';
import { contractIdFor } from './commands.js';
import { HttpProblem } from '../problem.js';
import {
  listOf,
  webhookDeliverySchema,
  webhookEndpointSchema,
  webhookEndpointWithSecretSchema,
} from '../responses.js';
import type { Router } from '../router.js';
import { loadParties } from '../../db/read-model.js';
import { webhookTaskQueue } from '../../domain/names.js';

type EndpointBody = z.input<typeof webhookEndpointSchema>;
type DeliveryBody = z.input<typeof webhookDeliverySchema>;

/** Enough for an integration per contract family; a bound so one account cannot fill the table. */
const MAX_ENDPOINTS_PER_OWNER = 20;
const TAG = 'Webhooks';

/** Standard Webhooks' secret format: whsec_ and 24 to 64 random bytes in base64. */
const newSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;

const endpointView = (e: WebhookEndpoint): EndpointBody => ({
  object: 'webhook_endpoint',
  id: e.id,
  url: e.url,
  description: e.description,
  contractId: e.contractId,
  eventTypes: e.eventTypes,
  status: e.status as EndpointBody['status'], // the column holds only these (routes and activities/webhooks.ts write it)
  failingSince: e.failingSince?.toISOString() ?? null,
  circuitOpenUntil: e.circuitOpenUntil && e.circuitOpenUntil > new Date() ? e.circuitOpenUntil.toISOString() : null,
  disabledReason: e.status === 'disabled' ? e.disabledReason : null,
  previousSecretExpiresAt:
    e.previousSecretExpiresAt && e.previousSecretExpiresAt > new Date()
      ? e.previousSecretExpiresAt.toISOString()
      : null,
  createdAt: e.createdAt.toISOString(),
});

const deliveryView = (d: WebhookDelivery & { event: { type: string; contractId: string; seq: number } }): DeliveryBody => ({
  object: 'webhook_delivery',
  eventId: d.eventId,
  eventType: d.event.type,
  contractId: d.event.contractId,
  seq: d.event.seq,
  status: d.status as DeliveryBody['status'], // as above
  attempts: d.attempts,
  lastStatusCode: d.lastStatusCode,
  lastError: d.lastError,
  nextRetryAt: d.nextRetryAt?.toISOString() ?? null,
  deliveredAt: d.deliveredAt?.toISOString() ?? null,
  createdAt: d.createdAt.toISOString(),
});

/** What a stored answer keeps of the secret it showed: enough to find it again, nothing that signs. */
const digest = (secret: string): string => createHash('sha256').update(secret).digest('hex');

export function webhookRoutes(
  router: Router,
  db: Db,
  temporal: Client,
  taskQueue: string,
  settings: WebhookSettings,
  secrets: SecretBox,
): void {
  /**
   * A stored answer names its secret by digest; a replay reads the endpoint's secrets back (opened) and
   * answers the one with that digest. Once it no longer signs (the endpoint deleted, rotated twice since,
   * or rotated since and the overlap ended), the answer cannot be given again: 409, and a new key.
   */
  const answerWithSecret = async (stored: unknown, me: string): Promise<unknown> => {
    const { secretDigest, ...view } = stored as EndpointBody & { secretDigest?: string };
    if (!secretDigest) return stored;
    const e = await db.webhookEndpoint.findFirst({ where: { id: view.id, ownerId: me } });
    // The previous secret signs only until its overlap ends (as deliveries sign): past it, it is gone.
    const previousSigns = e?.previousSecret && e.previousSecretExpiresAt && e.previousSecretExpiresAt > new Date();
    const live = e ? [e.secret, ...(previousSigns ? [e.previousSecret!] : [])].map((x) => secrets.open(x)) : [];
    const secret = live.find((x) => digest(x) === secretDigest);
    if (!secret) {
      throw new HttpProblem(409, 'IDEMPOTENT_SECRET_GONE', 'The secret this key was answered with no longer signs',
        'the endpoint was deleted or its secret rotated since; use a new key', 'R29');
    }
    return { ...view, secret };
  };

  const mine = async (id: string, me: string): Promise<WebhookEndpoint> => {
    const e = await db.webhookEndpoint.findFirst({ where: { id, ownerId: me } });
    if (!e) throw new HttpProblem(404, 'NOT_FOUND', 'No such webhook endpoint');
    return e;
  };

  router.add(
    {
      method: 'post',
      path: '/webhook-endpoints',
      summary: 'Register a webhook endpoint; its signing secret is in this answer only',
      tag: TAG,
      body: createEndpointBody,
      response: webhookEndpointWithSecretSchema,
      success: 201,
      idempotent: true,
      rules: ['R29'],
      errors: [404, 422],
      description: 'A retry with the same Idempotency-Key answers the same endpoint and secret; it registers nothing more.',
    },
    async ({ body }, { req, res }) => {
      const me = res.locals.user.id;
      const key = requireKey(req);
      // The id derives from the key, so a replayed 201 carries its Location too (only bodies are stored).
      const id = `we_${contractIdFor(`webhook-endpoint\n${me}`, key)}`;
      res.setHeader('Location', `/webhook-endpoints/${id}`);
      // Refusals inside the claim are stored answers: a retry is refused (or answered) the same way. The
      // endpoint and its answer commit together, so a retry can never find one without the other.
      await once(db, req, res, key, requestHash(req, body), () => db.$transaction(async (tx) => {
        const refused = targetRefusal(body.url, settings.allowLoopback);
        if (refused) {
          throw new HttpProblem(422, 'WEBHOOK_TARGET_REFUSED', 'This URL cannot receive webhooks', refused, 'R29');
        }
        if (body.contractId && !(await loadParties(db, body.contractId, me))) {
          throw new HttpProblem(404, 'NOT_FOUND', 'No such contract');
        }
        if (await tx.webhookEndpoint.findUnique({ where: { id } })) {
          // The endpoint this key made is there but the key's row is not (keys are kept for good, so only a
          // row deleted by hand gets here): never a second endpoint under one key.
          throw new HttpProblem(409, 'IDEMPOTENCY_KEY_USED', 'This Idempotency-Key already registered an endpoint',
            `endpoint ${id}; use a new key to register another`, 'R29');
        }
        if ((await tx.webhookEndpoint.count({ where: { ownerId: me } })) >= MAX_ENDPOINTS_PER_OWNER) {
          throw new HttpProblem(422, 'TOO_MANY_ENDPOINTS', `At most ${MAX_ENDPOINTS_PER_OWNER} webhook endpoints per account`,
            'delete one first', 'R29');
        }
        const secret = newSecret();
        const e = await tx.webhookEndpoint.create({
          data: {
            id,
            ownerId: me,
            contractId: body.contractId ?? null,
            url: body.url,
            description: body.description,
            eventTypes: [...new Set(body.eventTypes)],
            secret: secrets.seal(secret),
          },
        });
        await storeAnswer(tx, me, key, { status: 201, body: { ...endpointView(e), secretDigest: digest(secret) } });
        return { status: 201, body: { ...endpointView(e), secret }, stored: true };
      }), (stored) => answerWithSecret(stored, me));
    },
  );

  router.add(
    {
      method: 'get',
      path: '/webhook-endpoints',
      summary: 'My webhook endpoints',
      tag: TAG,
      response: listOf(webhookEndpointSchema, 'WebhookEndpointList'),
      success: 200,
      rules: ['R29'],
    },
    async (_input, { res, reply }) => {
      const rows = await db.webhookEndpoint.findMany({
        where: { ownerId: res.locals.user.id },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      });
      reply({ object: 'list', data: rows.map(endpointView), hasMore: false, nextCursor: null });
    },
  );

  router.add(
    {
      method: 'get',
      path: '/webhook-endpoints/:id',
      summary: 'One webhook endpoint',
      tag: TAG,
      params: endpointParams,
      response: webhookEndpointSchema,
      success: 200,
      rules: ['R29'],
    },
    async ({ params }, { res, reply }) => {
      reply(endpointView(await mine(params.id, res.locals.user.id)));
    },
  );

  for (const [action, status] of [
    ['disable', 'disabled'],
    ['enable', 'enabled'],
  ] as const) {
    router.add(
      {
        method: 'post',
        path: `/webhook-endpoints/:id/${action}`,
        tag: TAG,
        params: endpointParams,
        response: webhookEndpointSchema,
        success: 200,
        rules: ['R29'],
        summary:
          action === 'disable'
            ? 'Stop deliveries to an endpoint (pending ones are canceled)'
            : 'Deliver to an endpoint again',
      },
      async ({ params }, { res, reply }) => {
        await mine(params.id, res.locals.user.id);
        const e = await db.webhookEndpoint.update({ where: { id: params.id }, data: {
          status, failingSince: null, disabledReason: null,
          // Enabled by its owner: the breaker starts over (the owner says the receiver is back).
          ...(status === 'enabled' ? { consecutiveFailures: 0, circuitOpens: 0, circuitOpenUntil: null } : {}),
        } });
        if (status === 'disabled') await cancelPending(db, e.id);
        reply(endpointView(e));
      },
    );
  }

  router.add(
    {
      method: 'delete',
      path: '/webhook-endpoints/:id',
      summary: 'Delete an endpoint and its delivery log',
      tag: TAG,
      params: endpointParams,
      response: z.undefined(),
      success: 204,
      rules: ['R29'],
    },
    async ({ params }, { res, reply }) => {
      await mine(params.id, res.locals.user.id);
      await db.webhookEndpoint.deleteMany({ where: { id: params.id } });
      reply(undefined);
    },
  );

  router.add(
    {
      method: 'post',
      path: '/webhook-endpoints/:id/rotate-secret',
      tag: TAG,
      params: endpointParams,
      body: rotateSecretBody,
      response: webhookEndpointWithSecretSchema,
      success: 200,
      idempotent: true,
      rules: ['R29'],
      description: 'A retry with the same Idempotency-Key answers the same new secret; it does not rotate again.',
      summary: 'A new signing secret (in this answer only); the old one also signs for overlapMinutes',
    },
    async ({ params, body }, { req, res }) => {
      const key = requireKey(req);
      await mine(params.id, res.locals.user.id);
      const me = res.locals.user.id;
      // The new secret and its answer commit together: a retry that took the key over after a lost answer
      // would otherwise rotate again and retire, at once, the secret the receiver still verifies with.
      await once(db, req, res, key, requestHash(req, body), () => db.$transaction(async (tx) => {
        // Bounded: a concurrent rotation (another key) that committed first is read again, at most twice.
        for (let attempt = 1; attempt <= 3; attempt++) {
          const e = await tx.webhookEndpoint.findFirst({ where: { id: params.id, ownerId: me } });
          if (!e) throw new HttpProblem(404, 'NOT_FOUND', 'No such webhook endpoint');
          const secret = newSecret();
          const data = {
            secret: secrets.seal(secret), previousSecret: e.secret,
            previousSecretExpiresAt: new Date(Date.now() + body.overlapMinutes * 60_000),
          };
          // Only over the secret just read: two rotations never both retire the same one.
          const { count } = await tx.webhookEndpoint.updateMany({ where: { id: e.id, secret: e.secret }, data });
          if (count === 0) continue;
          const view = endpointView({ ...e, ...data });
          await storeAnswer(tx, me, key, { status: 200, body: { ...view, secretDigest: digest(secret) } });
          return { status: 200, body: { ...view, secret }, stored: true };
        }
        throw new HttpProblem(503, 'UNAVAILABLE', 'The endpoint was being rotated by other requests', 'retry with the same key');
      }), (stored) => answerWithSecret(stored, me));
    },
  );

  router.add(
    {
      method: 'get',
      path: '/webhook-endpoints/:id/deliveries',
      summary: "An endpoint's delivery log, newest first",
      tag: TAG,
      params: endpointParams,
      query: deliveriesQuery,
      response: listOf(webhookDeliverySchema, 'WebhookDeliveryList'),
      success: 200,
      rules: ['R29'],
    },
    async ({ params, query }, { res, reply }) => {
      await mine(params.id, res.locals.user.id);
      const cursor = query.startingAfter
        ? await db.webhookDelivery.findUnique({
            where: { endpointId_eventId: { endpointId: params.id, eventId: query.startingAfter } },
          })
        : null;
      if (query.startingAfter && !cursor) throw new HttpProblem(404, 'NOT_FOUND', 'startingAfter names no delivery in this log');
      const rows = await db.webhookDelivery.findMany({
        where: {
          endpointId: params.id,
          ...(query.status ? { status: query.status } : {}),
          ...(cursor
            ? {
                OR: [
                  { createdAt: { lt: cursor.createdAt } },
                  { createdAt: cursor.createdAt, eventId: { lt: cursor.eventId } },
                ],
              }
            : {}),
        },
        orderBy: [{ createdAt: 'desc' }, { eventId: 'desc' }],
        take: query.limit + 1,
        include: { event: { select: { type: true, contractId: true, seq: true } } },
      });
      const page = rows.slice(0, query.limit);
      reply({
        object: 'list',
        data: page.map(deliveryView),
        hasMore: rows.length > query.limit,
        nextCursor: rows.length > query.limit ? page.at(-1)!.eventId : null,
      });
    },
  );

  router.add(
    {
      method: 'post',
      path: '/webhook-endpoints/:id/deliveries/:eventId/redeliver',
      tag: TAG,
      params: deliveryParams,
      response: webhookDeliverySchema,
      success: 202,
      rules: ['R29'],
      errors: [409],
      summary: 'Send an event to the endpoint again (same webhook-id: a receiver that dedupes drops it if it had it)',
    },
    async ({ params }, { res, reply }) => {
      const e = await mine(params.id, res.locals.user.id);
      if (e.status === 'disabled')
        throw new HttpProblem(409, 'ENDPOINT_DISABLED', 'The endpoint is disabled', 'enable it first', 'R29');
      const where = { endpointId_eventId: { endpointId: e.id, eventId: params.eventId } };
      const before = await db.webhookDelivery.findUnique({ where });
      if (!before) throw new HttpProblem(404, 'NOT_FOUND', 'No such delivery');
      const settled = before.status === 'delivered' || before.status === 'failed';
      // Pending before the start, so the delivery's own answer (delivered, failed) is never overwritten by this one.
      const d = await db.webhookDelivery.update({
        where,
        data: { status: 'pending', nextRetryAt: null, updatedAt: new Date() },
        include: { event: { select: { type: true, contractId: true, seq: true } } },
      });
      await startDelivery(temporal, webhookTaskQueue(taskQueue), settings, { endpointId: e.id, eventId: params.eventId }, true, settled);
      reply(deliveryView(d));
    },
  );
}
