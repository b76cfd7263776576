// The user, token and platform key resources as the API shows them (schemas for OpenAPI and the typed
// client, views from the rows). A token or key appears in full only in the answer that makes it.
import { z } from 'zod';
import { PLATFORM_KEY_SCOPES } from '../domain/identity-schemas.js';

const timestamp = z.string().meta({ format: 'date-time', description: 'RFC 3339, UTC.', example: '2026-11-27T09:30:00.000Z' });

export const userSchema = z.object({
  object: z.literal('user'),
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role: z.enum(['member', 'operator']),
  platformId: z.string().nullable(),
  externalId: z.string().nullable().meta({ description: 'The user\'s id in your sign-in (a JWT\'s `sub`).' }),
  paymentMethodId: z.string().nullable().meta({ description: 'A client\'s payment method at the payment provider.' }),
  payoutAccountId: z.string().nullable().meta({ description: 'A freelancer\'s payout account at the payment provider.' }),
  status: z.enum(['active', 'deactivated']),
  deactivatedAt: timestamp.nullable(),
  createdAt: timestamp,
}).meta({ id: 'User', description: 'A client, freelancer or operator.' });

export const tokenSchema = z.object({
  object: z.literal('token'),
  id: z.string(),
  userId: z.string(),
  label: z.string(),
  createdAt: timestamp,
  expiresAt: timestamp.nullable(),
  revokedAt: timestamp.nullable(),
  lastUsedAt: timestamp.nullable().meta({ description: 'Up to a minute old.' }),
}).meta({ id: 'Token', description: 'A user\'s bearer token (the token itself is shown once, when issued).' });

export const issuedTokenSchema = tokenSchema.extend({
  token: z.string().meta({ description: 'The bearer token: shown this once, never stored.' }),
}).meta({ id: 'IssuedToken' });

export const platformSchema = z.object({ object: z.literal('platform'), id: z.string(), name: z.string(), createdAt: timestamp })
  .meta({ id: 'Platform', description: 'A marketplace whose backend acts for its users with platform keys.' });

export const platformKeySchema = z.object({
  object: z.literal('platform_key'),
  id: z.string(),
  platformId: z.string(),
  prefix: z.string().meta({ description: 'The key\'s first characters, to tell keys apart.' }),
  label: z.string(),
  scopes: z.array(z.enum(PLATFORM_KEY_SCOPES)),
  createdAt: timestamp,
  expiresAt: timestamp.nullable().meta({ description: 'Set by a rotation: the old key works until then.' }),
  revokedAt: timestamp.nullable(),
  rotatedFrom: z.string().nullable(),
  lastUsedAt: timestamp.nullable().meta({ description: 'Up to a minute old.' }),
}).meta({ id: 'PlatformKey' });

export const issuedKeySchema = platformKeySchema.extend({
  key: z.string().meta({ description: 'The key: shown this once, never stored.' }),
}).meta({ id: 'IssuedPlatformKey' });

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export interface UserRow {
  id: string; email: string; name: string; role: string; platformId: string | null; externalId: string | null;
  paymentMethodId: string | null; payoutAccountId: string | null; deactivatedAt: Date | null; createdAt: Date;
}
export const userView = (u: UserRow): z.input<typeof userSchema> => ({
  object: 'user', id: u.id, email: u.email, name: u.name, role: u.role === 'operator' ? 'operator' : 'member', platformId: u.platformId,
  externalId: u.externalId, paymentMethodId: u.paymentMethodId, payoutAccountId: u.payoutAccountId,
  status: u.deactivatedAt ? 'deactivated' : 'active', deactivatedAt: iso(u.deactivatedAt), createdAt: u.createdAt.toISOString(),
});

export interface TokenRow { id: string; userId: string; label: string; createdAt: Date; expiresAt: Date | null; revokedAt: Date | null; lastUsedAt: Date | null }
export const tokenView = (t: TokenRow): z.input<typeof tokenSchema> => ({
  object: 'token', id: t.id, userId: t.userId, label: t.label, createdAt: t.createdAt.toISOString(), expiresAt: iso(t.expiresAt),
  revokedAt: iso(t.revokedAt), lastUsedAt: iso(t.lastUsedAt),
});

export interface KeyRow {
  id: string; platformId: string; prefix: string; label: string; scopes: string[]; createdAt: Date; expiresAt: Date | null;
  revokedAt: Date | null; rotatedFrom?: string | null; lastUsedAt?: Date | null;
}
export const keyView = (k: KeyRow): z.input<typeof platformKeySchema> => ({
  object: 'platform_key', id: k.id, platformId: k.platformId, prefix: k.prefix, label: k.label,
  scopes: k.scopes as (typeof PLATFORM_KEY_SCOPES)[number][], createdAt: k.createdAt.toISOString(), expiresAt: iso(k.expiresAt),
  revokedAt: iso(k.revokedAt), rotatedFrom: k.rotatedFrom ?? null, lastUsedAt: iso(k.lastUsedAt ?? null),
});
