// My in-app messages (R24), newest first, and marking one as read.
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { listMessages, markMessageRead, messageView } from '../../db/read-model.js';
import { messagesQuery } from '../../domain/schemas.js';
import { HttpProblem } from '../problem.js';
import { listOf, messageSchema } from '../responses.js';
import type { Router } from '../router.js';

/** Message ids are BIGINT: 18 digits always fit, so a longer one is malformed, never a database error. */
const messageId = z.string().regex(/^\d{1,18}$/).meta({ description: 'A message id (digits).', example: '42' });

/** A message id as the document says it: an integer from 1 to 2^53 - 1; null otherwise. */
function messageCursor(text: string): bigint | null {
  if (!/^\d{1,16}$/.test(text)) return null;
  const n = Number(text);
  return n >= 1 && n <= Number.MAX_SAFE_INTEGER ? BigInt(n) : null;
}

export function messageRoutes(router: Router, db: Db): void {
  router.add(
    { method: 'get', path: '/messages', summary: 'My in-app messages, newest first', tag: 'Messages', query: messagesQuery,
      response: listOf(messageSchema, 'MessageList'), success: 200, rules: ['R24'] },
    async ({ query }, { res, reply }) => {
      const before = query.startingAfter === undefined ? undefined : messageCursor(query.startingAfter);
      if (before === null) throw new HttpProblem(400, 'INVALID_CURSOR', 'startingAfter is a message id');
      const rows = await listMessages(db, res.locals.user.id, query.limit, { before, unread: query.unread === 'true' });
      const page = rows.slice(0, query.limit);
      reply({ object: 'list', data: page.map(messageView), hasMore: rows.length > query.limit, nextCursor: rows.length > query.limit ? String(page.at(-1)!.id) : null });
    },
  );

  router.add(
    // Naturally idempotent (reading twice changes nothing), so no Idempotency-Key is needed.
    { method: 'post', path: '/messages/:id/read', summary: 'Mark a message as read', tag: 'Messages', params: z.object({ id: messageId }).strict(),
      response: messageSchema, success: 200, rules: ['R24'], description: 'Naturally idempotent: no Idempotency-Key.' },
    async ({ params }, { res, reply }) => {
      const m = await markMessageRead(db, res.locals.user.id, BigInt(params.id));
      if (!m) throw new HttpProblem(404, 'NOT_FOUND', 'No such message');
      reply(messageView(m));
    },
  );
}
