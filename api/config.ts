// The API's environment, read once through a zod schema: a bad value stops the process at start with a
// message naming the variable, instead of quietly becoming NaN (RATE_LIMIT_PER_MINUTE=abc once disabled
// the rate limit). Temporal's variables (TEMPORAL_*, a profile) are @temporalio/envconfig's: worker/connection.ts.
import { z } from 'zod';
import { DEFAULT_INITIATION_FEE_CENTS, MAX_FEE_CENTS } from '../domain/money.js';
import { DEFAULT_COMMAND_TIMEOUT_MS } from './deadline.js';
import { TASK_QUEUE } from '../domain/names.js';
import type { JwtSettings } from './jwt-auth.js';

const whole = (min: number, max: number) => z.string().trim().regex(/^\d+$/, 'a whole number').transform(Number).pipe(z.number().int().min(min).max(max));

export const envSchema = z.object({
  PORT: whole(0, 65_535).default(3000),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'a postgresql:// URL'),
  /** Per bearer token, after authentication. */
  RATE_LIMIT_PER_MINUTE: whole(1, 1_000_000).default(600),
  /** How long a valid token's user is remembered, in ms: a revoked token stops working within this; 0 looks up every request. */
  AUTH_CACHE_MS: whole(0, 60_000).default(5_000),
  /** Per client address, before authentication: bounds what unauthenticated requests cost. */
  RATE_LIMIT_PER_ADDRESS_PER_MINUTE: whole(1, 1_000_000).default(1200),
  COMMAND_TIMEOUT_MS: whole(1, 600_000).default(DEFAULT_COMMAND_TIMEOUT_MS),
  INITIATION_FEE_CENTS: whole(0, MAX_FEE_CENTS).default(DEFAULT_INITIATION_FEE_CENTS),
  CHANGE_REQUESTS_DEFAULT: z.enum(['on', 'off']).default('off'),
  /**
   * Express's `trust proxy`: how many proxies in front append to X-Forwarded-For (0: the socket's address).
   * The address limit keys on the address that many hops from the right: 0 behind a proxy puts every
   * client in the proxy's one bucket; more than there are lets a client choose its own address.
   */
  TRUST_PROXY_HOPS: whole(0, 10).default(0),
  /** R29: http:// receivers on loopback (local development and tests only); never in production. */
  WEBHOOKS_ALLOW_LOOPBACK: z.enum(['true', 'false']).default('false'),
  /** The contract task queue the worker polls (its TASK_QUEUE): the API starts contracts there. */
  TASK_QUEUE: z.string().trim().regex(/^[\w.-]{1,200}$/, 'letters, digits, _, . or -').default(TASK_QUEUE),
  /** GET /metrics answers only `Authorization: Bearer <METRICS_TOKEN>`; unset, /metrics is not served. */
  METRICS_TOKEN: z.string().trim().regex(/^[\x21-\x7e]{16,256}$/, '16 to 256 printable ASCII characters').optional(),
  /** Bring your own sign-in: the JWKS URL of the marketplace's issuer; unset, JWTs are not accepted. */
  JWT_JWKS_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** The `iss` and `aud` every accepted JWT carries (required with JWT_JWKS_URL). */
  JWT_ISSUER: z.string().trim().min(1).max(500).optional(),
  JWT_AUDIENCE: z.string().trim().min(1).max(500).optional(),
  /** The platform whose users the JWTs' `sub` names (their `externalId`). */
  JWT_PLATFORM_ID: z.string().trim().min(1).max(100).optional(),
  /** Tolerated difference between the issuer's clock and ours, on `exp` and `nbf`. */
  JWT_CLOCK_SKEW_SECONDS: whole(0, 300).default(30),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type ApiEnv = z.output<typeof envSchema>;

const JWT_VARIABLES = ['JWT_ISSUER', 'JWT_AUDIENCE', 'JWT_PLATFORM_ID'] as const;

/** The JWT settings when JWT_JWKS_URL is set (then the issuer, audience and platform are required), else undefined. */
export function jwtSettings(env: ApiEnv): JwtSettings | undefined {
  if (!env.JWT_JWKS_URL) return undefined;
  const missing = JWT_VARIABLES.filter((v) => !env[v]);
  if (missing.length) throw new Error(`invalid API configuration:\n${missing.map((v) => `  ${v}: required with JWT_JWKS_URL`).join('\n')}`);
  return {
    jwksUrl: env.JWT_JWKS_URL, issuer: env.JWT_ISSUER!, audience: env.JWT_AUDIENCE!, platformId: env.JWT_PLATFORM_ID!,
    clockToleranceSeconds: env.JWT_CLOCK_SKEW_SECONDS,
  };
}

/** The parsed environment, or an Error listing every bad variable and why. */
export function readEnv(env: NodeJS.ProcessEnv = process.env): ApiEnv {
  const parsed = envSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  if (parsed.success) return parsed.data;
  // Names and reasons only, never the value: a malformed DATABASE_URL carries its password to the logs.
  const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
  throw new Error(`invalid API configuration:\n${lines.join('\n')}`);
}
