// Platforms and their keys, managed by an operator with their own token (never by a key): create a
// platform, create a key with scopes (shown once), list keys with their last use, rotate one with an
// overlap during which both work, revoke one at once.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { createKeyBody, createPlatformBody, ROTATION_OVERLAP, rotateKeyBody } from '../../domain/identity-schemas.js';
import { idSchema } from '../../domain/schemas.js';
import { type Answer, once, requestHash, requireKey } from '../idempotency.js';
import { issuedKeySchema, keyView, platformKeySchema, platformSchema } from '../identity-views.js';
import { createPlatformKey, rotatePlatformKey } from '../platform-keys.js';
import { HttpProblem } from '../problem.js';
import { forgetCredentials } from '../auth.js';
import { listOf } from '../responses.js';
import type { Router } from '../router.js';

const platformParams = z.object({ id: idSchema }).strict();
const keyParams = z.object({ id: idSchema, keyId: idSchema }).strict();
const KEY_LIST_MAX = 100;
const SHOWN_ONCE = 'The key is in this answer only. No Idempotency-Key: the answer is never stored anywhere, so a lost answer leaves a key '
  + 'nobody holds; revoke it from the list.';

export function platformRoutes(router: Router, db: Db): void {
  const platform = async (id: string) => {
    const row = await db.platform.findUnique({ where: { id } });
    if (!row) throw new HttpProblem(404, 'NOT_FOUND', 'No such platform');
    return row;
  };

  router.add(
    { method: 'post', path: '/platforms', summary: 'Create a platform (a marketplace that will call with keys)', tag: 'Platforms', access: 'platforms',
      body: createPlatformBody, response: platformSchema, success: 201, idempotent: true },
    async ({ body }, { req, res }) => {
      const key = requireKey(req);
      await once(db, req, res, key, requestHash(req, body), async () => {
        const row = await db.platform.create({ data: { id: randomUUID(), name: body.name } });
        res.setHeader('Location', `/platforms/${row.id}`);
        return { status: 201, body: { object: 'platform' as const, id: row.id, name: row.name, createdAt: row.createdAt.toISOString() } } satisfies Answer;
      });
    },
  );

  router.add(
    { method: 'post', path: '/platforms/:id/keys', summary: 'Create a platform key with scopes; shown once', tag: 'Platforms', access: 'platforms',
      params: platformParams, body: createKeyBody, response: issuedKeySchema, success: 201, description: SHOWN_ONCE },
    async ({ params, body }, { res, reply }) => {
      await platform(params.id);
      const issued = await createPlatformKey(db, { platformId: params.id, scopes: body.scopes, ...(body.label ? { label: body.label } : {}), createdBy: res.locals.user.id });
      res.setHeader('Location', `/platforms/${params.id}/keys/${issued.id}`);
      reply({ ...keyView(issued), key: issued.key }, 201);
    },
  );

  router.add(
    { method: 'get', path: '/platforms/:id/keys', summary: "A platform's keys with their last use, newest first (never the keys themselves)",
      tag: 'Platforms', access: 'platforms', params: platformParams, response: listOf(platformKeySchema, 'PlatformKeyList'), success: 200 },
    async ({ params }, { reply }) => {
      await platform(params.id);
      const rows = await db.platformKey.findMany({ where: { platformId: params.id }, orderBy: [{ createdAt: 'desc' }, { id: 'asc' }], take: KEY_LIST_MAX + 1 });
      reply({ object: 'list', data: rows.slice(0, KEY_LIST_MAX).map(keyView), hasMore: rows.length > KEY_LIST_MAX, nextCursor: null });
    },
  );

  router.add(
    { method: 'post', path: '/platforms/:id/keys/:keyId/rotate', summary: 'Rotate a key: a new key now, the old one works for the overlap',
      tag: 'Platforms', access: 'platforms', params: keyParams, body: rotateKeyBody, response: issuedKeySchema, success: 201, errors: [409],
      description: `The overlap is \`overlapSeconds\` (a day unless asked, at most ${ROTATION_OVERLAP.max / 86400} days; 0 stops the old key now); `
        + `a second rotation never lengthens it. 409 KEY_NOT_ACTIVE for a revoked or expired key. ${SHOWN_ONCE}` },
    async ({ params, body }, { res, reply }) => {
      await platform(params.id);
      const exists = await db.platformKey.findFirst({ where: { id: params.keyId, platformId: params.id }, select: { id: true } });
      if (!exists) throw new HttpProblem(404, 'NOT_FOUND', 'No such key');
      const rotated = await rotatePlatformKey(db, {
        platformId: params.id, keyId: params.keyId, overlapSeconds: body.overlapSeconds ?? ROTATION_OVERLAP.default, createdBy: res.locals.user.id,
      });
      if (!rotated) throw new HttpProblem(409, 'KEY_NOT_ACTIVE', 'This key is revoked or expired', 'create a new key instead');
      forgetCredentials({ keyId: params.keyId }); // its new expiry is read again on its next use
      res.setHeader('Location', `/platforms/${params.id}/keys/${rotated.issued.id}`);
      reply({ ...keyView(rotated.issued), key: rotated.issued.key }, 201);
    },
  );

  router.add(
    { method: 'delete', path: '/platforms/:id/keys/:keyId', summary: 'Revoke a key: it stops working at once', tag: 'Platforms', access: 'platforms',
      params: keyParams, response: platformKeySchema, success: 200, description: 'Revoking again answers the key as it is.' },
    async ({ params }, { reply }) => {
      const key = await db.platformKey.findFirst({ where: { id: params.keyId, platformId: params.id } });
      if (!key) throw new HttpProblem(404, 'NOT_FOUND', 'No such key');
      const revoked = key.revokedAt ? key : await db.platformKey.update({ where: { id: key.id }, data: { revokedAt: new Date() } });
      forgetCredentials({ keyId: key.id });
      reply(keyView(revoked));
    },
  );
}
