// Activities, built by a factory so tests hand in a real database and a mailer of their choosing.
// Each is one transaction or one delivery, and idempotent: a retry writes and sends nothing twice.
import type { Db } from '../db/client.js';
import type { Mailer } from './mail.js';
import { createNotifications } from './notifications.js';
import { createNoticeSweep } from './notice-sweep.js';
import { createPersistence } from './persistence.js';
import type { ContractActivities, NoticeSweepActivities } from './types.js';

export interface ActivityDeps {
  db: Db;
  /** Absent in development (no RESEND_API_KEY): emails are recorded as skipped, in-app messages still go out. */
  mail?: Mailer;
}

export function createActivities({ db, mail }: ActivityDeps): ContractActivities & NoticeSweepActivities {
  return { ...createPersistence(db), ...createNotifications(db, mail), ...createNoticeSweep(db) };
}
