// Who is calling: one bearer credential of three kinds, told apart by its shape.
// - a user token (`mc_…`): random, shown once, stored as a sha256 hash (a leaked database leaks no usable
//   token); refused once revoked, expired, or its user deactivated;
// - a platform key (`mcpk_…`): a marketplace's backend, stored the same way (api/platform-keys.ts). With
//   `On-Behalf-Of: <userId>` it acts as one of its own platform's users, within its scopes (api/access.ts);
// - a JWT from the marketplace's own sign-in, verified against its JWKS (api/jwt-auth.ts).
// The acting user is `res.locals.user`; `res.locals.caller` says how they got there.
// A valid token's or key's record is kept in this process's memory for a few seconds (AUTH_CACHE_MS, default
// 5 s), so a burst of requests costs one lookup: a revocation, expiry, deactivation, changed role or name
// takes effect within that bound in every API process (docs/decisions/auth-cache.md). Unknown and refused
// credentials are never cached; JWTs are verified every time (their keys are cached by jose).
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

export const DEFAULT_AUTH_CACHE_MS = 5_000;
/** Credentials remembered at most (a few hundred bytes each); past it the oldest entry goes first. */
const MAX_CACHED = 10_000;

/** A looked-up credential: the user token's user, or the platform key's record. */
type Found =
  | { kind: 'token'; tokenId: string; user: AuthedUser; expiresAt: Date | null }
  | { kind: 'key'; keyId: string; platformId: string; scopes: string[]; expiresAt: Date | null };

/** Every cache of this process, so a revocation made here is forgotten here at once. */
const caches = new Set<CredentialCache>();

/**
 * Forgets a revoked token or key, or every credential of a deactivated user, in this process's caches at
 * once; other API processes stop honouring it within their AUTH_CACHE_MS.
 */
export function forgetCredentials(which: { tokenId?: string; keyId?: string; userId?: string }): void {
  for (const cache of caches) cache.forget(which);
}

/** Per-process memory of valid credentials by hash, each for at most `cacheMs` (0 remembers nothing). */
class CredentialCache {
  // Insertion order is lookup order, so the first entries are the oldest (and the first to expire).
  readonly #entries = new Map<string, { found: Found; until: number }>();
  constructor(private readonly cacheMs: number) {
    if (cacheMs > 0) caches.add(this);
  }
  forget({ tokenId, keyId, userId }: { tokenId?: string; keyId?: string; userId?: string }): void {
    for (const [hash, { found }] of this.#entries) {
      const hit = found.kind === 'token' ? found.tokenId === tokenId || found.user.id === userId : found.keyId === keyId;
      if (hit) this.#entries.delete(hash);
    }
  }
  get(hash: string, now: number): Found | undefined {
    const hit = this.#entries.get(hash);
    if (hit && hit.until > now && (!hit.found.expiresAt || hit.found.expiresAt.getTime() > now)) return hit.found;
    this.#entries.delete(hash);
    return undefined;
  }
  set(hash: string, found: Found, now: number): void {
    if (this.cacheMs <= 0) return;
    if (this.#entries.size >= MAX_CACHED) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(hash, { found, until: now + this.cacheMs });
  }
}

export interface AuthOptions {
  jwt?: JwtVerifier;
  lastUse?: LastUse;
  /** How long a valid credential is remembered; 0 looks every request up. */
  cacheMs?: number;
}

export function authenticate(db: Db, opts: AuthOptions = {}): RequestHandler {
  const lastUse = opts.lastUse ?? new LastUse(db);
  const cache = new CredentialCache(opts.cacheMs ?? DEFAULT_AUTH_CACHE_MS);
  return async (req, res, next) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer (\S{1,4096})$/i.exec(header);
    if (!match?.[1]) return next(new HttpProblem(401, 'UNAUTHENTICATED', 'A bearer token is required'));
    const credential = match[1];
    const onBehalfOf = req.get(ON_BEHALF_OF);
    if (credential.startsWith(PLATFORM_KEY_PREFIX)) return platformKey(db, cache, lastUse, credential, onBehalfOf, res).then(() => next(), next);
    personal(db, cache, opts.jwt, lastUse, credential, res).then(() => {
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
async function personal(db: Db, cache: CredentialCache, jwt: JwtVerifier | undefined, lastUse: LastUse, credential: string, res: Parameters<RequestHandler>[1]): Promise<void> {
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
  const hash = hashToken(credential);
  const now = Date.now();
  let found = cache.get(hash, now);
  if (found?.kind !== 'token') {
    const token = await db.apiToken.findUnique({ where: { tokenHash: hash }, include: { user: true } });
    if (!token || token.revokedAt || (token.expiresAt && token.expiresAt.getTime() <= now) || token.user.deactivatedAt) throw invalid();
    const user = { id: token.user.id, email: token.user.email, name: token.user.name, role: token.user.role };
    found = { kind: 'token', tokenId: token.id, user, expiresAt: token.expiresAt };
    cache.set(hash, found, now);
  }
  lastUse.touch('token', found.tokenId);
  res.locals.user = found.user;
  res.locals.caller = { kind: 'token', tokenId: found.tokenId };
}

async function platformKey(db: Db, cache: CredentialCache, lastUse: LastUse, credential: string, onBehalfOf: string | undefined, res: Parameters<RequestHandler>[1]): Promise<void> {
  const hash = hashToken(credential);
  const now = Date.now();
  let key = cache.get(hash, now);
  if (key?.kind !== 'key') {
    const row = await db.platformKey.findUnique({ where: { keyHash: hash } });
    if (!row || row.revokedAt || (row.expiresAt && row.expiresAt.getTime() <= now)) throw invalid();
    key = { kind: 'key', keyId: row.id, platformId: row.platformId, scopes: row.scopes, expiresAt: row.expiresAt };
    cache.set(hash, key, now);
  }
  lastUse.touch('platformKey', key.keyId);
  const base = { kind: 'platform' as const, keyId: key.keyId, platformId: key.platformId, scopes: key.scopes };
  if (onBehalfOf === undefined) {
    res.locals.user = { id: platformActor(key.keyId), email: '', name: platformActor(key.keyId), role: 'platform' };
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
