// Bring your own sign-in: the API accepts the marketplace's JWTs, verified with jose against a JWKS served
// here by a local server with keys generated in the test. The subject names a user the platform created
// (externalId); anything else — a bad signature, time, issuer, audience, algorithm or key — is 401.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlatform } from '../../api/platform-keys.js';
import { issueUser } from '../../api/users.js';
import { http } from '../support/http.js';
import { startStack, type Stack } from '../support/stack.js';

type Key = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
interface SigningKey { kid: string; alg: 'RS256' | 'ES256'; privateKey: Key; jwk: JWK }

const ISSUER = 'https://auth.gigs.test/';
const AUDIENCE = 'milestone-contracts';
const SKEW = 30;
const platformId = randomUUID();
let published: SigningKey[] = [];
let fetches = 0;
let jwks: Server;
let stack: Stack;
let call: ReturnType<typeof http>;
let rs: SigningKey;
let es: SigningKey;
const subject = `auth0|${randomUUID()}`;

async function signingKey(alg: 'RS256' | 'ES256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  const kid = randomUUID();
  return { kid, alg, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

const now = () => Math.floor(Date.now() / 1000);
function token(key: SigningKey, claims: { iss?: string; aud?: string; sub?: string; exp?: number; nbf?: number } = {}): Promise<string> {
  const jwt = new SignJWT({}).setProtectedHeader({ alg: key.alg, kid: key.kid }).setIssuer(claims.iss ?? ISSUER)
    .setAudience(claims.aud ?? AUDIENCE).setSubject(claims.sub ?? subject).setIssuedAt().setExpirationTime(claims.exp ?? now() + 300);
  if (claims.nbf !== undefined) jwt.setNotBefore(claims.nbf);
  return jwt.sign(key.privateKey);
}

const status = async (bearer: string) => (await call('GET', '/contracts', { token: bearer })).status;

beforeAll(async () => {
  [rs, es] = await Promise.all([signingKey('RS256'), signingKey('ES256')]);
  published = [rs, es];
  jwks = createServer((_req, res) => {
    fetches++;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: published.map((k) => k.jwk) }));
  }).listen(0, '127.0.0.1');
  await new Promise((r) => jwks.once('listening', r));
  const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`;
  // A short cooldown so the rotation test need not wait 30 s for the refetch a new `kid` triggers.
  stack = await startStack({ jwt: { jwksUrl, issuer: ISSUER, audience: AUDIENCE, clockToleranceSeconds: SKEW, platformId, cooldownMs: 200 } });
  call = http(stack.baseUrl);
  await createPlatform(stack.db, 'Gigs Inc.', platformId);
  const user = await issueUser(stack.db, { email: `${randomUUID()}@jwt.test`, name: 'Jo' });
  await stack.db.user.update({ where: { id: user.id }, data: { platformId, externalId: subject } });
});
afterAll(async () => {
  await stack?.stop();
  await new Promise((r) => jwks?.close(r));
});

describe('JWTs from the marketplace\'s sign-in', () => {
  it('RS256 and ES256 tokens sign in as the user their subject names, and the key set is fetched once', async () => {
    expect(await status(await token(rs))).toBe(200);
    expect(await status(await token(es))).toBe(200);
    expect(await status(await token(rs))).toBe(200);
    expect(fetches).toBe(1);
  });

  it('an expired token is refused; one expired within the clock skew is accepted', async () => {
    expect(await status(await token(rs, { exp: now() - SKEW - 5 }))).toBe(401);
    expect(await status(await token(rs, { exp: now() - 5 }))).toBe(200);
  });

  it('a token not yet valid (nbf past the skew) is refused', async () => {
    expect(await status(await token(es, { nbf: now() + SKEW + 60 }))).toBe(401);
    expect(await status(await token(es, { nbf: now() + 5 }))).toBe(200);
  });

  it('a wrong issuer or a wrong audience is refused', async () => {
    expect(await status(await token(rs, { iss: 'https://evil.test/' }))).toBe(401);
    expect(await status(await token(rs, { aud: 'another-api' }))).toBe(401);
  });

  it('alg none and an HMAC token are refused', async () => {
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const payload = { iss: ISSUER, aud: AUDIENCE, sub: subject, exp: now() + 300 };
    expect(await status(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(payload)}.`)).toBe(401);
    const hs = await new SignJWT(payload).setProtectedHeader({ alg: 'HS256', kid: rs.kid }).sign(new TextEncoder().encode('x'.repeat(32)));
    expect(await status(hs)).toBe(401);
  });

  it('a token signed with a key the set does not hold (an unknown kid) is refused', async () => {
    const stranger = await signingKey('ES256');
    expect(await status(await token(stranger))).toBe(401);
  });

  it('a subject the platform never created is refused (no provisioning on first use)', async () => {
    expect(await status(await token(rs, { sub: `auth0|${randomUUID()}` }))).toBe(401);
  });

  it('a rotated key: a token with the new kid is accepted at once, the retired key stops', async () => {
    const next = await signingKey('RS256');
    published = [next, es]; // the issuer rotates: rs is retired, next is published
    await new Promise((r) => setTimeout(r, 250)); // past the refetch cooldown
    expect(await status(await token(next))).toBe(200);
    expect(await status(await token(rs))).toBe(401);
  });

  it('On-Behalf-Of with a JWT is refused: a signed-in user acts as itself', async () => {
    const res = await call('GET', '/contracts', { token: await token(es), headers: { 'on-behalf-of': randomUUID() } });
    expect([res.status, res.body.code]).toEqual([400, 'ON_BEHALF_OF_NOT_ALLOWED']);
  });
});
