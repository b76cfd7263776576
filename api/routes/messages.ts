// My in-app messages (R24), newest first, and marking one as read.
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { messagesQuery } from '../../domain/schemas.js';
import { HttpProblem } from '../problem.js';
import type { Router } from '../router.js';

const view = (m: { id: bigint; contractId: string; subject: string; body: string; readAt: Date | null; createdAt: Date; notificationId: string }) => ({
  object: 'message',
  id: String(m.id),
  contractId: m.contractId,
  notificationId: m.notificationId,
  subject: m.subject,
  body: m.body,
  readAt: m.readAt?.toISOString() ?? null,
  createdAt: m.createdAt.toISOString(),
});

export function messageRoutes(router: Router, db: Db): void {
  router.add(
    { method: 'get', path: '/messages', summary: 'My in-app messages, newest first', tag: 'Messages', query: messagesQuery, success: 200, rules: ['R24'] },
    async ({ query }, _req, res) => {
      const after = query.startingAfter === undefined ? undefined : /^\d+$/.test(query.startingAfter) ? BigInt(query.startingAfter) : null;
      if (after === null) throw new HttpProblem(400, 'INVALID_CURSOR', 'startingAfter is a message id');
      const rows = await db.inAppMessage.findMany({
        where: { recipientId: res.locals.user.id, ...(after ? { id: { lt: after } } : {}), ...(query.unread === 'true' ? { readAt: null } : {}) },
        orderBy: { id: 'desc' },
        take: query.limit + 1,
      });
      const page = rows.slice(0, query.limit);
      res.json({ object: 'list', data: page.map(view), hasMore: rows.length > query.limit, nextCursor: rows.length > query.limit ? String(page.at(-1)!.id) : null });
    },
  );

  router.add(
    // Naturally idempotent (reading twice changes nothing), so no Idempotency-Key is needed.
    { method: 'post', path: '/messages/:id/read', summary: 'Mark a message as read', tag: 'Messages', params: z.object({ id: z.string().regex(/^\d+$/) }).strict(), success: 200 },
    async ({ params }, _req, res) => {
      const id = BigInt(params.id);
      const me = res.locals.user.id;
      await db.inAppMessage.updateMany({ where: { id, recipientId: me, readAt: null }, data: { readAt: new Date() } });
      const m = await db.inAppMessage.findFirst({ where: { id, recipientId: me } });
      if (!m) throw new HttpProblem(404, 'NOT_FOUND', 'No such message');
      res.json(view(m));
    },
  );
}
