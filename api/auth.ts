// Bearer tokens: random, shown once, stored as a sha256 hash (a leaked database leaks no usable token).
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

export function authenticate(db: Db): RequestHandler {
  return async (req, res, next) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer (\S+)$/i.exec(header);
    if (!match?.[1]) return next(new HttpProblem(401, 'UNAUTHENTICATED', 'A bearer token is required'));
    const token = await db.apiToken.findUnique({ where: { tokenHash: hashToken(match[1]) }, include: { user: true } });
    if (!token || token.revokedAt) return next(new HttpProblem(401, 'UNAUTHENTICATED', 'The bearer token is not valid'));
    res.locals.user = { id: token.user.id, email: token.user.email, name: token.user.name, role: token.user.role };
    next();
  };
}
