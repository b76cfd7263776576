// Bring your own sign-in: a marketplace's access tokens (JWTs) are accepted as they are, verified with jose
// against the marketplace's JWKS. jose's remote key set fetches the keys once, caches them, and fetches
// again when a token names a `kid` it does not hold (at most once per cooldown), which is how a key rotation
// at the issuer reaches us without a restart. Only asymmetric algorithms are accepted (never `none`, never
// HS*: a shared secret in a public key set would let anyone sign).
import { createRemoteJWKSet, errors, jwtVerify } from 'jose';
import { HttpProblem } from './problem.js';

export const JWT_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

export interface JwtSettings {
  jwksUrl: string;
  issuer: string;
  audience: string;
  /** Tolerance for the issuer's clock against ours, on exp and nbf. */
  clockToleranceSeconds: number;
  /** The platform whose users the tokens' subjects name (its users' `externalId`). */
  platformId: string;
  /** How long the key set is trusted before it is fetched again, and the least time between fetches. */
  cacheMaxAgeMs?: number;
  cooldownMs?: number;
}

export interface JwtVerifier {
  platformId: string;
  /** The token's subject, or a 401. */
  verify(token: string): Promise<string>;
}

export function jwtVerifier(s: JwtSettings): JwtVerifier {
  const keys = createRemoteJWKSet(new URL(s.jwksUrl), {
    // Bounded: a key set server that hangs costs a request this long, never more.
    timeoutDuration: 3_000,
    cooldownDuration: s.cooldownMs ?? 30_000,
    cacheMaxAge: s.cacheMaxAgeMs ?? 10 * 60_000,
  });
  return {
    platformId: s.platformId,
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, keys, {
          issuer: s.issuer, audience: s.audience, clockTolerance: s.clockToleranceSeconds, algorithms: JWT_ALGORITHMS, requiredClaims: ['sub', 'exp'],
        });
        if (!payload.sub) throw new errors.JWTClaimValidationFailed('missing sub', payload, 'sub', 'missing');
        return payload.sub;
      } catch (err) {
        // The reason stays in our logs, not the answer: a caller learns only that the token is not accepted.
        if (err instanceof errors.JOSEError && !(err instanceof errors.JWKSTimeout)) {
          throw new HttpProblem(401, 'UNAUTHENTICATED', 'The bearer token is not valid');
        }
        // Not a verdict on the token: the key set could not be fetched. Retry, rather than "your token is bad".
        throw new HttpProblem(503, 'SIGN_IN_UNAVAILABLE', 'The sign-in keys could not be fetched', 'retry shortly', undefined, undefined, 5);
      }
    },
  };
}
