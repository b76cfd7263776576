// The webhook sweep, run every five minutes by a Temporal Schedule on the webhook queue: one bounded
// activity (webhooks/held-sweep.ts) that gives quiet endpoints past their circuit's opening a probe and
// starts deliveries left held behind a closed circuit. What one run leaves waits for the next.
import { proxyActivities, setCurrentDetails } from '@temporalio/workflow';
import type { WebhookSweepActivities } from '../activities/types.js';
import type { HeldSweepResult } from '../webhooks/held-sweep.js';
import { webhookSweepOptions } from './webhook-options.js';

export async function webhookSweepWorkflow(): Promise<HeldSweepResult> {
  const { sweepHeldWebhookDeliveries } = proxyActivities<WebhookSweepActivities>(webhookSweepOptions);
  const result = await sweepHeldWebhookDeliveries();
  setCurrentDetails(`Probed **${result.probed}** endpoint(s) past their circuit's opening; started **${result.resumed}** held deliveries`
    + `${result.more ? '; more are left for the next run' : ''}.`);
  return result;
}
