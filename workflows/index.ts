// What the worker bundles.
export { contractWorkflow } from './contract.js';
export { changeRequestWorkflow } from './change-request.js';
export { noticeSweepWorkflow } from './notice-sweep.js';
export { webhookDeliveryWorkflow } from './webhook-delivery.js';
export { answerSweepWorkflow } from './answer-sweep.js';
export { moneyMovementWorkflow } from './money-movement.js';
export { reconcilePaymentsWorkflow } from './reconcile-payments.js';
export { webhookSweepWorkflow } from './webhook-sweep.js';
