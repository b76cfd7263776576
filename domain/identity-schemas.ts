// Users, their tokens and platform keys over the API: the bodies' shapes, checked at the boundary.
import { z } from 'zod';
import { charLength, isStorableText } from './fields.js';

/**
 * What a platform key may do. `users:read` reads its platform's users and their tokens; `users:write` also
 * creates, updates and deactivates them and issues and revokes their tokens; `contracts:act` acts for one
 * of its members (On-Behalf-Of) on contracts, messages and webhook endpoints; `operator` acts for one of its
 * platform's operators on the operator routes.
 */
export const PLATFORM_KEY_SCOPES = ['users:read', 'users:write', 'contracts:act', 'operator'] as const;
export type PlatformKeyScope = (typeof PLATFORM_KEY_SCOPES)[number];

/** User tokens issued over the API always expire: 1 to 90 days, 30 unless asked. */
export const TOKEN_DAYS = { min: 1, max: 90, default: 30 } as const;
/** A rotation's overlap, in seconds: up to 7 days, a day unless asked. */
export const ROTATION_OVERLAP = { max: 7 * 24 * 3600, default: 24 * 3600 } as const;

const line = (max: number) => z.string().trim().min(1).max(max)
  .refine(isStorableText, 'must not contain NUL characters or unpaired UTF-16 surrogates')
  .refine((s) => charLength(s) <= max, `at most ${max} characters`);
/** A payment provider's id (a payment method, a payout account): opaque to us. */
const providerId = z.string().regex(/^[\x21-\x7e]{1,255}$/, '1 to 255 printable ASCII characters')
  .meta({ description: "The payment provider's id, opaque here." });
const externalId = z.string().regex(/^[\x21-\x7e]{1,255}$/, '1 to 255 printable ASCII characters')
  .meta({ description: "The user's id in your own sign-in: the `sub` of the JWTs it issues." });
// RFC 5321's limits as well as the address's shape: a local part over 64 characters is no deliverable address
// (JSON Schema's `email` format, which generated clients check, refuses it too).
const email = z.email().max(254).refine((e) => e.lastIndexOf('@') <= 64, 'the part before @ is at most 64 characters');

export const createUserBody = z.object({
  email,
  name: line(200),
  externalId: externalId.optional(),
  paymentMethodId: providerId.optional(),
  payoutAccountId: providerId.optional(),
  /** Operators only: the platform the user belongs to (a platform key's users are always its own platform's). */
  platformId: z.string().min(1).max(100).optional(),
}).strict();

export const updateUserBody = z.object({
  email: email.optional(),
  name: line(200).optional(),
  externalId: externalId.nullable().optional(),
  paymentMethodId: providerId.nullable().optional(),
  payoutAccountId: providerId.nullable().optional(),
}).strict();

export const issueTokenBody = z.object({
  label: line(100).optional(),
  expiresInDays: z.number().int().min(TOKEN_DAYS.min).max(TOKEN_DAYS.max).optional(),
}).strict();

export const createPlatformBody = z.object({ name: line(200) }).strict();

export const createKeyBody = z.object({
  scopes: z.array(z.enum(PLATFORM_KEY_SCOPES)).min(1).max(PLATFORM_KEY_SCOPES.length),
  label: line(100).optional(),
}).strict();

export const rotateKeyBody = z.object({
  overlapSeconds: z.number().int().min(0).max(ROTATION_OVERLAP.max).optional(),
}).strict();
