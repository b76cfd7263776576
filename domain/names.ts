// Workflow ids and the task queue, each id helper with its inverse beside it, so an operator reading
// `contract-<id>` in the Temporal UI and the code that builds it agree.
export const TASK_QUEUE = 'milestone-contracts';

const CONTRACT_PREFIX = 'contract-';
const CHANGE_REQUEST_PREFIX = 'change-request-';

export const contractWorkflowId = (contractId: string): string => `${CONTRACT_PREFIX}${contractId}`;
export const contractIdFromWorkflowId = (workflowId: string): string => {
  if (!workflowId.startsWith(CONTRACT_PREFIX)) throw new Error(`not a contract workflow id: ${workflowId}`);
  return workflowId.slice(CONTRACT_PREFIX.length);
};

export const changeRequestWorkflowId = (requestId: string): string => `${CHANGE_REQUEST_PREFIX}${requestId}`;
export const changeRequestIdFromWorkflowId = (workflowId: string): string => {
  if (!workflowId.startsWith(CHANGE_REQUEST_PREFIX)) throw new Error(`not a change-request workflow id: ${workflowId}`);
  return workflowId.slice(CHANGE_REQUEST_PREFIX.length);
};

/** R14: the feature_flags row that lets a client request changes to an active milestone. */
export const CHANGE_REQUEST_FLAG = 'active_milestone_change_requests';
/**
 * Notice delivery has its own task queue beside each contract queue: an email outage fills
 * only that queue's activity slots, never persistence's. Derived, so every test queue has its own too.
 */
export const noticeTaskQueue = (contractTaskQueue: string): string => `${contractTaskQueue}.notices`;
/** The Schedule that re-drives notices left pending (one per contract queue), and its sweep workflow's id. */
export const noticeSweepScheduleId = (contractTaskQueue: string): string => `notice-sweep-${contractTaskQueue}`;
/** The Schedule that deletes stored Idempotency-Key answers past their 24 hours, and its sweep workflow's id. */
export const answerSweepScheduleId = (contractTaskQueue: string): string => `answer-sweep-${contractTaskQueue}`;
/** The Schedule that starts webhook deliveries held while an endpoint's circuit was open, and its sweep workflow's id. */
export const webhookSweepScheduleId = (contractTaskQueue: string): string => `webhook-sweep-${contractTaskQueue}`;

const WEBHOOK_DELIVERY_PREFIX = 'webhook-delivery-';
/** One delivery per (endpoint, event) (R29); an endpoint id (we_<uuid>) never contains `-evt_`: the id splits back. */
export const webhookDeliveryWorkflowId = (endpointId: string, eventId: string): string =>
  `${WEBHOOK_DELIVERY_PREFIX}${endpointId}-${eventId}`;
export const webhookDeliveryFromWorkflowId = (workflowId: string): { endpointId: string; eventId: string } => {
  const at = workflowId.indexOf('-evt_', WEBHOOK_DELIVERY_PREFIX.length);
  if (!workflowId.startsWith(WEBHOOK_DELIVERY_PREFIX) || at < 0) {
    throw new Error(`not a webhook delivery workflow id: ${workflowId}`);
  }
  return { endpointId: workflowId.slice(WEBHOOK_DELIVERY_PREFIX.length, at), eventId: workflowId.slice(at + 1) };
};
/**
 * Webhook deliveries have their own task queue beside each contract queue, served by their own worker
 * slots: a receiver that never answers holds only those, never a contract's workflow tasks or persistence.
 */
export const webhookTaskQueue = (contractTaskQueue: string): string => `${contractTaskQueue}.webhooks`;
/** R31: the workflow carrying out one payout or refund, named by its ledger entry. */
export const paymentWorkflowId = (ledgerKey: string): string => `payment-${ledgerKey}`;
/** R31: the Schedule comparing the ledger with the payment provider (one per contract queue). */
export const reconciliationScheduleId = (contractTaskQueue: string): string => `payments-reconciliation-${contractTaskQueue}`;
