// A per-token rate limit (token bucket, in memory, per API process): RATE_LIMIT_PER_MINUTE requests a
// minute on average, with bursts up to the same number. Behind several API processes, put the limit in
// the gateway or a shared store instead.
import type { RequestHandler } from 'express';
import { HttpProblem } from './problem.js';

export function rateLimit(perMinute: number): RequestHandler {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const ratePerMs = perMinute / 60_000;
  return (_req, res, next) => {
    const id = res.locals.user.id;
    const now = Date.now();
    const b = buckets.get(id) ?? { tokens: perMinute, at: now };
    b.tokens = Math.min(perMinute, b.tokens + (now - b.at) * ratePerMs);
    b.at = now;
    buckets.set(id, b);
    if (b.tokens < 1) {
      const retryAfter = Math.ceil((1 - b.tokens) / ratePerMs / 1000);
      return next(new HttpProblem(429, 'RATE_LIMITED', 'Too many requests', `retry after ${retryAfter} s`, undefined, undefined, retryAfter));
    }
    b.tokens -= 1;
    next();
  };
}
