// zod schemas of every command body and query, shared by the API (validation and OpenAPI) and tests.
// They check shapes, types and what PostgreSQL would refuse (domain/fields.ts); the rules (R2, R4, R5, …)
// live in the domain, so a refused amount is a 422 naming its rule rather than a 400.
import { z } from 'zod';
import { ID_PATTERN, INT4_MAX, LIMITS, charLength, isCalendarDate, isStorableText } from './fields.js';
import { MAX_BALANCE_CENTS, MAX_MILESTONE_CENTS, MIN_MILESTONE_CENTS } from './money.js';
import { MAX_BATCH_OPS, MAX_MILESTONES } from './plan.js';
import { DISPUTE_OUTCOMES } from './disputes.js';
import { MESSAGE_MAX } from './review.js';
import { REASON_MAX, RESOLUTION_OUTCOMES } from './operator.js';
import { isTextRef } from './texts.js';
import { MAX_OFFER_EXPIRY_DAYS, MIN_OFFER_EXPIRY_DAYS } from './offers.js';

export const idSchema = z
  .string()
  .min(1)
  .max(LIMITS.id)
  .regex(ID_PATTERN, 'letters, digits, _ . - only')
  .meta({ description: 'An id: 1 to 100 letters, digits, _ . or -.' });

// Spelled out for JSON Schema readers in other languages: `\s` differs between engines (Python's has
// \x1c-\x1f, JavaScript's \ufeff); this class is exactly what String.prototype.trim removes.
const SPACE = '\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff';
const STORABLE_TEXT = '^[^\\x00]*$';
const REQUIRED_TEXT = `^[^\\x00]*[^\\x00${SPACE}][^\\x00]*$`;

/**
 * Text as PostgreSQL stores it: no NUL, no unpaired UTF-16 surrogate, at most `max` characters counted
 * as code points (JSON Schema's maxLength counts the same way), and not shaped like a text reference.
 */
const text = (max: number, opts: { required?: boolean } = {}) =>
  z
    .string()
    .refine(isStorableText, 'must not contain NUL characters or unpaired UTF-16 surrogates')
    .refine((s) => charLength(s) <= max, `at most ${max} characters`)
    .refine((s) => !opts.required || s.trim().length > 0, 'must not be blank')
    // The workflow keeps texts as references of this shape; a sender's text must never pass for one.
    .refine((s) => !isTextRef(s), 'must not be shaped like a stored text reference (txt: and 32 hex digits)')
    // The pattern tells generated clients and fuzzers what the refinements check: no NUL, and for required
    // text one character that is not white space.
    .meta({ maxLength: max, ...(opts.required ? { minLength: 1, pattern: REQUIRED_TEXT } : { pattern: STORABLE_TEXT }) });


/**
 * Cents as a JSON integer literal (the API refuses `1e3` and `1000.0` before parsing). The range is the
 * domain's (R4), so an amount too small or too large is a 422 that names the rule.
 */
const centsIn = (minimum: number, maximum: number, description: string) =>
  z.number().meta({ type: 'integer', minimum, maximum, description, example: 150_000 });
const cents = centsIn(MIN_MILESTONE_CENTS, MAX_MILESTONE_CENTS, 'A milestone\'s amount in integer cents (USD): $5.00 to $1,000,000.00 (R4).');
const dueDate = z
  .string()
  .refine(isCalendarDate, 'a calendar date that exists, YYYY-MM-DD, years 0001-9999')
  .nullable()
  .meta({ description: 'Advisory due date, YYYY-MM-DD (R13).', format: 'date' });

const milestoneTitle = text(LIMITS.milestoneTitle, { required: true });
const description = text(LIMITS.description);

export const milestonePatch = z
  .object({ title: milestoneTitle, description, dueDate, amountCents: cents })
  .partial()
  .strict();

const ref = text(LIMITS.ref).meta({ description: 'A name for the added milestone, used by a reorder in the same batch.' });

export const planOp = z.discriminatedUnion('op', [
  z.object({
    op: z.literal('add'),
    ref: ref.optional(),
    title: milestoneTitle,
    description: description.optional(),
    dueDate: dueDate.optional(),
    amountCents: cents,
  }).strict(),
  z.object({ op: z.literal('edit'), milestoneId: idSchema, patch: milestonePatch }).strict(),
  z.object({ op: z.literal('delete'), milestoneId: idSchema }).strict(),
  z.object({
    op: z.literal('reorder'),
    order: z.array(text(Math.max(LIMITS.ref, LIMITS.id), { required: true })).max(MAX_BATCH_OPS)
      .meta({ description: 'The full new order of the PENDING milestones only: their ids, and refs of milestones added in this batch.' }),
  }).strict(),
]);

/** R30: a milestone as an offer names it (an added milestone of a batch, without `op` and `ref`). */
export const offerMilestone = z.object({
  title: milestoneTitle,
  description: description.optional(),
  dueDate: dueDate.optional(),
  amountCents: cents,
}).strict().meta({ id: 'OfferMilestone' });
const offerMilestones = z.array(offerMilestone).min(1).max(MAX_MILESTONES)
  .meta({ description: 'R30: the contract\'s milestones, in order; the first is deposited with the offer (R7, R9), at most 200 (R2).' });
const expiresInDays = z.number().optional().meta({
  type: 'integer', minimum: MIN_OFFER_EXPIRY_DAYS, maximum: MAX_OFFER_EXPIRY_DAYS,
  description: 'R30: days the freelancer has to answer before the offer expires and is refunded: 1 to 30, default 7.',
});

/** R30: a new contract is an offer to the freelancer, its first milestone deposited. */
export const createContractBody = z
  .object({
    title: text(LIMITS.contractTitle, { required: true }),
    freelancerId: idSchema,
    milestones: offerMilestones,
    expiresInDays,
    reviewWindowDays: z.number().optional()
      .meta({ type: 'integer', description: 'R25: days the client has to review submitted work before it is released automatically: 1 to 30, default 14.' }),
  })
  .strict();
/** R30: new milestones (the first deposited again) and/or a new expiry, counted from the edit. */
export const editOfferBody = z.object({ milestones: offerMilestones.optional(), expiresInDays }).strict();

export const planBody = z.object({ ops: z.array(planOp).min(1).max(MAX_BATCH_OPS) }).strict();
export const releaseBody = z.object({
  amountCents: centsIn(1, MAX_MILESTONE_CENTS, 'Cents to release, at most what the milestone holds (R5, R8); all of it when absent.').optional(),
}).strict();
export const changeRequestBody = z.object({ milestoneId: idSchema, changes: milestonePatch }).strict();
export const editChangeRequestBody = z.object({ changes: milestonePatch }).strict();
export const withdrawFundsBody = z.object({
  amountCents: centsIn(1, MAX_BALANCE_CENTS, 'Cents to withdraw, at most the project funds (R23); all of them when absent.').optional(),
}).strict();
export const emptyBody = z.object({}).strict();
/** R26: what the freelancer should change. */
export const revisionBody = z.object({ message: text(MESSAGE_MAX, { required: true }) }).strict();
/** R28: why the milestone is disputed. */
export const disputeBody = z.object({ reason: text(MESSAGE_MAX, { required: true }) }).strict();
/** R27: all of the escrow when amountCents is absent. */
export const refundBody = z.object({
  amountCents: centsIn(1, MAX_MILESTONE_CENTS, 'Cents asked back, at most what the milestone holds (R27); all of it when absent.').optional(),
  reason: text(MESSAGE_MAX).optional(),
}).strict();
/** R28: the operator's resolution; a split names both parts, which must sum to the escrow. */
export const resolveDisputeBody = z
  .object({
    outcome: z.enum(DISPUTE_OUTCOMES),
    releaseCents: centsIn(0, MAX_MILESTONE_CENTS, 'A split: the part released to the freelancer.').optional(),
    refundCents: centsIn(0, MAX_MILESTONE_CENTS, 'A split: the part returned to the client.').optional(),
    reason: text(MESSAGE_MAX, { required: true }),
  })
  .strict();
/** An operator settles a pending change request or proposal (a stuck one included), with a reason. */
export const resolveRequestBody = z
  .object({
    outcome: z.enum(RESOLUTION_OUTCOMES).meta({ description: 'approved applies the request; rejected and canceled leave the plan as it is.' }),
    reason: text(REASON_MAX, { required: true }),
  })
  .strict();
/** R16: an answer names the version of the request it answers, as shown on the request. */
export const decisionBody = z
  .object({ version: z.number().int().min(0).meta({ description: 'The version of the request you answer (R16).' }) })
  .strict();

export const limit = z.coerce.number().int().min(1).max(100).default(20).meta({ description: 'Page size, 1 to 100.' });
/** A cursor is text to the route (which answers INVALID_CURSOR for a bad one); the document says its shape. */
const cursor = (description: string, shape: Record<string, unknown>) =>
  z.string().max(200).optional().meta({
    description: `Pass the last page's nextCursor: ${description}`,
    override: ({ jsonSchema }: { jsonSchema: Record<string, unknown> }) => {
      delete jsonSchema.maxLength;
      Object.assign(jsonSchema, shape);
    },
  });

/** My contracts: the cursor is a contract id of mine (404 for any other). */
export const contractsQuery = z.object({
  limit,
  startingAfter: idSchema.optional().meta({ description: 'Pass the last page\'s nextCursor: a contract id.' }),
}).strict();
/** A contract's history, oldest first: the cursor is a `seq` (int4). */
export const historyQuery = z.object({ limit, startingAfter: cursor('a seq.', { type: 'integer', minimum: 0, maximum: INT4_MAX }) }).strict();
/** My messages, newest first: the cursor is a message id. */
export const messagesQuery = z.object({
  limit,
  startingAfter: cursor('a message id.', { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
  unread: z.enum(['true', 'false']).optional(),
}).strict();
