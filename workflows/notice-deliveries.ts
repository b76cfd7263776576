// A contract's notices in flight: each delivered by an activity on the notices queue, so it never blocks or
// reorders the contract; those still in flight at a continue-as-new move to the next run. Workflow code.
import { log, proxyActivities } from '@temporalio/workflow';
import type { ContractActivities } from '../activities/types.js';
import type { Notice } from '../domain/events.js';
import { PAYLOAD_BUDGET } from '../domain/budgets.js';
import { deliveryOptions } from './activity-options.js';
import { deliveryFor } from './notices.js';

const { deliverNotice } = proxyActivities<ContractActivities>(deliveryOptions);

export class NoticeDeliveries {
  private readonly delivering = new Map<string, Notice>();

  get inFlight(): number {
    return this.delivering.size;
  }

  deliver(notice: Notice): void {
    this.delivering.set(notice.key, notice);
    void deliverNotice
      .executeWithOptions({ ...deliveryFor(), summary: `Notify the ${notice.recipientRole}: ${notice.event.replaceAll('_', ' ')}` }, [notice])
      .catch((err) => log.error('notice not delivered', { key: notice.key, err: String(err) }))
      .finally(() => this.delivering.delete(notice.key));
  }

  /** Notices still in flight, as many as fit the budget; the outbox's sweep re-drives the rest. */
  carry(): Notice[] {
    const out: Notice[] = [];
    let bytes = 0;
    for (const n of this.delivering.values()) {
      bytes += JSON.stringify(n).length * 3; // UTF-16 units to at most three UTF-8 bytes each
      if (bytes > PAYLOAD_BUDGET.undeliveredBytes) break;
      out.push(n);
    }
    return out;
  }
}
