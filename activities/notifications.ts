// deliverNotice: one notice becomes an in-app message (written once, keyed by the notice) and an email
// (sent once: the outbox row records it, and Resend's Idempotency-Key covers a send whose answer was lost).
import { ApplicationFailure, log } from '@temporalio/activity';
import type { Notice } from '../domain/events.js';
import { renderNotice } from '../domain/notice-text.js';
import type { Db } from '../db/client.js';
import { MailError, type Mailer } from './mail.js';

export function createNotifications(db: Db, mail: Mailer | undefined) {
  return {
    async deliverNotice(notice: Notice): Promise<void> {
      const row = await db.notification.findUnique({ where: { id: notice.key }, include: { recipient: true } });
      if (!row) {
        throw ApplicationFailure.nonRetryable(`notification ${notice.key} was never persisted`, 'PERSISTENCE_BUG');
      }
      // The stored notice, not the argument: the workflow names texts by reference, the outbox row holds them.
      const rendered = renderNotice(row.payload as unknown as Notice);
      await db.inAppMessage.createMany({
        data: [{ notificationId: row.id, recipientId: row.recipientId, contractId: row.contractId, subject: rendered.subject, body: rendered.text }],
        skipDuplicates: true,
      });
      if (row.emailState !== 'pending') return; // sent, skipped or failed by an earlier attempt

      if (!mail) {
        await db.notification.update({ where: { id: row.id }, data: { emailState: 'skipped', lastError: 'skipped: no provider (RESEND_API_KEY is not set)' } });
        // The recipient by id: logs are kept and shipped more widely than the users table, addresses stay there.
        info('email skipped: no provider', { notice: row.id, recipientId: row.recipientId, subject: rendered.subject });
        return;
      }

      await db.notification.update({ where: { id: row.id }, data: { attempts: { increment: 1 } } });
      try {
        const { id } = await mail.send({ to: row.recipient.email, subject: rendered.subject, html: rendered.html, text: rendered.text, idempotencyKey: row.id });
        await db.notification.update({ where: { id: row.id }, data: { emailState: 'sent', providerId: id, emailedAt: new Date(), lastError: null } });
      } catch (err) {
        if (!(err instanceof MailError)) throw err;
        if (err.retryable) {
          await db.notification.update({ where: { id: row.id }, data: { lastError: err.message } });
          throw ApplicationFailure.retryable(err.message, 'EMAIL_UNAVAILABLE');
        }
        // The provider refused this email for good (bad address, bad payload): record it, stop retrying.
        await db.notification.update({ where: { id: row.id }, data: { emailState: 'failed', lastError: err.message } });
        throw ApplicationFailure.nonRetryable(err.message, 'EMAIL_REJECTED');
      }
    },
  };
}

/** The activity's logger inside an activity; a JSON line when the notice pump sends outside one (activities/notice-pump.ts). */
function info(msg: string, meta: Record<string, unknown>): void {
  try {
    log.info(msg, meta);
  } catch {
    console.log(JSON.stringify({ level: 'info', msg, ...meta }));
  }
}
