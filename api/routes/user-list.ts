// The users a caller may see, as a list (a platform key: its own platform's; an operator: everyone), and a
// deactivated user brought back. Beside users.ts, which creates, reads, updates and deactivates them.
import type { Response } from 'express';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { emptyBody, idSchema, limit } from '../../domain/schemas.js';
import { forgetCredentials } from '../auth.js';
import { userSchema, userView } from '../identity-views.js';
import { HttpProblem } from '../problem.js';
import { listOf } from '../responses.js';
import type { Router } from '../router.js';

const userParams = z.object({ id: idSchema }).strict();
const usersQuery = z.object({
  limit,
  startingAfter: idSchema.optional().meta({ description: 'Pass the last page\'s nextCursor: a user id.' }),
  status: z.enum(['active', 'deactivated']).optional().meta({ description: 'Only active or only deactivated users.' }),
}).strict();

/** A platform key sees its own platform's users; an operator (null) sees every user. */
const visiblePlatform = (res: Response): string | null => (res.locals.caller.kind === 'platform' ? res.locals.caller.platformId : null);

export function userListRoutes(router: Router, db: Db): void {
  router.add(
    { method: 'get', path: '/users', summary: 'List the users you may see, newest first', tag: 'Users', access: 'users', query: usersQuery,
      response: listOf(userSchema, 'UserList'), success: 200, errors: [404],
      description: 'A platform key lists its own platform\'s users; an operator, every user. `startingAfter` is a user id from the previous page.' },
    async ({ query }, { res, reply }) => {
      const platform = visiblePlatform(res);
      const visible = {
        ...(platform === null ? {} : { platformId: platform }),
        ...(query.status === 'active' ? { deactivatedAt: null } : query.status === 'deactivated' ? { deactivatedAt: { not: null } } : {}),
      };
      const after = query.startingAfter ? await db.user.findFirst({ where: { id: query.startingAfter, ...(platform === null ? {} : { platformId: platform }) } }) : null;
      if (query.startingAfter && !after) throw new HttpProblem(404, 'NOT_FOUND', 'startingAfter names no user you may see');
      const rows = await db.user.findMany({
        where: after
          ? { AND: [visible, { OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] }] }
          : visible,
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: query.limit + 1,
      });
      const page = rows.slice(0, query.limit);
      reply({ object: 'list', data: page.map(userView), hasMore: rows.length > query.limit, nextCursor: rows.length > query.limit ? page.at(-1)!.id : null });
    },
  );

  router.add(
    { method: 'post', path: '/users/:id/reactivate', summary: 'Reactivate a deactivated user; they start with no working token', tag: 'Users',
      access: 'users', params: userParams, body: emptyBody, response: userSchema, success: 200,
      description: 'They may act again and be named in new contracts. Tokens issued before the deactivation stay revoked: issue new ones. '
        + 'Reactivating an active user changes nothing.' },
    async ({ params }, { res, reply }) => {
      const platform = visiblePlatform(res);
      const user = await db.user.findUnique({ where: { id: params.id } });
      if (!user || (platform !== null && user.platformId !== platform)) throw new HttpProblem(404, 'NOT_FOUND', 'No such user');
      if (!user.deactivatedAt) return reply(userView(user));
      const [, updated] = await db.$transaction([
        // Old tokens do not come back with the user: whoever held them while the user was off keeps nothing.
        db.apiToken.updateMany({ where: { userId: user.id, revokedAt: null, createdAt: { lte: user.deactivatedAt } }, data: { revokedAt: new Date() } }),
        db.user.update({ where: { id: user.id }, data: { deactivatedAt: null } }),
      ]);
      forgetCredentials({ userId: user.id });
      reply(userView(updated));
    },
  );
}
