// The zod schemas of every response body: the OpenAPI document is generated from them (api/openapi.ts)
// and the views in db/read-model.ts must produce their input types, so a view that drifts from the
// published contract fails the typecheck. Money is integer cents (BIGINT columns leave as JSON integers).
import { z } from 'zod';
import { LIMITS } from '../domain/fields.js';
import { MAX_REVIEW_WINDOW_DAYS, MESSAGE_MAX, MIN_REVIEW_WINDOW_DAYS } from '../domain/review.js';
import { idSchema, planOp } from '../domain/schemas.js';

const cents = (description: string) => z.number().int().min(0).meta({ description, example: 150_000 });
const timestamp = z.string().meta({ format: 'date-time', description: 'RFC 3339, UTC.', example: '2026-11-27T09:30:00.000Z' });
const text = (max: number) => z.string().max(max);

export const balancesSchema = z.object({
  depositsCents: cents('Everything the client paid in: milestone funding and the initiation fee (R7, R9).'),
  feesCents: cents('Initiation fees charged (R9).'),
  releasesCents: cents('Paid out to the freelancer (R8).'),
  refundsCents: cents('Returned to the client (R23).'),
  escrowCents: cents('Held for the funded milestone (R7).'),
  projectFundsCents: cents('Unused money that stays with the contract: refundable, never escrow (R23).'),
}).meta({ id: 'Balances', description: 'The contract\'s money, in integer cents (R10: deposits = fees + releases + refunds + escrow + project funds).' });

export const refundRequestSchema = z.object({
  id: idSchema,
  amountCents: z.number().int().min(1).meta({ description: 'What the client asks back from the escrow (R27).', example: 50_000 }),
  reason: text(MESSAGE_MAX),
  requestedAt: timestamp,
  expiresAt: timestamp.meta({ description: 'R27: seven days after the request; then it lapses with nothing moved.' }),
}).meta({ id: 'RefundRequest', description: 'R27: a client\'s refund request, waiting for the freelancer\'s consent.' });

export const disputeSchema = z.object({
  id: idSchema,
  openedBy: idSchema.meta({ description: 'The party who opened it.' }),
  openedAt: timestamp,
  reason: text(MESSAGE_MAX),
}).meta({ id: 'Dispute', description: 'R28: an open dispute; the milestone\'s money is frozen until an operator resolves it.' });

export const milestoneSchema = z.object({
  object: z.literal('milestone'),
  id: idSchema,
  position: z.number().int().min(1).meta({ description: '1-based order in the contract (R12).' }),
  title: text(LIMITS.milestoneTitle),
  description: text(LIMITS.description),
  dueDate: z.string().meta({ format: 'date' }).nullable().meta({ description: 'Advisory only (R13).' }),
  amountCents: z.number().int().meta({ description: 'Integer cents, 500 to 100000000 (R4).', example: 150_000 }),
  fundedCents: cents('Held in escrow for it (R7); below amountCents after an approved increase (R17).'),
  releasedCents: cents('Released so far (R8).'),
  state: z.enum(['pending', 'active', 'submitted', 'released', 'refunded'])
    .meta({ description: '`refunded`: the escrow went back to the client in full (R27, R28).' }),
  shortfallCents: cents('R17: what an approved increase left unfunded on the funded milestone; 0 otherwise.'),
  reviewEndsAt: timestamp.nullable().meta({ description: 'R25: when submitted work is released automatically; null when no review runs.' }),
  revisionRounds: z.number().int().min(0).meta({ description: 'R26: how many times the client sent submitted work back.' }),
  refundedCents: cents('R27, R28: escrow returned to the client so far (fundedCents is what is still held).'),
  pendingRefundRequest: refundRequestSchema.nullable(),
  openDispute: disputeSchema.nullable(),
}).meta({ id: 'Milestone' });

const fieldChange = z.object({
  field: z.enum(['title', 'description', 'dueDate', 'amountCents']),
  old: z.union([z.string(), z.number().int()]).nullable(),
  new: z.union([z.string(), z.number().int()]).nullable(),
}).meta({ id: 'FieldChange', description: 'One field of a milestone, old → new.' });

export const planDiffSchema = z.object({
  added: z.array(z.object({ id: idSchema, title: z.string(), amountCents: z.number().int(), position: z.number().int().min(1) })),
  edited: z.array(z.object({ id: idSchema, title: z.string(), changes: z.array(fieldChange) })),
  deleted: z.array(z.object({ id: idSchema, title: z.string() })),
  moved: z.array(z.object({ id: idSchema, title: z.string(), from: z.number().int().min(1), to: z.number().int().min(1) })),
}).meta({ id: 'PlanDiff', description: '"Show changes": what a batch does, field by field, by 1-based position (R11).' });

export const requestSchema = z.object({
  object: z.enum(['change_request', 'proposal']),
  id: idSchema,
  kind: z.enum(['change', 'proposal']),
  state: z.enum(['pending', 'approved', 'rejected', 'withdrawn', 'canceled', 'expired']),
  version: z.number().int().min(0).meta({ description: 'R16: raised by each edit; an answer names the version it answers.' }),
  milestoneId: idSchema.nullable().meta({ description: 'The active milestone a change request is about; null for proposals.' }),
  requestedBy: idSchema.nullable(),
  changes: z.array(fieldChange).meta({ description: 'A change request\'s fields, old → new (R15); empty for proposals.' }),
  ops: z.array(planOp).nullable().meta({ description: 'A proposal\'s batch (R20); null for change requests.' }),
  diff: planDiffSchema.nullable(),
  createdAt: timestamp,
  expiresAt: timestamp.nullable().meta({ description: 'R19: seven days after creation; null for proposals.' }),
}).meta({ id: 'Request', description: 'A pending change request (R15–R19) or proposal (R20–R21).' });

/** R30: the offer the contract started as (null on contracts from before offers). */
export const offerSchema = z.object({
  version: z.number().int().min(1).meta({ description: 'R30: raised by each edit; the freelancer accepts or declines the version they saw.' }),
  state: z.enum(['pending', 'accepted', 'declined', 'withdrawn', 'expired']),
  sentAt: timestamp,
  expiresAt: timestamp.meta({ description: 'R30: unanswered by then, the offer expires and everything deposited goes back to the client.' }),
  decidedAt: timestamp.nullable().meta({ description: 'When it was accepted, declined, withdrawn or expired.' }),
  decidedBy: z.string().max(300).nullable().meta({ description: 'Who accepted, declined or withdrew it; `system` when it expired.' }),
}).meta({ id: 'Offer', description: 'R30: a contract starts as an offer; the freelancer becomes a party only by accepting it.' });

const pendingPaymentSchema = z.object({
  key: z.string().meta({ description: 'The ledger entry the movement carries out.' }),
  type: z.enum(['charge', 'transfer', 'refund']).meta({ description: 'A deposit charged, a payout to the freelancer, a refund to the client.' }),
  milestoneId: idSchema.nullable(),
  amountCents: cents('What the movement moves.'),
  status: z.enum(['pending', 'declined', 'failed']).meta({
    description: '`pending`: accepted, confirmed later; `declined`: refused (no payout account yet, a card declined); `failed`: the provider did not answer within the retries.',
  }),
  code: z.string().nullable(),
  reason: z.string().nullable(),
  updatedAt: timestamp,
}).meta({ id: 'PendingPayment' });

export const contractSchema = z.object({
  object: z.literal('contract'),
  id: idSchema,
  title: text(LIMITS.contractTitle),
  status: z.enum(['offered', 'open', 'ended'])
    .meta({ description: 'R30: `offered` until the freelancer accepts (then `open`); a declined, withdrawn or expired offer is `ended`.' }),
  offer: offerSchema.nullable(),
  clientId: idSchema,
  freelancerId: idSchema,
  initiationFeeCents: cents('R9: charged with the first funding.'),
  reviewWindowDays: z.number().int().min(MIN_REVIEW_WINDOW_DAYS).max(MAX_REVIEW_WINDOW_DAYS)
    .meta({ description: 'R25: days the client has to review submitted work before it is released automatically.' }),
  balances: balancesSchema,
  milestones: z.array(milestoneSchema).max(200).meta({ description: 'In contract order (R12); at most 200 (R2).' }),
  openDisputes: z.array(z.object({ milestoneId: idSchema, ...disputeSchema.shape }))
    .meta({ description: 'R28: the open disputes, one per frozen milestone.' }),
  shortfallCents: cents('R17: the client is asked to fund this (POST /contracts/{id}/fund tops it up).'),
  pendingChangeRequest: requestSchema.nullable(),
  pendingProposal: requestSchema.nullable(),
  endPrompt: z.boolean().meta({ description: 'R22: the last milestone was released; end the contract or keep it open.' }),
  pendingPayments: z.array(pendingPaymentSchema).max(20).meta({
    description: 'R31: money the payment provider has not carried out yet, newest first: a deposit confirming (its milestone is funded '
      + 'once it is confirmed), a payout waiting for the freelancer\'s payout account, a refund the provider refused.',
  }),
  createdAt: timestamp,
  updatedAt: timestamp.meta({ description: 'RFC 3339, UTC: when the contract last changed (the time of its last accepted transition).' }),
}).meta({ id: 'Contract' });

export const commandAnswerSchema = z.object({
  contract: contractSchema,
  diff: planDiffSchema.optional().meta({ description: 'Batches and proposals: what changed (R11).' }),
  prompt: z.literal('END_OR_KEEP_OPEN').optional().meta({ description: 'R22: the last milestone was released.' }),
  requestId: idSchema.optional().meta({ description: 'The change request or proposal the command opened or answered.' }),
}).meta({ id: 'CommandAnswer', description: 'The contract as the command left it (its `Contract-Seq`): what a read at that seq returns (read-your-writes).' });

export const previewSchema = z.object({
  contract: contractSchema,
  diff: planDiffSchema,
}).meta({ id: 'Preview', description: 'R11: what the batch would change; nothing is applied. Ids of added milestones are provisional.' });

const snapshot = z.record(z.string(), z.unknown()).meta({ description: 'The workflow\'s state, as persisted (informative).' });
export const historyEntrySchema = z.object({
  object: z.literal('event'),
  seq: z.number().int().min(1),
  command: z.string(),
  actorId: z.string(),
  actor: z.string().meta({ description: 'Who sent it: the party\'s id, or `platform:<keyId> for <userId>` when a platform key sent it for them.' }),
  at: timestamp,
  before: snapshot.nullable(),
  after: snapshot,
  workflowId: z.string(),
  runId: z.string(),
}).meta({ id: 'HistoryEntry', description: 'One accepted command: who sent it, before → after.' });

export const messageSchema = z.object({
  object: z.literal('message'),
  id: z.string().regex(/^\d{1,18}$/),
  contractId: idSchema,
  notificationId: z.string(),
  subject: z.string(),
  body: z.string(),
  readAt: timestamp.nullable(),
  createdAt: timestamp,
}).meta({ id: 'Message', description: 'An in-app message (R24).' });

/** `{ data, hasMore, nextCursor }`: pass `nextCursor` as `startingAfter` for the next page. */
export const listOf = <T extends z.ZodType>(item: T, id: string) => z.object({
  object: z.literal('list'),
  data: z.array(item).max(100),
  hasMore: z.boolean(),
  nextCursor: z.string().nullable().meta({ description: 'null on the last page.' }),
}).meta({ id });

/** R29: a webhook endpoint as its owner sees it (the secret only in the answers that make one). */
export const webhookEndpointSchema = z.object({
  object: z.literal('webhook_endpoint'),
  id: z.string().regex(/^we_[0-9a-f-]{36}$/),
  url: z.string().max(2048),
  description: z.string().max(200),
  contractId: idSchema.nullable().meta({ description: 'null: every contract of yours, present and future.' }),
  eventTypes: z.array(z.string()).min(1).meta({ description: 'Event types delivered here; "*" for all.' }),
  status: z.enum(['enabled', 'disabled', 'failing'])
    .meta({ description: '`failing`: deliveries keep failing or one was given up; the next success clears it (deliveries go on). `disabled`: by you, or by the circuit breaker (disabledReason).' }),
  failingSince: timestamp.nullable(),
  circuitOpenUntil: timestamp.nullable()
    .meta({ description: 'While in the future, deliveries wait: the receiver kept failing (timeouts, 5xx); one is tried again then.' }),
  disabledReason: z.string().nullable()
    .meta({ description: 'Why deliveries stopped when it was not you: the receiver failed for the whole delivery schedule. Enable it to resume.' }),
  previousSecretExpiresAt: timestamp.nullable()
    .meta({ description: 'While in the future, the secret before the last rotation also signs every delivery.' }),
  createdAt: timestamp,
}).meta({ id: 'WebhookEndpoint' });

export const webhookEndpointWithSecretSchema = webhookEndpointSchema.extend({
  secret: z.string().regex(/^whsec_[A-Za-z0-9+/=]+$/)
    .meta({ description: 'The Standard Webhooks signing secret: shown in this answer only (and its replay).' }),
}).meta({ id: 'WebhookEndpointWithSecret' });

export const webhookDeliverySchema = z.object({
  object: z.literal('webhook_delivery'),
  eventId: z.string().meta({ description: 'The event id, sent as the webhook-id header.' }),
  eventType: z.string(),
  contractId: idSchema,
  seq: z.number().int().min(1),
  status: z.enum(['pending', 'delivered', 'failed', 'canceled']),
  attempts: z.number().int().min(0),
  lastStatusCode: z.number().int().nullable(),
  lastError: z.string().nullable(),
  nextRetryAt: timestamp.nullable(),
  deliveredAt: timestamp.nullable(),
  createdAt: timestamp,
}).meta({ id: 'WebhookDelivery', description: 'R29: one event\'s delivery to one endpoint.' });

export const problemSchema = z.object({
  type: z.string().meta({ format: 'uri', example: 'https://milestone-contracts.dev/problems/amount-too-small' }),
  title: z.string(),
  status: z.number().int().min(400).max(599),
  detail: z.string().optional(),
  instance: z.string().optional().meta({ description: 'The path and the Request-Id, joined by #.' }),
  code: z.string().regex(/^[A-Z][A-Z0-9_]*$/).meta({ description: 'Stable error code: see the error table in the introduction.' }),
  rule: z.string().regex(/^R\d+$/).optional().meta({ description: 'The rule broken; the reference\'s introduction states each rule.' }),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional().meta({ description: 'Field by field (400).' }),
  currentVersion: z.number().int().optional().meta({ description: 'R16: the version to answer.' }),
  shortfallCents: z.number().int().optional().meta({ description: 'R17: what the client must fund first.' }),
  requestId: z.string().optional(),
  escrowCents: z.number().int().optional().meta({ description: 'R28: what a split must sum to (SPLIT_MUST_SUM_TO_ESCROW).' }),
  refundCents: z.number().int().optional().meta({ description: 'R27: the pending refund request\'s amount (REFUND_PENDING).' }),
  offerState: z.enum(['declined', 'withdrawn', 'expired']).optional().meta({ description: 'R30: how the offer closed (OFFER_CLOSED).' }),
  expiresAt: z.string().optional().meta({ format: 'date-time', description: 'R30: when the offer expired (OFFER_EXPIRED).' }),
}).meta({ id: 'Problem', description: 'RFC 9457 problem details, with a stable code and the rule broken.' });

export type ContractBody = z.input<typeof contractSchema>;
export type RequestBody = z.input<typeof requestSchema>;
