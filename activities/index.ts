// Activities, built by a factory so tests hand in a real database of their choosing. Each activity is
// one transaction and idempotent: a retry after a lost acknowledgement writes nothing twice.
import type { ContractActivities } from './types.js';
import type { Db } from './db.js';

export interface ActivityDeps {
  db: Db;
}

export function createActivities({ db }: ActivityDeps): ContractActivities {
  return {
    async persistContract(state) {
      const row = {
        clientId: state.clientId,
        freelancerId: state.freelancerId,
        title: state.title,
        status: state.status,
      };
      await db.contract.upsert({ where: { id: state.id }, create: { id: state.id, ...row }, update: row });
    },

    async persistChangeRequestOpened(event) {
      await db.changeRequest.upsert({
        where: { id: event.requestId },
        create: {
          id: event.requestId,
          contractId: event.contractId,
          state: 'pending',
          expiresAt: new Date(event.expiresAt),
        },
        update: {},
      });
    },

    async persistChangeRequestClosed(event) {
      // Only a pending row moves: a retry (or a stale report) after the first write changes nothing.
      await db.changeRequest.updateMany({
        where: { id: event.requestId, state: 'pending' },
        data: { state: event.outcome, resolvedAt: new Date(event.resolvedAt) },
      });
    },
  };
}
