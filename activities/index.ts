// Activities, built by a factory so tests hand in a real database of their choosing. Each activity is
// one transaction (or one delivery) and idempotent: a retry after a lost acknowledgement writes nothing twice.
import { log } from '@temporalio/activity';
import type { ContractActivities } from './types.js';
import type { Db } from './db.js';

export interface ActivityDeps {
  db: Db;
}

export function createActivities({ db }: ActivityDeps): ContractActivities {
  return {
    async persistTransition(record) {
      const { state, request } = record;
      const row = { clientId: state.clientId, freelancerId: state.freelancerId, title: state.title, status: state.status };
      await db.$transaction(async (tx) => {
        await tx.contract.upsert({ where: { id: state.id }, create: { id: state.id, ...row }, update: row });
        if (!request) return;
        if (request.state === 'pending') {
          await tx.changeRequest.upsert({
            where: { id: request.id },
            create: {
              id: request.id,
              contractId: state.id,
              state: 'pending',
              // Proposals never expire (README); the column keeps a far date until the schema grows.
              expiresAt: new Date(request.expiresAt ?? '9999-12-31T00:00:00Z'),
            },
            update: {},
          });
        } else {
          // Only a pending row moves: a retry (or a stale report) after the first write changes nothing.
          await tx.changeRequest.updateMany({
            where: { id: request.id, state: 'pending' },
            data: { state: request.state, resolvedAt: new Date(record.at) },
          });
        }
      });
    },

    async deliverNotice(notice) {
      // Email and in-app delivery arrive with the persistence issue; until then notices are logged.
      log.info('notice', { key: notice.key, to: notice.recipientId, event: notice.event });
    },
  };
}
