// zod schemas of every command body and query, shared by the API (validation and OpenAPI) and tests.
// They check shapes and types only; the rules themselves (R2, R4, R5, …) live in the domain, so a
// refused amount is a 422 naming its rule rather than a 400.
import { z } from 'zod';

export const idSchema = z.string().min(1).max(100).regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only');
/** Cents as a JSON number; whole-number and range checks are the domain's (R4), so they name the rule. */
const cents = z.number().meta({ description: 'Integer cents (USD). At least 500 for milestone amounts (R4).' });
const dueDate = z.string().nullable().meta({ description: 'Advisory due date, YYYY-MM-DD (R13).' });

export const milestonePatch = z
  .object({ title: z.string(), description: z.string(), dueDate, amountCents: cents })
  .partial()
  .strict();

export const planOp = z.discriminatedUnion('op', [
  z.object({ op: z.literal('add'), ref: z.string().max(64).optional(), title: z.string(), description: z.string().optional(), dueDate: dueDate.optional(), amountCents: cents }).strict(),
  z.object({ op: z.literal('edit'), milestoneId: idSchema, patch: milestonePatch }).strict(),
  z.object({ op: z.literal('delete'), milestoneId: idSchema }).strict(),
  z.object({ op: z.literal('reorder'), order: z.array(z.string()).max(400) }).strict(),
]);

export const createContractBody = z
  .object({
    title: z.string().trim().min(1).max(200),
    freelancerId: idSchema,
  })
  .strict();

export const planBody = z.object({ ops: z.array(planOp).min(1).max(400) }).strict();
export const releaseBody = z.object({ amountCents: cents.optional() }).strict();
export const changeRequestBody = z.object({ milestoneId: idSchema, changes: milestonePatch }).strict();
export const editChangeRequestBody = z.object({ changes: milestonePatch }).strict();
export const withdrawFundsBody = z.object({ amountCents: cents.optional() }).strict();
export const emptyBody = z.object({}).strict();
/** An answer to a change request may name the version (its `edits`) the freelancer reviewed (R16). */
export const decisionBody = z.object({ version: z.number().int().min(0).optional() }).strict();

export const listQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(20),
    startingAfter: z.string().max(200).optional(),
  })
  .strict();
export const messagesQuery = listQuery.extend({ unread: z.enum(['true', 'false']).optional() }).strict();
