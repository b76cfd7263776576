// Bearer tokens: random, shown once, stored as a sha256 hash (a leaked database leaks no usable token).
// A valid token's user is kept in this process's memory for a few seconds (AUTH_CACHE_MS, default 5 s), so
// a burst of requests costs one lookup: a revoked token, a changed role or name take effect within that
// bound in every API process (docs/decisions/auth-cache.md). Unknown and revoked tokens are never cached.
import { createHash, randomBytes } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Db } from '../db/client.js';
import { HttpProblem } from './problem.js';

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');
export const newToken = (): string => `mc_${randomBytes(24).toString('base64url')}`;

export interface AuthedUser {
  id: string;
  email: string;
  name: string;
  /** `operator` (R28: resolves disputes with its own tokens, never a party) or `member`. */
  role: string;
}

declare module 'express-serve-static-core' {
  interface Locals {
    user: AuthedUser;
  }
}

export const DEFAULT_AUTH_CACHE_MS = 5_000;
/** Tokens remembered at most (a few hundred bytes each); past it the oldest entry goes first. */
const MAX_CACHED_TOKENS = 10_000;

/** `cacheMs`: how long a valid token's user is remembered; 0 looks every request up. */
export function authenticate(db: Db, cacheMs = DEFAULT_AUTH_CACHE_MS): RequestHandler {
  // Insertion order is lookup order, so the first entries are the oldest (and the first to expire).
  const cache = new Map<string, { user: AuthedUser; until: number }>();
  return async (req, res, next) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer (\S+)$/i.exec(header);
    if (!match?.[1]) return next(new HttpProblem(401, 'UNAUTHENTICATED', 'A bearer token is required'));
    const hash = hashToken(match[1]);
    const now = Date.now();
    const hit = cache.get(hash);
    if (hit && hit.until > now) {
      res.locals.user = hit.user;
      return next();
    }
    cache.delete(hash);
    const token = await db.apiToken.findUnique({ where: { tokenHash: hash }, include: { user: true } });
    if (!token || token.revokedAt) return next(new HttpProblem(401, 'UNAUTHENTICATED', 'The bearer token is not valid'));
    const user = { id: token.user.id, email: token.user.email, name: token.user.name, role: token.user.role };
    if (cacheMs > 0) {
      if (cache.size >= MAX_CACHED_TOKENS) cache.delete(cache.keys().next().value!);
      cache.set(hash, { user, until: now + cacheMs });
    }
    res.locals.user = user;
    next();
  };
}
