// zod schemas of every command body and query, shared by the API (validation and OpenAPI) and tests.
// They check shapes, types and what PostgreSQL would refuse (domain/fields.ts); the rules (R2, R4, R5, …)
// live in the domain, so a refused amount is a 422 naming its rule rather than a 400.
import { z } from 'zod';
import { ID_PATTERN, LIMITS, charLength, isCalendarDate, isStorableText } from './fields.js';
import { MAX_BATCH_OPS } from './plan.js';
import { DISPUTE_OUTCOMES } from './disputes.js';
import { MESSAGE_MAX } from './review.js';

export const idSchema = z
  .string()
  .min(1)
  .max(LIMITS.id)
  .regex(ID_PATTERN, 'letters, digits, _ . - only')
  .meta({ description: 'An id: 1 to 100 letters, digits, _ . or -.' });

/**
 * Text as PostgreSQL stores it: no NUL, no unpaired UTF-16 surrogate, at most `max` characters counted
 * as code points (JSON Schema's maxLength counts the same way).
 */
const text = (max: number, opts: { required?: boolean } = {}) =>
  z
    .string()
    .refine(isStorableText, 'must not contain NUL characters or unpaired UTF-16 surrogates')
    .refine((s) => charLength(s) <= max, `at most ${max} characters`)
    .refine((s) => !opts.required || s.trim().length > 0, 'must not be blank')
    .meta({ maxLength: max, ...(opts.required ? { minLength: 1 } : {}) });

/**
 * Cents as a JSON integer literal (the API refuses `1e3` and `1000.0` before parsing). The range is the
 * domain's (R4), so an amount too small or too large is a 422 that names the rule.
 */
const cents = z.number().meta({ type: 'integer', description: 'Integer cents (USD). Milestone amounts are 500 to 100000000 (R4).' });
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

export const createContractBody = z
  .object({
    title: text(LIMITS.contractTitle, { required: true }),
    freelancerId: idSchema,
    reviewWindowDays: z.number().optional()
      .meta({ type: 'integer', description: 'R25: days the client has to review submitted work before it is released automatically: 1 to 30, default 14.' }),
  })
  .strict();

export const planBody = z.object({ ops: z.array(planOp).min(1).max(MAX_BATCH_OPS) }).strict();
export const releaseBody = z.object({ amountCents: cents.optional() }).strict();
export const changeRequestBody = z.object({ milestoneId: idSchema, changes: milestonePatch }).strict();
export const editChangeRequestBody = z.object({ changes: milestonePatch }).strict();
export const withdrawFundsBody = z.object({ amountCents: cents.optional() }).strict();
export const emptyBody = z.object({}).strict();
/** R26: what the freelancer should change. */
export const revisionBody = z.object({ message: text(MESSAGE_MAX, { required: true }) }).strict();
/** R28: why the milestone is disputed. */
export const disputeBody = z.object({ reason: text(MESSAGE_MAX, { required: true }) }).strict();
/** R27: all of the escrow when amountCents is absent. */
export const refundBody = z.object({ amountCents: cents.optional(), reason: text(MESSAGE_MAX).optional() }).strict();
/** R28: the operator's resolution; a split names both parts, which must sum to the escrow. */
export const resolveDisputeBody = z
  .object({
    outcome: z.enum(DISPUTE_OUTCOMES),
    releaseCents: cents.optional().meta({ description: 'A split: the part released to the freelancer.' }),
    refundCents: cents.optional().meta({ description: 'A split: the part returned to the client.' }),
    reason: text(MESSAGE_MAX, { required: true }),
  })
  .strict();
/** R16: an answer names the version of the request it answers, as shown on the request. */
export const decisionBody = z
  .object({ version: z.number().int().min(0).meta({ description: 'The version of the request you answer (R16).' }) })
  .strict();

export const listQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(20),
    startingAfter: z.string().max(200).optional(),
  })
  .strict();
export const messagesQuery = listQuery.extend({ unread: z.enum(['true', 'false']).optional() }).strict();
