// Who is calling: one bearer credential of three kinds, told apart by its shape.
// - a user token (`mc_…`): random, shown once, stored as a sha256 hash (a leaked database leaks no usable
//   token); refused once revoked, expired, or its user deactivated;
// - a platform key (`mcpk_…`): a marketplace's backend, stored the same way (api/platform-keys.ts). With
//   `On-Behalf-Of: <userId>` it acts as one of its own platform's users, within its scopes (api/access.ts);
// - a JWT from the marketplace's own sign-in, verified against its JWKS (api/jwt-auth.ts).
// The acting user is `res.locals.user`; `res.locals.caller` says how they got there.
import { createHash, randomBytes } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Db } from '../db/client.js';
import { HttpProblem } from './problem.js';
import { ID_PATTERN, LIMITS } from '../domain/fields.js';
import type { JwtVerifier } from './jwt-auth.js';
import { LastUse } from './last-use.js';
import { PLATFORM_KEY_PREFIX } from './platform-keys.js';

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');
export const newToken = (): string => `mc_${randomBytes(24).toString('base64url')}`;

/** The header a platform key names the user it acts for with (as Stripe's `Stripe-Account`). */
export const ON_BEHALF_OF = 'On-Behalf-Of';

export interface AuthedUser {
  id: string;
  email: string;
  name: string;
  /** `operator` (R28: resolves disputes with its own tokens, never a party), `member`, or `platform` (a key acting for nobody). */
  role: string;
}

export type Caller =
  | { kind: 'token'; tokenId: string }
  | { kind: 'jwt'; subject: string }
  | { kind: 'platform'; keyId: string; platformId: string; scopes: string[]; onBehalfOf: string | null };

declare module 'express-serve-static-core' {
  interface Locals {
    user: AuthedUser;
    caller: Caller;
  }
}

/** The name a platform key's act carries in the contract's history, notices and logs. */
export const platformActor = (keyId: string): string => `platform:${keyId}`;

/** `platform:<key> for <user>` when a key acted, else undefined: the contract history's `via` comes from here. */
export function viaOf(caller: Caller): string | undefined {
  return caller.kind === 'platform' && caller.onBehalfOf ? platformActor(caller.keyId) : undefined;
}

const invalid = () => new HttpProblem(401, 'UNAUTHENTICATED', 'The bearer token is not valid');

export function authenticate(db: Db, opts: { jwt?: JwtVerifier; lastUse?: LastUse } = {}): RequestHandler {
  const lastUse = opts.lastUse ?? new LastUse(db);
  return async (req, res, next) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer (\S{1,4096})$/i.exec(header);
    if (!match?.[1]) return next(new HttpProblem(401, 'UNAUTHENTICATED', 'A bearer token is required'));
    const credential = match[1];
    const onBehalfOf = req.get(ON_BEHALF_OF);
    if (credential.startsWith(PLATFORM_KEY_PREFIX)) return platformKey(db, lastUse, credential, onBehalfOf, res).then(() => next(), next);
    personal(db, opts.jwt, lastUse, credential, res).then(() => {
      // A person's credential acts as that person only: naming someone else is refused, never silently ignored
      // (after the credential is judged, so a bad one is 401 whatever else the request says).
      if (onBehalfOf !== undefined) {
        throw new HttpProblem(400, 'ON_BEHALF_OF_NOT_ALLOWED', `${ON_BEHALF_OF} is for platform keys only`,
          'a user token or signed-in user acts as itself; send the header with a platform key');
      }
      next();
    }).catch(next);
  };
}

/** A user token or a JWT from the marketplace's sign-in: the user it names, or a 401. */
async function personal(db: Db, jwt: JwtVerifier | undefined, lastUse: LastUse, credential: string, res: Parameters<RequestHandler>[1]): Promise<void> {
  if (credential.split('.').length === 3 && !credential.startsWith('mc_')) {
    if (!jwt) throw invalid();
    const subject = await jwt.verify(credential);
    const user = await db.user.findUnique({ where: { platformId_externalId: { platformId: jwt.platformId, externalId: subject } } });
    // Not provisioned on first use: the platform creates its users (POST /users with `externalId`).
    if (!user || user.deactivatedAt) throw invalid();
    res.locals.user = { id: user.id, email: user.email, name: user.name, role: user.role };
    res.locals.caller = { kind: 'jwt', subject };
    return;
  }
  const token = await db.apiToken.findUnique({ where: { tokenHash: hashToken(credential) }, include: { user: true } });
  if (!token || token.revokedAt || (token.expiresAt && token.expiresAt <= new Date()) || token.user.deactivatedAt) throw invalid();
  lastUse.touch('token', token.id);
  res.locals.user = { id: token.user.id, email: token.user.email, name: token.user.name, role: token.user.role };
  res.locals.caller = { kind: 'token', tokenId: token.id };
}

async function platformKey(db: Db, lastUse: LastUse, credential: string, onBehalfOf: string | undefined, res: Parameters<RequestHandler>[1]): Promise<void> {
  const key = await db.platformKey.findUnique({ where: { keyHash: hashToken(credential) } });
  const now = new Date();
  if (!key || key.revokedAt || (key.expiresAt && key.expiresAt <= now)) throw invalid();
  lastUse.touch('platformKey', key.id);
  const base = { kind: 'platform' as const, keyId: key.id, platformId: key.platformId, scopes: key.scopes };
  if (onBehalfOf === undefined) {
    res.locals.user = { id: platformActor(key.id), email: '', name: platformActor(key.id), role: 'platform' };
    res.locals.caller = { ...base, onBehalfOf: null };
    return;
  }
  // One answer for an id that names nobody and one that names another platform's user: a key learns
  // nothing about users outside its platform.
  const user = onBehalfOf.length <= LIMITS.id && ID_PATTERN.test(onBehalfOf) ? await db.user.findUnique({ where: { id: onBehalfOf } }) : null;
  if (!user || user.platformId !== key.platformId) {
    throw new HttpProblem(403, 'ON_BEHALF_OF_UNKNOWN', 'No user of your platform has this id', `${ON_BEHALF_OF} must name one of your platform's users`);
  }
  if (user.deactivatedAt) throw new HttpProblem(403, 'USER_DEACTIVATED', 'This user is deactivated', 'nobody may act for a deactivated user');
  res.locals.user = { id: user.id, email: user.email, name: user.name, role: user.role };
  res.locals.caller = { ...base, onBehalfOf: user.id };
}
