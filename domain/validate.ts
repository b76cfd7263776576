// Every field of every command, checked before any rule that reads the contract's state, so a malformed
// value is refused as malformed (never as a 409 about the state) and never reaches PostgreSQL. The
// workflow's Update validators run this through decide(); an Update sent from the Temporal CLI skips the
// API's zod schemas, so nothing here may assume they ran.
import type { Command } from './commands.js';
import { refuse } from './errors.js';
import { LIMITS, assertId, charLength, isStorableText } from './fields.js';
import { MAX_BALANCE_CENTS, assertPositiveCents } from './money.js';
import { MAX_BATCH_OPS, type PlanOp, assertFields } from './plan.js';
import type { MilestonePatch } from './milestone.js';
import { validateOpenDispute } from './disputes.js';
import { validateRefundCommand } from './refunds.js';
import { validateRevisionRequest } from './review.js';
import { offerOps, validateOfferTerms } from './offers.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function validateCommand(cmd: Command): void {
  switch (cmd.type) {
    case 'previewPlan':
    case 'savePlan':
    case 'proposeChanges':
      return validateOps(cmd.ops);
    case 'submitWork':
      return assertId(cmd.milestoneId, 'milestoneId');
    case 'releasePayment':
      assertId(cmd.milestoneId, 'milestoneId');
      if (cmd.amountCents !== undefined) assertPositiveCents(cmd.amountCents, 'amountCents');
      return;
    case 'requestChange':
      assertId(cmd.milestoneId, 'milestoneId');
      if (typeof cmd.featureEnabled !== 'boolean') refuse('INVALID_COMMAND', 'R14', 'featureEnabled must be true or false');
      return validatePatch(cmd.patch);
    case 'editChangeRequest':
      assertId(cmd.requestId, 'requestId');
      return validatePatch(cmd.patch);
    case 'approveChangeRequest':
    case 'rejectChangeRequest':
    case 'acceptProposal':
    case 'declineProposal':
      assertId(cmd.requestId, 'requestId');
      if (cmd.version !== undefined && !(Number.isSafeInteger(cmd.version) && cmd.version >= 0)) {
        refuse('INVALID_VERSION', 'R16', 'version is a whole number, 0 or more');
      }
      return;
    case 'withdrawChangeRequest':
    case 'withdrawProposal':
      return assertId(cmd.requestId, 'requestId');
    case 'withdrawFunds':
      if (cmd.amountCents !== undefined) assertPositiveCents(cmd.amountCents, 'amountCents', MAX_BALANCE_CENTS);
      return;
    case 'fundMilestone':
    case 'endContract':
    case 'keepOpen':
      return;
    case 'requestRevisions':
      return validateRevisionRequest(cmd);
    case 'openDispute':
      return validateOpenDispute(cmd);
    case 'requestRefund':
    case 'acceptRefund':
    case 'declineRefund':
      return validateRefundCommand(cmd);
    case 'editOffer':
      validateOfferTerms(cmd, false);
      // R2, R4, R11, R13: the offer's milestones are checked as a plan's added ones are.
      if (cmd.milestones !== undefined) validateOps(offerOps(cmd.milestones));
      return;
    case 'withdrawOffer':
      return;
    case 'acceptOffer':
    case 'declineOffer':
      if (cmd.version !== undefined && !(Number.isSafeInteger(cmd.version) && cmd.version >= 0)) {
        refuse('INVALID_VERSION', 'R16', 'version is a whole number, 0 or more');
      }
      return;
  }
}

function validatePatch(patch: unknown): void {
  if (!isObject(patch)) refuse('INVALID_CHANGES', 'R15', 'changes is an object of milestone fields');
  assertFields(patch as MilestonePatch);
}

function validateOps(ops: unknown): void {
  if (!Array.isArray(ops) || ops.length === 0 || ops.length > MAX_BATCH_OPS) {
    refuse('INVALID_BATCH', 'R11', `a batch is a list of 1 to ${MAX_BATCH_OPS} operations`);
  }
  for (const op of ops as unknown[]) validateOp(op);
}

function validateOp(op: unknown): void {
  if (!isObject(op)) return refuse('INVALID_BATCH', 'R11', 'each operation is an object with an `op`');
  const o = op as PlanOp;
  switch (o.op) {
    case 'add':
      // Empty refs were accepted by older versions (and name nothing); a reorder entry must name something.
      if (o.ref !== undefined && o.ref !== '') assertRef(o.ref, LIMITS.ref);
      // A title and an amount are required: assertFields skips what is undefined (it also checks patches).
      if (o.title === undefined) refuse('INVALID_TITLE', 'R11', 'an added milestone needs a title');
      if (o.amountCents === undefined) refuse('AMOUNT_NOT_CENTS', 'R4', 'an added milestone needs amountCents');
      return assertFields({ title: o.title, description: o.description ?? '', dueDate: o.dueDate ?? null, amountCents: o.amountCents });
    case 'edit':
      assertId(o.milestoneId, 'milestoneId');
      return validatePatch(o.patch);
    case 'delete':
      return assertId(o.milestoneId, 'milestoneId');
    case 'reorder':
      if (!Array.isArray(o.order) || o.order.length > MAX_BATCH_OPS) {
        refuse('INVALID_ORDER', 'R12', `order is a list of at most ${MAX_BATCH_OPS} milestone ids or refs`);
      }
      return o.order.forEach((entry) => assertRef(entry, Math.max(LIMITS.ref, LIMITS.id)));
    default:
      return refuse('INVALID_BATCH', 'R11', 'op is one of add, edit, delete, reorder');
  }
}

/** A batch's own name for a milestone it adds; it reaches jsonb when the batch is a proposal. */
function assertRef(ref: unknown, max: number): void {
  if (typeof ref !== 'string' || ref.length === 0 || !isStorableText(ref) || charLength(ref) > max) {
    refuse('INVALID_REF', 'R11', `a ref or milestone id here is 1 to ${max} characters, without NUL or unpaired surrogates`);
  }
}
