// Platform keys: a marketplace's backend calls the API with one. 32 random bytes, shown once, stored as a
// sha256 hash like user tokens. A fast hash is right here: a slow one (bcrypt, scrypt) defends guessable
// passwords, and 256 random bits cannot be guessed; it would cost CPU on every request for nothing. Rotation
// makes a new key with the same scopes and lets the old one work for an overlap; revocation is immediate.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Db } from '../db/client.js';
import { hashToken } from './auth.js';
import type { PlatformKeyScope } from '../domain/identity-schemas.js';

export const PLATFORM_KEY_PREFIX = 'mcpk_';
export const newPlatformKey = (): string => `${PLATFORM_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;

export interface IssuedKey {
  id: string;
  platformId: string;
  /** The key itself: shown here once, never stored. */
  key: string;
  prefix: string;
  label: string;
  scopes: string[];
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: null;
  rotatedFrom: string | null;
}

export async function createPlatform(db: Db, name: string, id: string = randomUUID()): Promise<{ id: string; name: string }> {
  return db.platform.create({ data: { id, name }, select: { id: true, name: true } });
}

export async function createPlatformKey(
  db: Db, input: { platformId: string; scopes: PlatformKeyScope[]; label?: string; createdBy: string; rotatedFrom?: string },
): Promise<IssuedKey> {
  const key = newPlatformKey();
  const row = await db.platformKey.create({
    data: {
      id: randomUUID(), platformId: input.platformId, keyHash: hashToken(key), prefix: key.slice(0, PLATFORM_KEY_PREFIX.length + 6),
      label: input.label ?? 'default', scopes: [...new Set(input.scopes)].sort(), createdBy: input.createdBy,
      ...(input.rotatedFrom ? { rotatedFrom: input.rotatedFrom } : {}),
    },
  });
  return { id: row.id, platformId: row.platformId, key, prefix: row.prefix, label: row.label, scopes: row.scopes, createdAt: row.createdAt, expiresAt: null, revokedAt: null, rotatedFrom: row.rotatedFrom };
}

/**
 * A new key with the old one's scopes and label; the old one keeps working for `overlapSeconds` (0: it stops
 * now), so a fleet can move to the new key without a moment where neither works. Undefined when the old key
 * is not this platform's or no longer works (revoked, expired).
 */
export async function rotatePlatformKey(
  db: Db, input: { platformId: string; keyId: string; overlapSeconds: number; createdBy: string },
): Promise<{ issued: IssuedKey; oldExpiresAt: Date } | undefined> {
  const now = new Date();
  const old = await db.platformKey.findFirst({ where: { id: input.keyId, platformId: input.platformId, revokedAt: null } });
  if (!old || (old.expiresAt && old.expiresAt <= now)) return undefined;
  const oldExpiresAt = new Date(now.getTime() + input.overlapSeconds * 1000);
  // Never extends an overlap already running: a second rotation cannot keep an old key alive longer.
  const expiresAt = old.expiresAt && old.expiresAt < oldExpiresAt ? old.expiresAt : oldExpiresAt;
  await db.platformKey.update({ where: { id: old.id }, data: { expiresAt } });
  const issued = await createPlatformKey(db, {
    platformId: old.platformId, scopes: old.scopes as PlatformKeyScope[], label: old.label, createdBy: input.createdBy, rotatedFrom: old.id,
  });
  return { issued, oldExpiresAt: expiresAt };
}
