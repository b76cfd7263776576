// The per-token limit, after authentication: with a store, shared by every API process through PostgreSQL
// (the rate_limits table) in leases, so a request costs no write (api/leased-limit.ts); without one, in
// this process's memory (rate-limiter-flexible). A key over its limit is refused from memory until its
// window ends, so a flood costs no database round trips.
import type { Request, RequestHandler, Response } from 'express';
import type { Pool } from 'pg';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { type Limiter, leasedLimiter } from './leased-limit.js';
import { HttpProblem } from './problem.js';

const WINDOW_S = 60;

export function limiter(name: string, perMinute: number, store: Pool | undefined): Limiter {
  if (store) return leasedLimiter({ prefix: name, points: perMinute, durationS: WINDOW_S, store });
  const memory = new RateLimiterMemory({ keyPrefix: name, points: perMinute, duration: WINDOW_S });
  return { consume: async (key) => void (await memory.consume(key)) };
}

export function rateLimit(l: Limiter, keyOf: (req: Request, res: Response) => string): RequestHandler {
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
