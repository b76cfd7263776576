// Rate limits with rate-limiter-flexible, stored in PostgreSQL (the rate_limits table) so every API process
// shares them: a cheap limit per client address before authentication (bad tokens are limited and cost no
// token lookup once an address is blocked), and the per-token limit after it. A key over its limit is
// blocked in memory until its window ends, so a flood costs no database round trips. If PostgreSQL fails,
// the limits hold per process (the insurance limiter) rather than letting everything through.
import type { Request, RequestHandler, Response } from 'express';
import type { Pool } from 'pg';
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { HttpProblem } from './problem.js';

const WINDOW_S = 60;

export function limiter(name: string, perMinute: number, store: Pool | undefined): RateLimiterAbstract {
  const opts = { keyPrefix: name, points: perMinute, duration: WINDOW_S, inMemoryBlockOnConsumed: perMinute };
  const memory = new RateLimiterMemory(opts);
  if (!store) return memory;
  // tableCreated: the table is a migration (prisma/migrations/*_rate_limits), not created at run time.
  return new RateLimiterPostgres({ ...opts, storeClient: store, storeType: 'pool', tableName: 'rate_limits', tableCreated: true,
    insuranceLimiter: memory });
}

export function rateLimit(l: RateLimiterAbstract, keyOf: (req: Request, res: Response) => string): RequestHandler {
  return async (req, res, next) => {
    try {
      await l.consume(keyOf(req, res));
      next();
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) return next(err);
      const retryAfter = Math.max(1, Math.ceil(err.msBeforeNext / 1000));
      next(new HttpProblem(429, 'RATE_LIMITED', 'Too many requests', `retry after ${retryAfter} s`, undefined, undefined, retryAfter));
    }
  };
}
