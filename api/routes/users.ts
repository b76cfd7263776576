// Users over the API: a marketplace (a platform key with users:write, or an operator) creates its users,
// reads and updates them, deactivates them, and issues, lists and revokes their tokens. A platform key sees
// its own platform's users only: any other id is the same 404 as an id that names nobody.
import { randomUUID } from 'node:crypto';
import { contractIdFor } from './commands.js';
import type { Client } from '@temporalio/client';
import type { Response } from 'express';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { createUserBody, issueTokenBody, TOKEN_DAYS, updateUserBody } from '../../domain/identity-schemas.js';
import { idSchema, emptyBody } from '../../domain/schemas.js';
import { forgetCredentials, hashToken, newToken } from '../auth.js';
import { type Answer, once, requestHash, requireKey } from '../idempotency.js';
import { issuedTokenSchema, tokenSchema, tokenView, userSchema, userView } from '../identity-views.js';
import { HttpProblem } from '../problem.js';
import { retryWaitingPayouts } from '../payout-retries.js';
import { listOf } from '../responses.js';
import type { Router } from '../router.js';

const userParams = z.object({ id: idSchema }).strict();
const tokenParams = z.object({ id: idSchema, tokenId: idSchema }).strict();
const DAY_MS = 24 * 3600 * 1000;
/** A user's token list shows the newest this many (tokens are revoked or expire; a list longer is a leak to fix). */
const TOKEN_LIST_MAX = 100;

/** The platform whose users the caller may see: its own for a key, every user for an operator (null). */
const visiblePlatform = (res: Response): string | null => (res.locals.caller.kind === 'platform' ? res.locals.caller.platformId : null);

const noSuchUser = () => new HttpProblem(404, 'NOT_FOUND', 'No such user');

async function visibleUser(db: Db, res: Response, id: string) {
  const user = await db.user.findUnique({ where: { id } });
  const platform = visiblePlatform(res);
  if (!user || (platform !== null && user.platformId !== platform)) throw noSuchUser();
  return user;
}

/** The same email or subject twice: said to the caller, who sent it (an email is unique across the service). */
async function assertFree(db: Db, platformId: string | null, fields: { email?: string; externalId?: string | null }, except?: string): Promise<void> {
  if (fields.email) {
    const taken = await db.user.findUnique({ where: { email: fields.email }, select: { id: true } });
    if (taken && taken.id !== except) throw new HttpProblem(409, 'USER_EXISTS', 'A user with this email exists', 'an email belongs to one user');
  }
  if (fields.externalId && platformId) {
    const taken = await db.user.findUnique({ where: { platformId_externalId: { platformId, externalId: fields.externalId } }, select: { id: true } });
    if (taken && taken.id !== except) {
      throw new HttpProblem(409, 'USER_EXISTS', 'A user of this platform has this externalId', 'an externalId names one user of a platform');
    }
  }
}

/** A unique index refused the write after the check passed (two requests at once): the same 409. */
function uniqueRace(err: unknown): never {
  if ((err as { code?: string }).code === 'P2002') throw new HttpProblem(409, 'USER_EXISTS', 'A user with this email or externalId exists');
  throw err;
}

export function userRoutes(router: Router, db: Db, temporal: Client): void {
  router.add(
    { method: 'post', path: '/users', summary: 'Create a user (a client or freelancer of your platform)', tag: 'Users', access: 'users',
      body: createUserBody, response: userSchema, success: 201, idempotent: true, errors: [409],
      description: 'Platform keys with users:write create users of their own platform; an operator may name any platform (or none). '
        + '`externalId` is the user\'s id in your sign-in: JWTs whose `sub` is it sign in as this user. 409 USER_EXISTS for an email '
        + 'already in use, or an externalId your platform already gave.' },
    async ({ body }, { req, res }) => {
      const key = requireKey(req);
      const own = visiblePlatform(res);
      if (own !== null && body.platformId !== undefined && body.platformId !== own) {
        throw new HttpProblem(403, 'PLATFORM_MISMATCH', 'A platform key creates users of its own platform', 'leave platformId out');
      }
      const platformId = own ?? body.platformId ?? null;
      // From (caller, key), as a contract's: known before anything runs, so a replayed 201 carries Location too.
      const id = contractIdFor(res.locals.user.id, key);
      res.setHeader('Location', `/users/${id}`);
      await once(db, req, res, key, requestHash(req, body), async () => {
        if (platformId && !(await db.platform.findUnique({ where: { id: platformId }, select: { id: true } }))) {
          throw new HttpProblem(422, 'PLATFORM_NOT_FOUND', 'No such platform');
        }
        await assertFree(db, platformId, body);
        const user = await db.user.create({
          data: {
            id, email: body.email, name: body.name, role: 'member', platformId, externalId: body.externalId ?? null,
            paymentMethodId: body.paymentMethodId ?? null, payoutAccountId: body.payoutAccountId ?? null,
          },
        }).catch(uniqueRace);
        return { status: 201, body: userView(user) } satisfies Answer;
      });
    },
  );

  router.add(
    { method: 'get', path: '/users/:id', summary: 'A user', tag: 'Users', access: 'users', params: userParams, response: userSchema, success: 200 },
    async ({ params }, { res, reply }) => reply(userView(await visibleUser(db, res, params.id))),
  );

  router.add(
    { method: 'post', path: '/users/:id', summary: 'Update a user: name, email, externalId, payment provider ids', tag: 'Users', access: 'users',
      params: userParams, body: updateUserBody, response: userSchema, success: 200, errors: [409],
      description: 'Fields left out keep their value; `null` clears an optional one. Setting a value twice is harmless, so no Idempotency-Key. '
        + 'A new `payoutAccountId` retries the user\'s payouts that waited for one (R31).' },
    async ({ params, body }, { res, reply }) => {
      const user = await visibleUser(db, res, params.id);
      await assertFree(db, user.platformId, body, user.id);
      const updated = await db.user.update({ where: { id: user.id }, data: body }).catch(uniqueRace);
      // R31: a new payout account pays what waited for one.
      if (body.payoutAccountId && body.payoutAccountId !== user.payoutAccountId) await retryWaitingPayouts(db, temporal, user.id);
      reply(userView(updated));
    },
  );

  router.add(
    { method: 'post', path: '/users/:id/deactivate', summary: 'Deactivate a user: their tokens stop working and nobody may act for them', tag: 'Users',
      access: 'users', params: userParams, body: emptyBody, response: userSchema, success: 200,
      description: 'Their open contracts keep running: timers fire (an automatic release still pays a deactivated freelancer), the other '
        + 'party may still act, and an operator may resolve disputes; the deactivated party can no longer act, and no new contract can '
        + 'name them. Deactivating again changes nothing.' },
    async ({ params }, { res, reply }) => {
      const user = await visibleUser(db, res, params.id);
      if (user.deactivatedAt) return reply(userView(user));
      const updated = await db.user.update({ where: { id: user.id }, data: { deactivatedAt: new Date() } });
      forgetCredentials({ userId: user.id });
      reply(userView(updated));
    },
  );

  router.add(
    { method: 'post', path: '/users/:id/tokens', summary: 'Issue a token for a user; it expires (30 days unless asked, at most 90)', tag: 'Users',
      access: 'users', params: userParams, body: issueTokenBody, response: issuedTokenSchema, success: 201,
      description: 'The token is in this answer only. No Idempotency-Key: the answer is never stored anywhere, so a lost answer leaves a '
        + 'token nobody holds; revoke it from the list.' },
    async ({ params, body }, { res, reply }) => {
      const user = await visibleUser(db, res, params.id);
      if (user.deactivatedAt) throw new HttpProblem(403, 'USER_DEACTIVATED', 'This user is deactivated', 'a deactivated user gets no tokens');
      const token = newToken();
      const row = await db.apiToken.create({
        data: {
          id: randomUUID(), userId: user.id, tokenHash: hashToken(token), label: body.label ?? 'api',
          expiresAt: new Date(Date.now() + (body.expiresInDays ?? TOKEN_DAYS.default) * DAY_MS),
        },
      });
      res.setHeader('Location', `/users/${user.id}/tokens/${row.id}`);
      reply({ ...tokenView(row), token }, 201);
    },
  );

  router.add(
    { method: 'get', path: '/users/:id/tokens', summary: "A user's tokens, newest first (never the tokens themselves)", tag: 'Users', access: 'users',
      params: userParams, response: listOf(tokenSchema, 'TokenList'), success: 200 },
    async ({ params }, { res, reply }) => {
      const user = await visibleUser(db, res, params.id);
      const rows = await db.apiToken.findMany({ where: { userId: user.id }, orderBy: [{ createdAt: 'desc' }, { id: 'asc' }], take: TOKEN_LIST_MAX + 1 });
      reply({ object: 'list', data: rows.slice(0, TOKEN_LIST_MAX).map(tokenView), hasMore: rows.length > TOKEN_LIST_MAX, nextCursor: null });
    },
  );

  router.add(
    { method: 'delete', path: '/users/:id/tokens/:tokenId', summary: 'Revoke a token: it stops working at once', tag: 'Users', access: 'users',
      params: tokenParams, response: tokenSchema, success: 200, description: 'Revoking again answers the token as it is.' },
    async ({ params }, { res, reply }) => {
      const user = await visibleUser(db, res, params.id);
      const token = await db.apiToken.findFirst({ where: { id: params.tokenId, userId: user.id } });
      if (!token) throw new HttpProblem(404, 'NOT_FOUND', 'No such token');
      const revoked = token.revokedAt ? token : await db.apiToken.update({ where: { id: token.id }, data: { revokedAt: new Date() } });
      forgetCredentials({ tokenId: token.id });
      reply(tokenView(revoked));
    },
  );
}
